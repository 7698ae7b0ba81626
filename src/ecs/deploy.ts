import {
  CreateServiceCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  type ECSClient,
  type Service,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { ConfigurationError, errorMessage, isConfigurationError } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import type { ServiceSpec } from "../config/services.js";
import { routeLabels, type Fallback, type RuleSyntax } from "../routing/labels.js";
import type { Route } from "../routing/route.js";
import type { SignalNames } from "../routing/signal.js";
import { asClusterInputError, checkAwsConfiguration } from "./client.js";
import { ECS_NAME_PATTERN, routeFamily, routeServiceName } from "./names.js";
import { fromEcsTags, refreshedTags, routeTags, toEcsTags, type RouteTagContext } from "./route-tags.js";
import { createServiceClientToken, routeCreateServiceInput, routeUpdateServiceInput } from "./service-definition.js";
import { MANAGED_BY, TAG, TAG_LIMITS, type RouteKind } from "./tags.js";
import { resolvePort, routeTaskDefinition, selectContainer } from "./task-definition.js";
import { DEFAULT_POLL_INTERVAL_MS, describeServices, formatDuration, waitForServices } from "./wait.js";

/** How the copies are routed (DESIGN §2). */
export interface RoutingOptions {
  signal: SignalNames;
  ruleSyntax: RuleSyntax;
  entrypoints: string[];
  priority: number;
  fallbackPriority: number;
  fallback: Fallback;
}

export interface DeployRouteOptions {
  client: ECSClient;
  cluster: string;
  route: Route;
  kind: RouteKind;
  services: ServiceSpec[];
  routing: RoutingOptions;
  /** Tasks per copy; undefined = the base service's desiredCount, at least 1. */
  desiredCount: number | undefined;
  wait: boolean;
  timeoutMs: number;
  /** How many services are registered, created and updated at once. */
  maxConcurrency: number;
  tags: Omit<RouteTagContext, "route" | "kind">;
  logger: Logger;
  now?: () => Date;
  /** The poll interval of the wait (about 2 s); shorter only in tests of the wait itself. */
  pollIntervalMs?: number;
}

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
}

export interface DeployRouteResult {
  route: Route;
  cluster: string;
  region: string;
  services: RouteServiceResult[];
  failed: boolean;
}

/** Everything decided before the first mutating call: one per base service. */
export interface ServicePlan {
  spec: ServiceSpec;
  base: Service;
  routeService: string;
  existing: Service | undefined;
  image: string;
  taskDefinition: ReturnType<typeof routeTaskDefinition>;
  desiredCount: number;
  tags: Record<string, string>;
}

function serviceInput(spec: ServiceSpec): string {
  return spec.input === "services" ? "services" : "service";
}

/** describeServices, with an unknown cluster reported as the `cluster` input's mistake. */
async function describeInCluster(client: ECSClient, cluster: string, names: string[], includeTags: boolean): Promise<Map<string, Service>> {
  try {
    return await describeServices(client, cluster, names, { includeTags });
  } catch (error) {
    throw asClusterInputError(error, cluster);
  }
}

/** Reads the base services and their task definitions; fails on the first thing missing. */
async function readBases(options: DeployRouteOptions): Promise<{ spec: ServiceSpec; base: Service; taskDefinition: TaskDefinition }[]> {
  const names = options.services.map((spec) => spec.service);
  const bases = await describeInCluster(options.client, options.cluster, names, true);
  for (const spec of options.services) {
    const base = bases.get(spec.service);
    if (base === undefined || base.status !== "ACTIVE") {
      const state = base === undefined ? "does not exist" : `is ${base.status}`;
      throw new ConfigurationError(
        `base service '${spec.service}' ${state} in cluster '${options.cluster}'; name an ACTIVE ECS service to copy`,
        serviceInput(spec),
      );
    }
  }
  const limit = pLimit(options.maxConcurrency);
  return Promise.all(
    options.services.map((spec) =>
      limit(async () => {
        const base = bases.get(spec.service) as Service;
        const answer = await options.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: base.taskDefinition, include: ["TAGS"] }));
        if (answer.taskDefinition === undefined) {
          throw new ConfigurationError(`base service '${spec.service}' runs task definition ${base.taskDefinition}, which cannot be read`, serviceInput(spec));
        }
        return { spec, base, taskDefinition: answer.taskDefinition };
      }),
    ),
  );
}

