import * as core from "@actions/core";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { readDeployInputs, readPullRequestFilter } from "../../config/deploy-inputs.js";
import { Inputs } from "../../config/inputs.js";
import { applyRoute, type DeployRouteResult } from "../../deploy/apply.js";
import { routeToDeploy } from "../../deploy/event-route.js";
import type { DeployRouteOptions } from "../../deploy/options.js";
import { planRoute, type RoutePlan } from "../../deploy/plan.js";
import { readRoute, type RouteRead } from "../../deploy/read.js";
import { failureLine, routeUsage } from "../../deploy/report.js";
import { createGitHubClient } from "../../github/client.js";
import { ecsConsoleUrl, type RouteCommentModel, type RouteCopyRow, type RouteServiceRow } from "../../github/comment-body.js";
import { readWorkflowEvent } from "../../github/event.js";
import { pullRequestSkip } from "../../github/guard.js";
import { readPullRequestStates } from "../../reap/discover.js";
import { beginRoute, type RouteReport } from "../../github/pull-request-experience.js";
import type { PruneReport } from "../../reap/prune.js";
import { deployOptions, expiresAt, reportDeploy, runOnDeploy, runPrune, type DeployRun } from "../common/deploy.js";
import { pullRequestClosed, tearDownClosedRoute } from "./pull-request-open.js";

const ROW_STATUS = { running: "running", failed: "failed", deployed: "deploying" } as const;

function commentModel(
  run: DeployRun,
  region: string,
  rows: RouteServiceRow[],
  routeCopies: RouteCopyRow[],
  failure: string | undefined,
  result?: DeployRouteResult,
  pruned?: PruneReport,
): RouteCommentModel {
  const expires = expiresAt(run);
  const now = new Date();
  return {
    route: run.route,
    repository: run.event.repository,
    commit: run.event.sha,
    cluster: run.settings.cluster,
    region,
    services: rows,
    routeCopies,
    signal: run.settings.routing.signal,
    ...(expires !== undefined ? { expiresAt: expires } : {}),
    ...(failure !== undefined ? { failure } : {}),
    ...(result !== undefined ? { cost: { figures: routeUsage(result, run.settings.prices, now), prices: run.settings.prices } } : {}),
    ...(pruned !== undefined ? { pruned } : {}),
    updatedAt: now,
  };
}

function resultRows(result: DeployRouteResult): RouteServiceRow[] {
  return result.services.map((service) => ({
    baseService: service.baseService,
    routeService: service.routeService,
    image: service.image,
    status: ROW_STATUS[service.status],
    consoleUrl: ecsConsoleUrl(result.region, result.cluster, service.routeService),
    ...(service.reason !== undefined ? { reason: service.reason } : {}),
  }));
}

/** Every copy on the route in the cluster: this deploy's, then the others read before it (another repository's on a shared route). */
function routeCopyRows(run: DeployRun, read: RouteRead, plan: RoutePlan): RouteCopyRow[] {
  const making = new Set(plan.services.map((service) => service.routeService));
  return [
    ...plan.services.map((service) => ({ routeService: service.routeService, repository: run.event.repository, pullRequest: run.event.pullRequest?.number })),
    ...read.routeCopies
      .filter((copy) => !making.has(copy.serviceName))
      .map((copy) => ({ routeService: copy.serviceName, repository: copy.repository, pullRequest: copy.pullRequest })),
  ];
}

/** The copies on the route once the prune removed what it did. */
function stillOnRoute(copies: RouteCopyRow[], pruned: PruneReport | undefined): RouteCopyRow[] {
  const removed = new Set(pruned?.removed ?? []);
  return copies.filter((copy) => !removed.has(copy.routeService));
}

/** Every planned copy with `status` and `reason`: the comment after on-deploy or an apply that threw. */
function failedRows(run: DeployRun, region: string, plan: RoutePlan, reason: string, status: "failed" | "skipped"): RouteServiceRow[] {
  return plan.services.map((service) => ({
    baseService: service.spec.service,
    routeService: service.routeService,
    image: service.image,
    status,
    consoleUrl: ecsConsoleUrl(region, run.settings.cluster, service.routeService),
    reason,
  }));
}

/**
 * deploy-ephemeral: route `pr-<n>` (or the `route` input) for the services a pull request changed.
 * Closed, fork and draft pull requests are skipped first (nothing created); the sticky comment and the
 * GitHub deployment start only once every input has been checked and the route planned, and end
 * with the outcome.
 */
