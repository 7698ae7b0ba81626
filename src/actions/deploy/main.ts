import * as core from "@actions/core";
import { ConfigurationError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { readDeployInputs, type DeployInputs } from "../../config/deploy-inputs.js";
import type { Inputs } from "../../config/inputs.js";
import { createEcsClient } from "../../ecs/client.js";
import { executeRoute, prepareRoute, type DeployRouteOptions, type DeployRouteResult } from "../../ecs/deploy.js";
import type { RouteKind } from "../../ecs/tags.js";
import { routeFromEvent, type WorkflowEvent } from "../../github/event.js";
import type { Route } from "../../routing/route.js";
import { mergeBaggage, routingHeaders } from "../../routing/signal.js";
import { deploySummary } from "./summary.js";

export interface DeployContext {
  kind: RouteKind;
  event: WorkflowEvent;
  route: Route;
  inputs: DeployInputs;
  /** When the deploy started: created-at and expires-at are counted from it. */
  startedAt: Date;
}

/**
 * Events whose GITHUB_REF is the branch under test. Others (schedule, issue_comment, workflow_run,
 * repository_dispatch) carry the default branch there, so a route taken from it would be the
 * default branch's, not the code the step deploys. No event name at all is a local run.
 */
const BRANCH_EVENTS = new Set(["push", "workflow_dispatch", ""]);

/** The route of `event` when no route input is given: `pr-<n>`, or the pushed or dispatched branch. */
function eventRoute(event: WorkflowEvent): Route {
  if (event.pullRequest === undefined && !BRANCH_EVENTS.has(event.name)) {
    throw new ConfigurationError(
      `an '${event.name}' event names no pull request or branch under test; set the route input (e.g. route: pr-123)`,
      "route",
    );
  }
  return routeFromEvent(event);
}

/** Reads the inputs once and takes the route from them or from the event. */
export function readDeployContext(kind: RouteKind, inputs: Inputs, event: WorkflowEvent): DeployContext {
  const deployInputs = readDeployInputs(inputs, kind);
  return { kind, event, route: deployInputs.route ?? eventRoute(event), inputs: deployInputs, startedAt: new Date() };
}

export function expiresAt(context: DeployContext): Date | undefined {
  return context.inputs.ttlMs === undefined ? undefined : new Date(context.startedAt.getTime() + context.inputs.ttlMs);
}

/** The library call the inputs describe. */
export function deployOptions(context: DeployContext, logger: Logger): DeployRouteOptions {
  const { event, inputs } = context;
  return {
    client: createEcsClient(),
    cluster: inputs.cluster,
    route: context.route,
    kind: context.kind,
    services: inputs.services,
    routing: inputs.routing,
    desiredCount: inputs.desiredCount,
    wait: inputs.wait,
    timeoutMs: inputs.timeoutMs,
    maxConcurrency: inputs.maxConcurrency,
    tags: {
      repository: event.repository,
      commit: event.sha,
      pullRequest: context.kind === "ephemeral" ? event.pullRequest?.number : undefined,
      expiresAt: expiresAt(context),
      userTags: inputs.userTags,
    },
    logger,
    now: () => context.startedAt,
  };
}

/** One line naming every failed copy and why, for the step's error. */
export function failureLine(result: DeployRouteResult): string {
  const failed = result.services.filter((service) => service.status === "failed");
  return `route ${result.route}: ${failed.map((service) => `${service.routeService} failed: ${service.reason ?? "unknown reason"}`).join(" | ")}`;
}

/** The outputs of both deploy actions (action.yml documents them) and the job summary. */
export async function report(result: DeployRouteResult, inputs: DeployInputs): Promise<void> {
  core.setOutput("route", result.route);
  core.setOutput("headers", JSON.stringify(routingHeaders(result.route, inputs.routing.signal)));
  core.setOutput("baggage", mergeBaggage(result.route, inputs.routing.signal));
  core.setOutput(
    "services",
    JSON.stringify(
      result.services.map((service) => ({
        baseService: service.baseService,
        routeService: service.routeService,
        serviceArn: service.serviceArn ?? null,
        taskDefinitionArn: service.taskDefinitionArn ?? null,
        status: service.status,
      })),
    ),
  );
  core.setOutput("task-definition-arns", JSON.stringify(result.services.flatMap((service) => service.taskDefinitionArn ?? [])));
  await core.summary.addRaw(deploySummary(result, inputs.routing.signal)).write();
}

/** Validates, deploys, reports; a failed rollout fails the step after outputs and summary are written. */
export async function deploy(context: DeployContext, logger: Logger): Promise<void> {
  const prepared = await prepareRoute(deployOptions(context, logger));
  const result = await executeRoute(prepared);
  await report(result, context.inputs);
  if (result.failed) throw new Error(failureLine(result));
}