/** Pure: the plan for one service, or the ConfigurationError naming what is wrong. */
function planService(
  options: DeployRouteOptions,
  read: { spec: ServiceSpec; base: Service; taskDefinition: TaskDefinition },
  existing: Service | undefined,
  now: Date,
): ServicePlan {
  const { spec, base, taskDefinition } = read;
  const routeService = routeServiceName(spec.service, options.route);
  // Tags are the only proof of ownership; an ACTIVE copy's are read once for every check below.
  const activeTags = existing?.status === "ACTIVE" ? fromEcsTags(existing.tags) : undefined;
  if (activeTags !== undefined && activeTags[TAG.managedBy] !== MANAGED_BY) {
    // Never take over a service someone else made.
    throw new ConfigurationError(
      `service '${routeService}' already exists in cluster '${options.cluster}' without the tag ${TAG.managedBy}=${MANAGED_BY}, so it is not a copy this action made; rename it or choose another route`,
      "route",
    );
  }
  const owner = activeTags?.[TAG.repository];
  if (owner !== undefined && owner !== options.tags.repository) {
    // One cluster serves many repositories: pull request #5 of one must not update #5 of another.
    throw new ConfigurationError(
      `service '${routeService}' is ${owner}'s copy of '${spec.service}' for route ${options.route}, not ${options.tags.repository}'s; set route to a name only this repository uses (e.g. a prefix of its name before pr-<number>)`,
      "route",
    );
  }
  const tags = routeTags({ ...options.tags, route: options.route, kind: options.kind }, spec.service, now);
  if (activeTags !== undefined) checkTagsFit(routeService, activeTags, tags);
  const family = routeFamily(taskDefinition.family ?? "", options.route);
  for (const name of [routeService, family]) {
    if (!ECS_NAME_PATTERN.test(name)) {
      throw new ConfigurationError(`'${name}' would be longer than ECS's 255 characters; use a shorter route`, "route");
    }
  }
  const container = selectContainer(taskDefinition, spec.container, spec.input);
  const port = resolvePort(container, spec.port, spec.input);
  const labels = labelsFor(options, spec, container.dockerLabels ?? {}, port);
  const routed = routeTaskDefinition(taskDefinition, { route: options.route, container: container.name as string, image: spec.image, labels, tags });
  return {
    spec,
    base,
    routeService,
    existing: existing !== undefined && existing.status !== "INACTIVE" ? existing : undefined,
    image: spec.image ?? container.image ?? "",
    taskDefinition: routed,
    desiredCount: options.desiredCount ?? Math.max(1, base.desiredCount ?? 1),
    tags,
  };
}

/**
 * TagResource adds to a copy's tags and removes none, so tags an earlier run gave (a user tag since
 * dropped from the input) stay: the union must fit ECS's limit, or the update would stop half-way.
 */
function checkTagsFit(routeService: string, existingTags: Record<string, string>, tags: Record<string, string>): void {
  const current = Object.keys(existingTags).filter((key) => !key.startsWith("aws:"));
  const merged = new Set([...current, ...Object.keys(refreshedTags(tags))]);
  if (merged.size > TAG_LIMITS.perResource) {
    throw new ConfigurationError(
      `${routeService} already has ${current.length} tags; with these it would have ${merged.size}, over ECS's limit of ${TAG_LIMITS.perResource}; untag the copy (aws ecs untag-resource) or give fewer tags`,
      "tags",
    );
  }
}

function labelsFor(options: DeployRouteOptions, spec: ServiceSpec, baseLabels: Record<string, string>, port: number): Record<string, string> {
  try {
    return routeLabels({
      baseService: spec.service,
      route: options.route,
      baseLabels,
      ...(spec.match !== undefined ? { match: spec.match } : {}),
      port,
      protocol: spec.protocol,
      ruleSyntax: options.routing.ruleSyntax,
      entrypoints: options.routing.entrypoints,
      priority: options.routing.priority,
      fallbackPriority: options.routing.fallbackPriority,
      fallback: options.routing.fallback,
      signal: options.routing.signal,
    });
  } catch (error) {
    // A match read from the base's labels, or given in a services item, is named by that input.
    if (isConfigurationError(error) && error.input === "match" && spec.input === "services") {
      throw new ConfigurationError(`${spec.service}: ${errorMessage(error).replace(/^Input 'match': /, "")}`, "services");
    }
    throw error;
  }
}

/**
 * Reads and validates everything — base services, task definitions, containers, ports, match,
 * tags — before anything is created, so a mistake leaves nothing half-made.
 */
async function planRoute(options: DeployRouteOptions, now: Date): Promise<ServicePlan[]> {
  const reads = await readBases(options);
  const routeNames = options.services.map((spec) => routeServiceName(spec.service, options.route));
  const existing = await describeInCluster(options.client, options.cluster, routeNames, true);
  return reads.map((read) => planService(options, read, existing.get(routeServiceName(read.spec.service, options.route)), now));
}

/** A DRAINING service keeps its name until its tasks stop; waits (bounded) until it is INACTIVE or gone. */
async function awaitDrained(options: DeployRouteOptions, name: string, deadline: number): Promise<void> {
  const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  options.logger.info(`${name}: an earlier copy is DRAINING; waiting until it is gone before creating the new one`);
  for (;;) {
    const found = await describeInCluster(options.client, options.cluster, [name], false);
    const status = found.get(name)?.status;
    if (status === undefined || status === "INACTIVE") return;
    if (status === "ACTIVE") {
      throw new Error(`${name} became ACTIVE again while waiting for it to drain; another deploy of this route is running`);
    }
    if (Date.now() + interval > deadline) {
      throw new Error(`${name} was still DRAINING after ${formatDuration(options.timeoutMs)}; retry when it is gone`);
    }
    await sleep(interval);
  }
}