export async function deployEphemeral(logger: Logger): Promise<void> {
  const inputs = new Inputs();
  const event = readWorkflowEvent();
  const skip =
    event.pullRequest?.state === "closed"
      ? `Skipped pull request #${event.pullRequest.number}: it is closed; the reap action tears its route down.`
      : pullRequestSkip(event, readPullRequestFilter(inputs));
  if (skip !== undefined) {
    core.notice(skip);
    return;
  }
  const settings = readDeployInputs(inputs, "ephemeral");
  const run: DeployRun = { kind: "ephemeral", event, ...routeToDeploy(event, settings), settings, startedAt: new Date() };
  const { comment, deployment, environmentUrl, githubToken } = settings.pullRequest;
  if (githubToken !== "") core.setSecret(githubToken);
  const pullRequest = event.pullRequest;
  const github = githubToken === "" ? undefined : createGitHubClient(githubToken);
  // Also without comment and deployment: the pull request is looked at before and after (issue 14.3).
  const octokit = pullRequest !== undefined && (comment || deployment || github !== undefined) ? (github ?? createGitHubClient(githubToken)) : undefined;

  const options: DeployRouteOptions = {
    ...deployOptions(run, logger),
    // Whether the pull requests holding copies of the route are still open decides whether it may be taken.
    ...(github !== undefined ? { pullRequestStates: (numbers: readonly number[]) => readPullRequestStates(github, event.owner, event.repo, numbers, settings.maxConcurrency) } : {}),
  };
  const read = await readRoute(options);
  const plan = planRoute(options, read, run.startedAt);
  const closedMeanwhile = async (): Promise<boolean> =>
    octokit !== undefined && pullRequest !== undefined && (await pullRequestClosed(octokit, run, pullRequest.number, logger));
  // The first look, right before the first mutating call (the comment and deployment, then on-deploy).
  if (pullRequest !== undefined && (await closedMeanwhile())) {
    core.notice(`Skipped pull request #${pullRequest.number}: it was closed before the deploy created anything; the reap action tears its route down.`);
    return;
  }
  /** The second look, before any outcome is reported: a route torn down under the deploy stays torn down. */
  const tornDownInstead = async (failure?: unknown): Promise<boolean> => {
    if (octokit === undefined || pullRequest === undefined || !(await closedMeanwhile())) return false;
    if (failure !== undefined) logger.warning(`the deploy failed while its pull request was being closed: ${errorMessage(failure).split("\n")[0] ?? ""}`);
    core.notice(await tearDownClosedRoute({ ecs: options.client, octokit }, run, pullRequest.number, read.region, logger));
    return true;
  };
  const copiesOnRoute = routeCopyRows(run, read, plan);
  let routeReport: RouteReport | undefined;
  if (octokit !== undefined && pullRequest !== undefined && (comment || deployment)) {
    const serverUrl = process.env.GITHUB_SERVER_URL ?? "https://github.com";
    routeReport = await beginRoute({
      octokit,
      owner: event.owner,
      repo: event.repo,
      pullRequest: pullRequest.number,
      route: run.route,
      commit: event.sha,
      comment,
      deployment,
      ...(environmentUrl !== undefined ? { environmentUrl } : {}),
      ...(process.env.GITHUB_RUN_ID !== undefined ? { logUrl: `${serverUrl}/${event.repository}/actions/runs/${process.env.GITHUB_RUN_ID}` } : {}),
      logger,
    });
  }

  let ready: RoutePlan;
  try {
    ready = await runOnDeploy(run, options, read, plan, logger);
  } catch (error) {
    if (await tornDownInstead(error)) return;
    // Nothing was deployed; the hook's exit code and last output lines go in the comment whole.
    const rows = failedRows(run, read.region, plan, "not deployed: on-deploy failed", "skipped");
    await routeReport?.finish(commentModel(run, read.region, rows, copiesOnRoute, errorMessage(error)), false);
    throw error;
  }
  let result: DeployRouteResult;
  try {
    result = await applyRoute(options, ready, read.region);
  } catch (error) {
    if (await tornDownInstead(error)) return;
    const reason = errorMessage(error).split("\n")[0] ?? "failed";
    await routeReport?.finish(commentModel(run, read.region, failedRows(run, read.region, ready, reason, "failed"), copiesOnRoute, reason), false);
    throw error;
  }
  if (await tornDownInstead()) return;
  const pruned = await runPrune(run, options, result, logger);
  await reportDeploy(result, settings, new Date(), pruned);
  const failure = result.failed ? failureLine(result) : undefined;
  const finished = await routeReport?.finish(commentModel(run, read.region, resultRows(result), stillOnRoute(copiesOnRoute, pruned), failure, result, pruned), !result.failed);
  if (finished?.commentUrl !== undefined) core.info(`Pull request comment: ${finished.commentUrl}`);
  if (failure !== undefined) throw new Error(failure);
  // The copies serve: the route is reported ready, and the step fails for the pruned copies' on-reap.
  if (pruned?.pending !== undefined) throw pruned.pending.error;
}
