import * as core from "@actions/core";
import { ConfigurationError } from "../../common/errors.js";
import { inertText } from "../../common/inert-text.js";
import type { Logger } from "../../common/logger.js";
import { INPUT, OUTPUT } from "../../config/action-io.js";
import { Inputs } from "../../config/inputs.js";
import { readReapInputs } from "../../config/reap-inputs.js";
import { readCopiesUsage } from "../../cost/read.js";
import { clusterCostSection } from "../../cost/render.js";
import { usageByRoute, usageOf, type CopyUsage, type Prices } from "../../cost/usage.js";
import { checkAwsConfiguration, createEcsClient } from "../../ecs/client.js";
import { createTaggingClient } from "../../ecs/tagged-revisions.js";
import { createGitHubClient } from "../../github/client.js";
import { readWorkflowEvent } from "../../github/event.js";
import { tearDownRoute } from "../../github/pull-request-experience.js";
import { onReapHook } from "../../hooks/on-reap.js";
import { workspaceHookOptions } from "../../hooks/run-hook.js";
import { reapMode } from "../../reap/mode.js";
import { reap, type ReapPlan, type ReapReport, type TearDown } from "../../reap/reap.js";
import type { Decision } from "../../reap/select.js";
import { writeOutputs } from "../common/action.js";

/** Rows of kept services shown in the job summary. */
const SUMMARY_KEPT_ROWS = 200;
/** Entries of the `kept` output (about 100 KB): a cluster of thousands of copies must stay under the runner's output limit. */
export const KEPT_OUTPUT_ENTRIES = 1_000;

/** The reap action: one route (PR closed, or `route`) or a sweep of stale copies (schedule, `sweep`). */
export async function reapAction(logger: Logger, inputs = new Inputs(), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const event = readWorkflowEvent(env);
  const settings = readReapInputs(inputs);
  const mode = reapMode(event, settings);
  if (mode.kind === "route" && settings.maxAgeMs !== undefined) logger.warning("max-age applies to a sweep only; reaping one route ignores it");
  const plan: ReapPlan = {
    cluster: settings.cluster,
    repository: { name: event.repository, id: event.repositoryId },
    owner: event.owner,
    repo: event.repo,
    mode,
    includeShadow: settings.includeShadow,
    dryRun: settings.dryRun,
    maxDeletions: settings.maxDeletions,
    deleteTaskDefinitions: settings.deleteTaskDefinitions,
    maxConcurrency: settings.maxConcurrency,
    now: new Date(),
  };
  const token = settings.githubToken;
  if (token !== undefined) core.setSecret(token);

  const ecs = createEcsClient();
  const { region } = await checkAwsConfiguration(ecs);
  const tagging = createTaggingClient(region);
  const github = token === undefined ? undefined : createGitHubClient(token);
  const serverUrl = env.GITHUB_SERVER_URL ?? "https://github.com";
  const logUrl = env.GITHUB_RUN_ID === undefined ? undefined : `${serverUrl}/${event.repository}/actions/runs/${env.GITHUB_RUN_ID}`;
  const tearDown: TearDown | undefined =
    github === undefined
      ? undefined
      : ({ route, pullRequest, removed, reason }) =>
          tearDownRoute({ octokit: github, owner: event.owner, repo: event.repo, pullRequest, route, logUrl, logger, removed, reason });

  // The reaper calls it for no route in a dry run: dry-run runs no hook.
  const onRouteRemoved =
    settings.onReap === undefined
      ? undefined
      : onReapHook(
          settings.onReap,
          { signal: settings.signal, repository: event.repository, cluster: settings.cluster },
          workspaceHookOptions(env, logger),
        );

  if (plan.dryRun) logger.info("dry-run: nothing will be deleted, deregistered, stopped or changed on GitHub, and no hook runs");
  const report = await reap(plan, { ecs, tagging, github, tearDown, logger, ...(onRouteRemoved !== undefined ? { onRouteRemoved } : {}) });

  writeOutputs({
    [OUTPUT.deleted]: JSON.stringify(report.deleted.map((decision) => outputEntry(decision, plan.dryRun))),
    [OUTPUT.kept]: JSON.stringify(report.kept.slice(0, KEPT_OUTPUT_ENTRIES).map((decision) => outputEntry(decision, false))),
  });
  // The sweep also says what the copies it leaves cost, by route (one task definition read per base service).
  const costLines =
    mode.kind === "sweep"
      ? costSection(await readCopiesUsage(ecs, report.running, { concurrency: plan.maxConcurrency, now: plan.now, logger }), settings.prices, plan.now)
      : [];
  await writeSummary(plan, report, costLines);

  if (mode.kind === "route" && report.deleted.length === 0 && report.kept.length === 0) {
    logger.info(`route ${mode.route} has no services in cluster ${plan.cluster}: nothing was deployed, nothing to reap`);
  }
  if (report.pending.length > 0) {
    const routes = report.pending.map(({ route, why }) => `${route} (${why})`).join("; ");
    throw new Error(`route(s) ${routes} could not be torn down completely; run the reap again to retry what is left`);
  }
  if (report.failedDeletions > 0 || report.failedFamilies > 0 || report.testTasks.failed > 0) {
    throw new Error(
      `could not delete ${count(report.failedDeletions, "service", "services")}, retire the task definitions of ${count(report.failedFamilies, "family", "families")} ` +
        `and stop ${count(report.testTasks.failed, "test task", "test tasks")}; see the errors above, then run the reap again`,
    );
  }
  if (report.selection.overMaxDeletions > 0) {
    throw new ConfigurationError(
      `${report.selection.overMaxDeletions} more stale service(s) were kept after ${plan.maxDeletions} deletions; review the 'kept' list, then raise max-deletions or run again`,
      INPUT.maxDeletions,
    );
  }
}

