// A GitHub deployment per route (environment `pr-<n>`), so the PR's timeline and the Environments
// page show the route, its URL and its state; inactive once the route is torn down.
import type { GitHubClient } from "./client.js";

export interface RouteDeploymentTarget {
  owner: string;
  repo: string;
}

/** Creates the deployment of `ref` to `environment` and marks it in progress; returns its id. */
export async function startRouteDeployment(
  octokit: GitHubClient,
  options: RouteDeploymentTarget & { environment: string; ref: string; description?: string; logUrl?: string; pullRequest: number },
): Promise<number> {
  const { data } = await octokit.rest.repos.createDeployment({
    owner: options.owner,
    repo: options.repo,
    ref: options.ref,
    environment: options.environment,
    description: options.description,
    // Whose deployment it is: one route name may serve another pull request later, and tearing down
    // one pull request's route must leave the other's deployments alone.
    payload: { pull_request: options.pullRequest },
    // The route deploys exactly this commit: no merge of the default branch, no status checks
    // (the PR's own checks are still running while it deploys).
    auto_merge: false,
    required_contexts: [],
    transient_environment: true,
    production_environment: false,
  });
  if (!("id" in data)) {
    // 202: GitHub merged the default branch into the ref instead (only with auto_merge on).
    throw new Error(`GitHub did not create a deployment of ${options.ref}: ${data.message ?? "no reason given"}`);
  }
  await octokit.rest.repos.createDeploymentStatus({
    owner: options.owner,
    repo: options.repo,
    deployment_id: data.id,
    state: "in_progress",
    log_url: options.logUrl,
    description: options.description,
  });
  return data.id;
}

/** The deployment's final state, with the URL the Environments page links to. */
export async function finishRouteDeployment(
  octokit: GitHubClient,
  options: RouteDeploymentTarget & { id: number; state: "success" | "failure"; environmentUrl?: string; logUrl?: string; description?: string },
): Promise<void> {
  await octokit.rest.repos.createDeploymentStatus({
    owner: options.owner,
    repo: options.repo,
    deployment_id: options.id,
    state: options.state,
    environment_url: options.environmentUrl,
    log_url: options.logUrl,
    description: options.description,
  });
}

/**
 * Marks the deployments of `environment` inactive (already inactive ones are left as they are): those
 * of `pullRequest`, and those that name no pull request (made before deployments recorded it).
 */
export async function deactivateRouteDeployments(
  octokit: GitHubClient,
  options: RouteDeploymentTarget & { environment: string; pullRequest: number; description?: string },
): Promise<number> {
  const deployments = await octokit.paginate(octokit.rest.repos.listDeployments, {
    owner: options.owner,
    repo: options.repo,
    environment: options.environment,
    per_page: 100,
  });
  let deactivated = 0;
  for (const deployment of deployments) {
    const payload = deployment.payload;
    const owner = typeof payload === "object" && payload !== null ? (payload as { pull_request?: unknown }).pull_request : undefined;
    if (owner !== undefined && owner !== options.pullRequest) continue;
    const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({
      owner: options.owner,
      repo: options.repo,
      deployment_id: deployment.id,
      per_page: 1,
    });
    if (statuses[0]?.state === "inactive") {
      continue;
    }
    await octokit.rest.repos.createDeploymentStatus({
      owner: options.owner,
      repo: options.repo,
      deployment_id: deployment.id,
      state: "inactive",
      description: options.description,
    });
    deactivated++;
  }
  return deactivated;
}
