// What deploy-shadow and deploy-ephemeral share around the deploy itself: the library call their
// settings describe, and writing its outputs and summary.
import * as core from "@actions/core";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import type { DeployInputs } from "../../config/deploy-inputs.js";
import type { DeployRouteResult } from "../../deploy/apply.js";
import type { DeployRoute } from "../../deploy/event-route.js";
import type { DeployRouteOptions } from "../../deploy/options.js";
import { planRoute, type RoutePlan } from "../../deploy/plan.js";
import type { RouteRead } from "../../deploy/read.js";
import { onReapHook } from "../../hooks/on-reap.js";
import { HookFailure, runHook, workspaceHookOptions } from "../../hooks/run-hook.js";
import { deployOutputs, deploySummary } from "../../deploy/report.js";
import { createEcsClient } from "../../ecs/client.js";
import { clusterName } from "../../ecs/names.js";
import { createTaggingClient } from "../../ecs/tagged-revisions.js";
import type { RouteKind } from "../../ecs/tags.js";
import type { WorkflowEvent } from "../../github/event.js";
import { pruneRoute, type PruneReport } from "../../reap/prune.js";
import type { RemovedRoute } from "../../reap/reap.js";
import { writeOutputs } from "./action.js";

/** One deploy step: its settings, the event and route it is for, and when it started. */
export interface DeployRun extends DeployRoute {
  kind: RouteKind;
  event: WorkflowEvent;
  settings: DeployInputs;
  /** created-at and expires-at are counted from it. */
  startedAt: Date;
}

export function expiresAt(run: DeployRun): Date | undefined {
  return run.settings.ttlMs === undefined ? undefined : new Date(run.startedAt.getTime() + run.settings.ttlMs);
}

/** The library call the settings describe. */
export function deployOptions(run: DeployRun, logger: Logger): DeployRouteOptions {
  const { event, settings } = run;
  return {
    client: createEcsClient(),
    cluster: settings.cluster,
    route: run.route,
    kind: run.kind,
    services: settings.services,
    routing: settings.routing,
    desiredCount: settings.desiredCount,
    wait: settings.wait,
    timeoutMs: settings.timeoutMs,
    maxConcurrency: settings.maxConcurrency,
    routeInput: run.routeInput,
    tags: {
      repository: event.repository,
      repositoryId: event.repositoryId,
      cluster: clusterName(settings.cluster),
      sharedRoute: run.shared,
      commit: event.sha,
      pullRequest: pullRequestNumber(run),
      expiresAt: expiresAt(run),
      userTags: settings.userTags,
    },
    branch: event.branch,
    logger,
    now: () => run.startedAt,
  };
}

function pullRequestNumber(run: DeployRun): number | undefined {
  return run.kind === "ephemeral" ? run.event.pullRequest?.number : undefined;
}

/**
 * Runs on-deploy, when given, once the route is planned (every input and the cluster checked) and
 * before anything is created or updated; returns the plan again with what it wrote to
 * $ROUTE_ENV_FILE on every copy (docs/design.md §3.2). A failing hook is a HookFailure.
 */
export async function runOnDeploy(run: DeployRun, options: DeployRouteOptions, read: RouteRead, plan: RoutePlan, logger: Logger): Promise<RoutePlan> {
  const script = run.settings.onDeploy;
  if (script === undefined) return plan;
  const outcome = await runHook(
    script,
    {
      hook: "on-deploy",
      route: run.route,
      signal: run.settings.routing.signal,
      repository: run.event.repository,
      cluster: run.settings.cluster,
      pullRequest: pullRequestNumber(run),
      services: plan.services.map((service) => service.spec.service),
    },
    workspaceHookOptions(process.env, logger),
  );
  if (outcome.exitCode !== 0) {
    throw new HookFailure("on-deploy", outcome.exitCode, outcome.tail, "nothing was created or changed in ECS; fix the hook (it must be idempotent) and run again");
  }
  const names = Object.keys(outcome.overrides);
  // Names only: a value may be a connection string the log should not keep.
  if (names.length > 0) logger.info(`on-deploy: set on every copy: ${names.join(", ")}`);
  return planRoute({ ...options, environment: outcome.overrides }, read, run.startedAt);
}

/**
 * The on-reap hook of a deploy that removes copies (its prune, or the teardown of a route closed
 * under it), as the reaper's `onRouteRemoved` dependency; none without the input.
 */
export function onRouteRemoved(run: DeployRun, logger: Logger): { onRouteRemoved?: (route: RemovedRoute) => Promise<void> } {
  const script = run.settings.onReap;
  if (script === undefined) return {};
  const context = { signal: run.settings.routing.signal, repository: run.event.repository, cluster: run.settings.cluster };
  return { onRouteRemoved: onReapHook(script, context, workspaceHookOptions(process.env, logger)) };
}

/**
 * With `prune` on, after a deploy whose copies all came up: removes the route's other copies of this
 * repository through the reaper's path (docs/design.md §3.5). A failed deploy prunes nothing, so it
 * changes no more than it must; the next deploy prunes. on-reap runs for the copies removed; if it
 * fails, the report's `pending` says so and the caller fails the step once the deploy is reported.
 */
export async function runPrune(run: DeployRun, options: DeployRouteOptions, result: DeployRouteResult, logger: Logger): Promise<PruneReport | undefined> {
  if (!run.settings.prune) return undefined;
  if (result.failed) {
    logger.info("prune: skipped, the deploy failed; the next deploy that succeeds removes the route's other copies");
    return undefined;
  }
  try {
    return await pruneRoute(
      {
        cluster: run.settings.cluster,
        repository: { name: run.event.repository, id: run.event.repositoryId },
        owner: run.event.owner,
        repo: run.event.repo,
        route: run.route,
        pullRequest: pullRequestNumber(run),
        keep: result.services.map((service) => service.routeService),
        maxConcurrency: run.settings.maxConcurrency,
        now: run.startedAt,
      },
      { ecs: options.client, tagging: createTaggingClient(result.region), ...onRouteRemoved(run, logger), logger },
    );
  } catch (error) {
    // The copies are deployed: a prune that could not run (a missing permission, say) must not undo
    // that or leave the comment unfinished. The next deploy tries again.
    const why = errorMessage(error).split("\n")[0] ?? "failed";
    logger.warning(`prune: could not remove the route's other copies (${why}); the next deploy tries again`);
    return { removed: [], left: [], failedFamilies: 0, error: why };
  }
}

/** The step's outputs and job summary. */
export async function reportDeploy(result: DeployRouteResult, settings: DeployInputs, now: Date, pruned?: PruneReport): Promise<void> {
  writeOutputs(deployOutputs(result, settings.routing.signal));
  const summarySettings = { signal: settings.routing.signal, prices: settings.prices, environmentUrl: settings.pullRequest?.environmentUrl };
  await core.summary.addRaw(deploySummary(result, summarySettings, now, pruned)).write();
}
