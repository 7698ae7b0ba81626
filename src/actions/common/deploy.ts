// What deploy-shadow and deploy-ephemeral share around the deploy itself: the library call their
// settings describe, and writing its outputs and summary.
import * as core from "@actions/core";
import type { Logger } from "../../common/logger.js";
import type { DeployInputs } from "../../config/deploy-inputs.js";
import type { DeployRouteResult } from "../../deploy/apply.js";
import type { DeployRouteOptions } from "../../deploy/options.js";
import { deployOutputs, deploySummary } from "../../deploy/report.js";
import { createEcsClient } from "../../ecs/client.js";
import type { RouteKind } from "../../ecs/tags.js";
import type { WorkflowEvent } from "../../github/event.js";
import type { Route } from "../../routing/route.js";
import { writeOutputs } from "./action.js";

/** One deploy step: its settings, the event and route it is for, and when it started. */
export interface DeployRun {
  kind: RouteKind;
  event: WorkflowEvent;
  route: Route;
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
    tags: {
      repository: event.repository,
      commit: event.sha,
      pullRequest: run.kind === "ephemeral" ? event.pullRequest?.number : undefined,
      expiresAt: expiresAt(run),
      userTags: settings.userTags,
    },
    logger,
    now: () => run.startedAt,
  };
}

/** The step's outputs and job summary. */
export async function reportDeploy(result: DeployRouteResult, settings: DeployInputs): Promise<void> {
  writeOutputs(deployOutputs(result, settings.routing.signal));
  await core.summary.addRaw(deploySummary(result, settings.routing.signal)).write();
}