function outputEntry(decision: Decision, dryRun: boolean): Record<string, unknown> {
  return {
    service: decision.service,
    route: decision.route ?? null,
    reason: decision.reason,
    ...(dryRun ? { dryRun: true } : {}),
  };
}

function costSection(copies: readonly CopyUsage[], prices: Prices, now: Date): string[] {
  return clusterCostSection(usageByRoute(copies, now, prices), usageOf(copies, now, prices), prices, now);
}

async function writeSummary(plan: ReapPlan, report: ReapReport, costLines: string[]): Promise<void> {
  const heading = plan.mode.kind === "route" ? `Reap route ${plan.mode.route}` : "Reap sweep";
  const verb = plan.dryRun ? "Would delete" : "Deleted";
  const summary = core.summary.addHeading(`${heading} in cluster ${plan.cluster}${plan.dryRun ? " (dry run)" : ""}`, 2);
  // Names and routes come from the cluster (tag values anyone with ECS access can set): shown as text.
  const row = (decision: Decision): string[] => [inertText(decision.service), decision.route === undefined ? "" : inertText(decision.route), decision.reason];
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
    const inOutput = Math.min(report.kept.length, KEPT_OUTPUT_ENTRIES);
    summary.addRaw(
      `<p>Kept ${report.kept.length} services: ${SUMMARY_KEPT_ROWS} shown here, the first ${inOutput} in the 'kept' output` +
        `${report.kept.length > KEPT_OUTPUT_ENTRIES ? ` (capped at ${KEPT_OUTPUT_ENTRIES})` : ""}.</p>`,
      true,
    );
  }
  const testTaskStops = report.testTasks.stops.filter((stop) => stop.error === undefined);
  summary.addHeading(`${plan.dryRun ? "Would stop" : "Stopped"} leftover test tasks (${testTaskStops.length})`, 3);
  if (testTaskStops.length > 0) {
    summary.addTable([
      [{ data: "test task", header: true }, { data: "route", header: true }, { data: "reason", header: true }],
      ...testTaskStops.map(({ decision }) => [inertText(decision.taskArn.split("/").at(-1) ?? decision.taskArn), inertText(decision.route), decision.reason]),
    ]);
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
    // The why may end with a hook's last output line: shown as text.
    ...report.pending.map(({ route, why }) => `teardown pending (the next reap or sweep retries it): ${inertText(route)}: ${inertText(why)}`),
  ]);
  if (costLines.length > 0) summary.addRaw(costLines.join("\n"), true);
  await summary.write();
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
