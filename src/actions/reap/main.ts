import * as core from "@actions/core";
import { parseDuration } from "../../common/duration.js";
import { ConfigurationError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { Inputs } from "../../config/inputs.js";
import { checkAwsConfiguration, createEcsClient } from "../../ecs/client.js";
import { createGitHubClient } from "../../github/client.js";
import { readWorkflowEvent, type WorkflowEvent } from "../../github/event.js";
import { tearDownRoute } from "../../github/pull-request-experience.js";
import { SHADOW_ROUTE, routeForPullRequest, validateRoute } from "../../routing/route.js";
import { reap, type ReapPlan, type ReapReport, type TearDown } from "../../reap/reap.js";
import type { Decision, ReapMode } from "../../reap/select.js";

/** Rows of kept services shown in the job summary; the `kept` output always has all of them. */
const SUMMARY_KEPT_ROWS = 200;

/** The reap action: one route (PR closed, or `route`) or a sweep of stale copies (schedule, `sweep`). */
export async function reapAction(logger: Logger, inputs = new Inputs(), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const event = readWorkflowEvent(env);
  const includeShadow = inputs.boolean("include-shadow", false);
  const mode = reapMode(event, inputs, includeShadow, logger);
  const plan: ReapPlan = {
    cluster: inputs.string("cluster", "default"),
    repository: event.repository,
    owner: event.owner,
    repo: event.repo,
    mode,
    includeShadow,
    dryRun: inputs.boolean("dry-run", false),
    maxDeletions: inputs.integer("max-deletions", 25, { min: 1, max: 10_000 }),
    deleteTaskDefinitions: inputs.boolean("delete-task-definitions", false),
    maxConcurrency: inputs.integer("max-concurrency", 10, { min: 1, max: 100 }),
    now: new Date(),
  };
  const token = inputs.optionalString("github-token");
  if (token !== undefined) core.setSecret(token);

  const ecs = createEcsClient();
  await checkAwsConfiguration(ecs);
  const github = token === undefined ? undefined : createGitHubClient(token);
  const serverUrl = env.GITHUB_SERVER_URL ?? "https://github.com";
  const logUrl = env.GITHUB_RUN_ID === undefined ? undefined : `${serverUrl}/${event.repository}/actions/runs/${env.GITHUB_RUN_ID}`;
  const tearDown: TearDown | undefined =
    github === undefined
      ? undefined
      : ({ route, pullRequest, removed, reason }) =>
          tearDownRoute({ octokit: github, owner: event.owner, repo: event.repo, pullRequest, route, logUrl, logger, removed, reason });

  if (plan.dryRun) logger.info("dry-run: nothing will be deleted, deregistered or changed on GitHub");
  const report = await reap(plan, { ecs, github, tearDown, logger });

  core.setOutput("deleted", JSON.stringify(report.deleted.map((decision) => outputEntry(decision, plan.dryRun))));
  core.setOutput("kept", JSON.stringify(report.kept.map((decision) => outputEntry(decision, false))));
  await writeSummary(plan, report);

  if (mode.kind === "route" && report.deleted.length === 0 && report.kept.length === 0) {
    logger.info(`route ${mode.route} has no services in cluster ${plan.cluster}: nothing was deployed, nothing to reap`);
  }
  if (report.failedDeletions > 0 || report.failedFamilies > 0) {
    throw new Error(
      `could not delete ${count(report.failedDeletions, "service", "services")} and retire the task definitions of ${count(report.failedFamilies, "family", "families")}; see the errors above`,
    );
  }
  if (report.selection.overMaxDeletions > 0) {
    throw new ConfigurationError(
      `${report.selection.overMaxDeletions} more stale service(s) were kept after ${plan.maxDeletions} deletions; review the 'kept' list, then raise max-deletions or run again`,
      "max-deletions",
    );
  }
}

function reapMode(event: WorkflowEvent, inputs: Inputs, includeShadow: boolean, logger: Logger): ReapMode {
  const routeInput = inputs.optionalString("route");
  // A scheduled or manual run has no route of its own: its natural job is the sweep.
  const sweep = inputs.boolean("sweep", routeInput === undefined && (event.name === "schedule" || event.name === "workflow_dispatch"));
  const maxAge = inputs.optionalString("max-age");
  const maxAgeMs = maxAge === undefined ? undefined : parseDuration(maxAge, "max-age");
  if (sweep) {
    if (routeInput !== undefined) {
      throw new ConfigurationError(`cannot be combined with route '${routeInput}'; give either a route or sweep: true`, "sweep");
    }
    return { kind: "sweep", maxAgeMs };
  }
  if (maxAgeMs !== undefined) logger.warning("max-age applies to a sweep only; reaping one route ignores it");

  let mode: ReapMode;
  const closedPullRequest = event.pullRequest !== undefined && event.action === "closed" ? event.pullRequest : undefined;
  if (routeInput !== undefined) {
    mode = {
      kind: "route",
      route: validateRoute(routeInput, "route"),
      because:
        closedPullRequest === undefined
          ? `route ${routeInput} asked for`
          : `pull request #${closedPullRequest.number} ${closedPullRequest.merged ? "merged" : "closed"}`,
      pullRequest: closedPullRequest?.number,
    };
  } else if (event.pullRequest !== undefined) {
    if (event.action !== "closed") {
      throw new ConfigurationError(
        `runs on a pull_request '${event.action ?? "unknown"}' event; reap tears a route down when its pull request closes: use 'on: pull_request: types: [closed]', or set route`,
        "route",
      );
    }
    const number = event.pullRequest.number;
    mode = {
      kind: "route",
      route: routeForPullRequest(number),
      because: `pull request #${number} ${event.pullRequest.merged ? "merged" : "closed"}`,
      pullRequest: number,
    };
  } else {
    throw new ConfigurationError(
      `a '${event.name || "unknown"}' event names no route to reap; set route (e.g. route: pr-123) or sweep: true`,
      "route",
    );
  }
  if (mode.route === SHADOW_ROUTE && !includeShadow) {
    throw new ConfigurationError("route 'shadow' is main's copy; set include-shadow: true to really reap it", "include-shadow");
  }
  return mode;
}

function outputEntry(decision: Decision, dryRun: boolean): Record<string, unknown> {
  return {
    service: decision.service,
    route: decision.route ?? null,
    reason: decision.reason,
    ...(dryRun ? { dryRun: true } : {}),
  };
}

async function writeSummary(plan: ReapPlan, report: ReapReport): Promise<void> {
  const heading = plan.mode.kind === "route" ? `Reap route ${plan.mode.route}` : "Reap sweep";
  const verb = plan.dryRun ? "Would delete" : "Deleted";
  const summary = core.summary.addHeading(`${heading} in cluster ${plan.cluster}${plan.dryRun ? " (dry run)" : ""}`, 2);
  const row = (decision: Decision): string[] => [decision.service, decision.route ?? "", decision.reason];
  const header = [
    { data: "service", header: true },
    { data: "route", header: true },
    { data: "reason", header: true },
  ];
  summary.addHeading(`${verb} (${report.deleted.length})`, 3);
  if (report.deleted.length > 0) summary.addTable([header, ...report.deleted.map(row)]);
  summary.addHeading(`Kept (${report.kept.length})`, 3);
  if (report.kept.length > 0) summary.addTable([header, ...report.kept.slice(0, SUMMARY_KEPT_ROWS).map(row)]);
  if (report.kept.length > SUMMARY_KEPT_ROWS) {
    summary.addRaw(`…and ${report.kept.length - SUMMARY_KEPT_ROWS} more in the 'kept' output.`, true);
  }
  const revisions = report.taskDefinitions.reduce((sum, retirement) => sum + retirement.deregistered.length, 0);
  const removed = report.taskDefinitions.reduce((sum, retirement) => sum + retirement.deleted.length, 0);
  const selection = report.selection;
  summary.addList([
    `task definitions: ${plan.dryRun ? "would deregister" : "deregistered"} ${revisions} revision(s) of ${count(report.taskDefinitions.length, "family", "families")}` +
      (plan.deleteTaskDefinitions ? `, ${plan.dryRun ? "would delete" : "deleted"} ${removed}` : ""),
    `untouched: ${selection.unmanaged} unmanaged, ${selection.otherRepository} of other repositories` +
      (plan.mode.kind === "route" ? `, ${selection.otherRoutes} of other routes` : "") +
      (selection.alreadyDeleting > 0 ? `, ${selection.alreadyDeleting} already draining` : ""),
    ...(report.tornDown.length > 0
      ? [`pull request comment and deployments ${plan.dryRun ? "would be marked" : "marked"} torn down: ${report.tornDown.join(", ")}`]
      : []),
  ]);
  await summary.write();
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