/** Registers the copy's task definition and creates or updates its service. */
async function applyPlan(
  options: DeployRouteOptions,
  plan: ServicePlan,
  deadline: number,
): Promise<{ serviceArn: string | undefined; taskDefinitionArn: string; change: "created" | "updated" | "replaced" }> {
  const registered = await options.client.send(new RegisterTaskDefinitionCommand(plan.taskDefinition.input));
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn;
  if (taskDefinitionArn === undefined) throw new Error(`RegisterTaskDefinition for ${plan.routeService} returned no ARN`);
  const serviceOptions = {
    cluster: options.cluster,
    serviceName: plan.routeService,
    taskDefinitionArn,
    desiredCount: plan.desiredCount,
  };
  if (plan.existing?.status === "ACTIVE") {
    const updated = await options.client.send(new UpdateServiceCommand(routeUpdateServiceInput(plan.base, serviceOptions)));
    const serviceArn = updated.service?.serviceArn ?? plan.existing.serviceArn;
    await options.client.send(new TagResourceCommand({ resourceArn: serviceArn, tags: toEcsTags(refreshedTags(plan.tags)) }));
    options.logger.info(`${plan.routeService}: updated to ${taskDefinitionArn}`);
    return { serviceArn, taskDefinitionArn, change: "updated" };
  }
  const draining = plan.existing?.status === "DRAINING";
  if (draining) await awaitDrained(options, plan.routeService, deadline);
  const clientToken = createServiceClientToken(options.route, options.tags.commit, plan.routeService, taskDefinitionArn);
  const created = await options.client.send(new CreateServiceCommand(routeCreateServiceInput(plan.base, { ...serviceOptions, tags: plan.tags, clientToken })));
  options.logger.info(`${plan.routeService}: created on ${taskDefinitionArn}`);
  return { serviceArn: created.service?.serviceArn, taskDefinitionArn, change: draining ? "replaced" : "created" };
}

/** A route whose every input was read and checked, ready to deploy; nothing has been changed yet. */
export interface PreparedRoute {
  readonly options: DeployRouteOptions;
  readonly region: string;
  /** The copies this deploy will make or update. */
  readonly services: readonly { baseService: string; routeService: string; image: string }[];
  readonly plans: readonly ServicePlan[];
}

/**
 * Step one of a deploy (DESIGN §3.1): resolves region and credentials, reads the base services,
 * their task definitions and any existing copies, and validates everything. Only reads: a
 * configuration mistake throws a ConfigurationError here and leaves nothing half-made.
 */
export async function prepareRoute(options: DeployRouteOptions): Promise<PreparedRoute> {
  const { region } = await checkAwsConfiguration(options.client);
  const plans = await planRoute(options, options.now?.() ?? new Date());
  return {
    options,
    region,
    plans,
    services: plans.map((plan) => ({ baseService: plan.spec.service, routeService: plan.routeService, image: plan.image })),
  };
}

/**
 * Step two (DESIGN §3.2–§3.6): registers, creates or updates up to `maxConcurrency` services at
 * once, then waits for all of them with one poller. A failed rollout is reported in the result
 * (with its reasons), not thrown.
 */
export async function executeRoute(prepared: PreparedRoute): Promise<DeployRouteResult> {
  const { options, plans, region } = prepared;
  for (const plan of plans) {
    for (const warning of plan.taskDefinition.warnings) options.logger.warning(warning);
    if (plan.spec.image === undefined) {
      options.logger.info(`${plan.routeService}: no image given; the copy runs the base image ${plan.image}`);
    }
  }
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  const limit = pLimit(options.maxConcurrency);
  const applied = await Promise.all(
    plans.map((plan) =>
      limit(() =>
        applyPlan(options, plan, deadline).then(
          (value) => ({ plan, value, error: undefined }),
          (error: unknown) => ({ plan, value: undefined, error: errorMessage(error).split("\n")[0] ?? "failed" }),
        ),
      ),
    ),
  );

  const targets = applied.flatMap((entry) =>
    entry.value === undefined ? [] : [{ serviceName: entry.plan.routeService, taskDefinitionArn: entry.value.taskDefinitionArn }],
  );
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

  const services = applied.map(({ plan, value, error }): RouteServiceResult => {
    const outcome = outcomes?.get(plan.routeService);
    const status: RouteServiceStatus = error !== undefined || (outcome !== undefined && outcome.status !== "stable") ? "failed" : outcome === undefined ? "deployed" : "running";
    return {
      baseService: plan.spec.service,
      routeService: plan.routeService,
      image: plan.image,
      serviceArn: value?.serviceArn,
      taskDefinitionArn: value?.taskDefinitionArn,
      status,
      change: value?.change,
      timeToStableMs: outcome?.status === "stable" ? outcome.at - startedAt : undefined,
      reason: error ?? outcome?.reason,
    };
  });
  return { route: options.route, cluster: options.cluster, region, services, failed: services.some((service) => service.status === "failed") };
}

/** Deploys route R's copy of every listed base service: prepareRoute, then executeRoute. */
export async function deployRoute(options: DeployRouteOptions): Promise<DeployRouteResult> {
  return executeRoute(await prepareRoute(options));
}
