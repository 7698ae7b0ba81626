// Step three of a deploy (docs/design.md §3.2–§3.6): carries out a plan. Registers each copy's task
// definition, creates, updates or replaces its service and refreshes its tags, up to
// `maxConcurrency` at once, then waits for all of them with one poller. A failed copy is reported
// in the result with its reasons, not thrown.
import { CreateServiceCommand, RegisterTaskDefinitionCommand, TagResourceCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { formatDuration } from "../common/duration.js";
import { errorMessage } from "../common/errors.js";
import { inGroup } from "../common/logger.js";
import { describeServices } from "../ecs/describe.js";
import { refreshedTags, toEcsTags } from "../ecs/route-tags.js";
import { taskSize, type CopyUsage } from "../cost/usage.js";
import { createServiceClientToken, routeCreateServiceInput, routeUpdateServiceInput } from "../ecs/service-definition.js";
import type { Route } from "../routing/route.js";
import type { DeployRouteOptions } from "./options.js";
import type { RoutePlan, ServicePlan } from "./plan.js";
import { completedRolloutMs, DEFAULT_POLL_INTERVAL_MS, waitForServices, type WaitTarget } from "./wait.js";

export type RouteServiceStatus = "running" | "failed" | "deployed";

export interface RouteServiceResult {
  baseService: string;
  routeService: string;
  /** The image the routed container runs. */
  image: string;
  serviceArn: string | undefined;
  taskDefinitionArn: string | undefined;
  /** running: stable; deployed: not awaited (`wait: false`); failed: see reason. */
  status: RouteServiceStatus;
  /** created, updated in place, or created after a DRAINING one of the same name was gone. */
  change: "created" | "updated" | "replaced" | undefined;
  /** From the deploy call to stable, in ms. */
  timeToStableMs: number | undefined;
  reason: string | undefined;
  /** What the copy runs (its tasks, their size, since when); undefined when it was not created or updated. */
  usage: CopyUsage | undefined;
}

export interface DeployRouteResult {
  route: Route;
  cluster: string;
  region: string;
  services: RouteServiceResult[];
  failed: boolean;
}

const CHANGE_DONE = { create: "created", update: "updated", replace: "replaced" } as const;
const PLANNED = { create: "create", update: "update in place", replace: "replace the DRAINING copy" } as const;

/** Carries out `plan` in `region`; see the file comment. */
export async function applyRoute(options: DeployRouteOptions, plan: RoutePlan, region: string): Promise<DeployRouteResult> {
  const { logger } = options;
  // What was decided for each copy, one foldable group each; then the rollout of all of them at once.
  for (const service of plan.services) {
    logger.startGroup(`${service.routeService}: ${PLANNED[service.change]}`);
    logger.info(`task definition family ${service.taskDefinition.input.family}, image ${service.image}, ${service.desiredCount} task(s)`);
    for (const warning of service.taskDefinition.warnings) logger.warning(warning);
    if (service.spec.image === undefined) {
      logger.info(`${service.routeService}: no image given; the copy runs the base image ${service.image}`);
    }
    logger.endGroup();
  }
  return inGroup(logger, `Rollout of ${plan.services.length} copy(ies)`, () => rollOut(options, plan, region));
}

async function rollOut(options: DeployRouteOptions, plan: RoutePlan, region: string): Promise<DeployRouteResult> {
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  const limit = pLimit(options.maxConcurrency);
  const applied = await Promise.all(
    plan.services.map((service) =>
      limit(() =>
        applyService(options, service, deadline).then(
          (value) => ({ service, value, error: undefined }),
          (error: unknown) => ({ service, value: undefined, error: errorMessage(error).split("\n")[0] ?? "failed" }),
        ),
      ),
    ),
  );

  const targets = applied.flatMap(({ service, value }): WaitTarget[] => {
    if (value === undefined) return [];
    const expectedMs = completedRolloutMs(service.existing) ?? completedRolloutMs(service.base);
    return [{ serviceName: service.routeService, taskDefinitionArn: value.taskDefinitionArn, ...(expectedMs !== undefined ? { expectedEnd: value.appliedAt + expectedMs } : {}) }];
  });
  const outcomes =
    options.wait && targets.length > 0
      ? await waitForServices(targets, {
          client: options.client,
          cluster: options.cluster,
          timeoutMs: options.timeoutMs,
          startedAt,
          logger: options.logger,
          ...(options.pollIntervalMs !== undefined ? { intervalMs: options.pollIntervalMs } : {}),
        })
      : undefined;

  const services = applied.map(({ service, value, error }): RouteServiceResult => {
    const outcome = outcomes?.get(service.routeService);
    const status: RouteServiceStatus =
      error !== undefined || (outcome !== undefined && outcome.status !== "stable") ? "failed" : outcome === undefined ? "deployed" : "running";
    return {
      baseService: service.spec.service,
      routeService: service.routeService,
      image: service.image,
      serviceArn: value?.serviceArn,
      taskDefinitionArn: value?.taskDefinitionArn,
      status,
      change: value === undefined ? undefined : CHANGE_DONE[service.change],
      timeToStableMs: outcome?.status === "stable" ? outcome.at - startedAt : undefined,
      reason: error ?? outcome?.reason,
      usage: value === undefined ? undefined : copyUsage(options, service, new Date(startedAt)),
    };
  });
  return { route: options.route, cluster: options.cluster, region, services, failed: services.some((service) => service.status === "failed") };
}

/** The copy's tasks and their size, running since it was created (an updated copy keeps its age). */
function copyUsage(options: DeployRouteOptions, plan: ServicePlan, startedAt: Date): CopyUsage {
  return {
    route: options.route,
    service: plan.routeService,
    tasks: plan.desiredCount,
    ...taskSize(plan.taskDefinition.input),
    createdAt: (plan.change === "update" ? plan.existing?.createdAt : undefined) ?? options.now?.() ?? startedAt,
  };
}

/** Registers the copy's task definition and creates, updates or replaces its service. */
async function applyService(
  options: DeployRouteOptions,
  plan: ServicePlan,
  deadline: number,
): Promise<{ serviceArn: string | undefined; taskDefinitionArn: string; appliedAt: number }> {
  const registered = await options.client.send(new RegisterTaskDefinitionCommand(plan.taskDefinition.input));
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn;
  if (taskDefinitionArn === undefined) throw new Error(`RegisterTaskDefinition for ${plan.routeService} returned no ARN`);
  const serviceOptions = {
    cluster: options.cluster,
    serviceName: plan.routeService,
    taskDefinitionArn,
    desiredCount: plan.desiredCount,
  };
  if (plan.change === "update") {
    // Tags first: a copy must never run new code under the old commit and expires-at. If the update
    // then fails, the old code only lives longer, until the next run or sweep.
    const serviceArn = plan.existing?.serviceArn;
    await options.client.send(new TagResourceCommand({ resourceArn: serviceArn, tags: toEcsTags(refreshedTags(plan.tags)) }));
    const updated = await options.client.send(new UpdateServiceCommand(routeUpdateServiceInput(plan.base, serviceOptions)));
    options.logger.info(`${plan.routeService}: updated to ${taskDefinitionArn}`);
    return { serviceArn: updated.service?.serviceArn ?? serviceArn, taskDefinitionArn, appliedAt: Date.now() };
  }
  if (plan.change === "replace") await awaitDrained(options, plan.routeService, deadline);
  const clientToken = createServiceClientToken(options.route, options.tags.commit, plan.routeService, taskDefinitionArn);
  const created = await options.client.send(new CreateServiceCommand(routeCreateServiceInput(plan.base, { ...serviceOptions, tags: plan.tags, clientToken })));
  options.logger.info(`${plan.routeService}: created on ${taskDefinitionArn}`);
  return { serviceArn: created.service?.serviceArn, taskDefinitionArn, appliedAt: Date.now() };
}

/** A DRAINING service keeps its name until its tasks stop; waits (bounded) until it is INACTIVE or gone. */
async function awaitDrained(options: DeployRouteOptions, name: string, deadline: number): Promise<void> {
  const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  options.logger.info(`${name}: an earlier copy is DRAINING; waiting until it is gone before creating the new one`);
  for (;;) {
    const found = await describeServices(options.client, options.cluster, [name]);
    const status = found.get(name)?.status;
    if (status === undefined || status === "INACTIVE") return;
    if (status === "ACTIVE") {
      throw new Error(`${name} became ACTIVE again while waiting for it to drain; another deploy of this route is running`);
    }
    if (Date.now() + interval > deadline) {
      throw new Error(`${name} was still DRAINING after ${formatDuration(options.timeoutMs, "readable")}; retry when it is gone`);
    }
    await sleep(interval);
  }
}
