// deploy-ephemeral and a reap of the same pull request must not fight (issue 14.3, docs/design.md §5):
// the deploy looks at the pull request before its first mutating call and again before it reports.
// Closed at the first look: nothing is created. Closed at the second: what the deploy made goes
// through the reaper's own path (route mode, this pull request's copies only), so the comment and
// the deployment end "torn down", never "ready".
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { Logger } from "../../common/logger.js";
import { createTaggingClient } from "../../ecs/tagged-revisions.js";
import type { GitHubClient } from "../../github/client.js";
import { tearDownRoute } from "../../github/pull-request-experience.js";
import { readPullRequestStates } from "../../reap/discover.js";
import { reap } from "../../reap/reap.js";
import { onRouteRemoved, type DeployRun } from "../common/deploy.js";

/** True when GitHub says the pull request is closed now; a state GitHub would not give is taken as open (with a warning). */
export async function pullRequestClosed(octokit: GitHubClient, run: DeployRun, number: number, logger: Logger): Promise<boolean> {
  const state = (await readPullRequestStates(octokit, run.event.owner, run.event.repo, [number], 1)).get(number);
  if (state?.kind === "unknown") {
    logger.warning(`could not read pull request #${number} (${state.reason}); deploying as if it were still open`);
  }
  return state?.kind === "closed";
}

/**
 * Removes this pull request's copies of the route, marks its comment and deployments torn down, runs
 * on-reap (reason `closed`) and retires the revisions: a reap of the route, as the reap action would
 * run it on the close. Returns the notice to show; a failing hook leaves the route teardown pending
 * and fails the step with the hook's first line.
 */
export async function tearDownClosedRoute(
  clients: { ecs: ECSClient; octokit: GitHubClient },
  run: DeployRun,
  number: number,
  region: string,
  logger: Logger,
): Promise<string> {
  const { ecs, octokit } = clients;
  const { event, settings } = run;
  const because = `pull request #${number} was closed during the deploy`;
  const serverUrl = process.env.GITHUB_SERVER_URL ?? "https://github.com";
  const logUrl = process.env.GITHUB_RUN_ID === undefined ? undefined : `${serverUrl}/${event.repository}/actions/runs/${process.env.GITHUB_RUN_ID}`;
  const report = await reap(
    {
      cluster: settings.cluster,
      repository: { name: event.repository, id: event.repositoryId },
      owner: event.owner,
      repo: event.repo,
      mode: { kind: "route", route: run.route, because, pullRequest: number },
      includeShadow: false,
      dryRun: false,
      // Only this pull request's copies of one route are candidates: as many as the deploy made, at most.
      maxDeletions: Math.max(settings.services.length, 1),
      deleteTaskDefinitions: false,
      maxConcurrency: settings.maxConcurrency,
      now: new Date(),
    },
    {
      ecs,
      tagging: createTaggingClient(region),
      github: octokit,
      tearDown: ({ route, pullRequest, removed, reason }) =>
        tearDownRoute({
          octokit,
          owner: event.owner,
          repo: event.repo,
          pullRequest,
          route,
          logUrl,
          logger,
          removed,
          reason,
          // The deploy writes its comment only when it reports: say "torn down" there instead.
          writeMissing: settings.pullRequest?.comment === true,
        }),
      ...onRouteRemoved(run, logger),
      logger,
    },
  );
  if (report.pending.length > 0 || report.failedDeletions > 0 || report.failedFamilies > 0 || report.selection.overMaxDeletions > 0) {
    const whys = report.pending.map(({ why }) => ` (${why})`).join("");
    throw new Error(`${because}, and its route ${run.route} could not be torn down completely${whys}; the reap action (on the close, or a sweep) finishes it`);
  }
  const removed = report.deleted.map((decision) => decision.service);
  return `${because}: route ${run.route} is torn down${removed.length > 0 ? ` (removed ${removed.join(", ")})` : ""}, not reported ready.`;
}
