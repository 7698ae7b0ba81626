// Step two of a deploy: decides everything from what was read, before anything changes. Pure: the
// same reads, options and clock give the same plan, and every mistake is a ConfigurationError here.
import type { Service } from "@aws-sdk/client-ecs";
import { ConfigurationError, isConfigurationError } from "../common/errors.js";
import { INPUT } from "../config/action-io.js";
import { resolveEnvironment } from "../config/environment-overrides.js";
import type { ServiceSpec } from "../config/services.js";
import { ECS_NAME_PATTERN, routeFamily, routeServiceName } from "../ecs/names.js";
import { ownerOf } from "../ecs/ownership.js";
import { fromEcsTags, refreshedTags, routeTags } from "../ecs/route-tags.js";
import { MANAGED_BY, TAG, TAG_LIMITS } from "../ecs/tags.js";
import {
  resolvePort,
  routeTaskDefinition,
  selectContainer,
  taskDefinitionBytes,
  TASK_DEFINITION_MAX_BYTES,
  type RouteTaskDefinition,
} from "../ecs/task-definition.js";
import { routeLabels } from "../routing/labels.js";
import type { PlanOptions } from "./options.js";
import type { PullRequestState } from "../reap/select.js";
import type { BaseRead, RouteCopy, RouteRead } from "./read.js";

/**
 * What happens to a copy: `create` a new service (none, or an INACTIVE one, has the name),
 * `update` the ACTIVE copy in place, or `replace` a DRAINING one: wait until it is gone, then create.
 */
export type CopyChange = "create" | "update" | "replace";

/** Everything decided for one base service before the first mutating call. */
export interface ServicePlan {
  spec: ServiceSpec;
  base: Service;
  routeService: string;
  change: CopyChange;
  /** The copy ECS has now (ACTIVE or DRAINING); undefined when there is none to update or replace. */
  existing: Service | undefined;
  /** The image the routed container will run. */
  image: string;
  taskDefinition: RouteTaskDefinition;
  desiredCount: number;
  tags: Record<string, string>;
}

/** The whole route's plan: one entry per listed base service, in the order listed. */
export interface RoutePlan {
  services: ServicePlan[];
}

/** An ACTIVE copy of the route service's name, with its tags as a map. */
interface ExistingCopy {
  name: string;
  tags: Record<string, string>;
}

/**
 * The ownership rules (docs/design.md §4): an existing ACTIVE copy is updated only when its tags
 * prove this action and this repository made it. Each rule returns why not, or undefined.
 */
const OWNERSHIP_RULES: readonly ((copy: ExistingCopy, options: PlanOptions, spec: ServiceSpec) => string | undefined)[] = [
  // Never take over a service someone else made.
  (copy, options) =>
    copy.tags[TAG.managedBy] === MANAGED_BY
      ? undefined
      : `service '${copy.name}' already exists in cluster '${options.cluster}' without the tag ${TAG.managedBy}=${MANAGED_BY}, so it is not a copy this action made; rename it or choose another route`,
  // One cluster serves many repositories: pull request #5 of one must not update #5 of another.
  // Known by its id as well as its name: a renamed repository keeps its copies, a new one of the old name gets none.
  (copy, options, spec) => {
    const owner = ownerOf(copy.tags, { name: options.tags.repository, id: options.tags.repositoryId });
    return owner.kind !== "other"
      ? undefined
      : `service '${copy.name}' is ${owner.repository}'s copy of '${spec.service}' for route ${options.route}, not ${options.tags.repository}'s, and a route has one copy of a service; give this repository routes of its own with route-template (e.g. {repository}-pr-{number})`;
  },
];

/**
 * The pull requests of this repository, other than the deploying one, that hold copies of the route:
 * whether each is still open decides whether the route may be taken (claimRoute).
 */
export function pullRequestsHoldingRoute(copies: readonly RouteCopy[], pullRequest: number | undefined): number[] {
  const numbers = copies
    .filter((copy) => copy.owner.kind === "ours" && copy.pullRequest !== undefined && copy.pullRequest !== pullRequest)
    .map((copy) => copy.pullRequest as number);
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/**
 * A route has one owner (docs/design.md §4): another repository's live copy on it stops the deploy
 * unless both share the route on purpose, and so does a copy of this repository that another open
 * pull request (or one GitHub could not tell about) holds. A closed pull request's copies are taken over.
 */
export function claimRoute(options: PlanOptions, copies: readonly RouteCopy[], pullRequests: ReadonlyMap<number, PullRequestState>): void {
  const input = options.routeInput ?? INPUT.route;
  const foreign = copies.find((copy) => copy.owner.kind === "other" && !(copy.shared && options.tags.sharedRoute));
  if (foreign !== undefined) {
    throw new ConfigurationError(
      `route ${options.route} already has ${foreign.repository}'s copy ${foreign.serviceName} in cluster '${options.cluster}'; ` +
        "give this repository routes of its own with route-template (e.g. {repository}-pr-{number}), or share a feature route on purpose with a template that has {branch} and no {number} in every repository",
      input,
    );
  }
  for (const number of pullRequestsHoldingRoute(copies, options.tags.pullRequest)) {
    const state = pullRequests.get(number) ?? { kind: "unknown", reason: "not looked up" };
    if (state.kind === "closed" || state.kind === "not-found") continue;
    const held = copies.filter((copy) => copy.owner.kind === "ours" && copy.pullRequest === number).map((copy) => copy.serviceName);
    throw new ConfigurationError(
      state.kind === "open"
        ? `route ${options.route} belongs to pull request #${number}, which is open (${held.join(", ")}); choose another route, or close #${number} first`
        : `route ${options.route} has copies of pull request #${number} (${held.join(", ")}) and GitHub could not say whether it is open (${state.reason}); pass github-token with pull-requests: read, or choose another route`,
      input,
    );
  }
}

/** Plans route R's copy of every base service; the first mistake found throws. */
export function planRoute(options: PlanOptions, read: RouteRead, now: Date): RoutePlan {
  claimRoute(options, read.routeCopies, read.pullRequests);
  return {
    services: read.bases.map((base) => planService(options, base, read.copies.get(routeServiceName(base.spec.service, options.route)), now)),
  };
}

function planService(options: PlanOptions, read: BaseRead, found: Service | undefined, now: Date): ServicePlan {
  const { spec, base, taskDefinition } = read;
  const routeService = routeServiceName(spec.service, options.route);
  const existing = found !== undefined && found.status !== "INACTIVE" ? found : undefined;
  const change: CopyChange = existing === undefined ? "create" : existing.status === "ACTIVE" ? "update" : "replace";
  // Tags are the only proof of ownership; an ACTIVE copy's are read once for every check below.
  const copy = change === "update" ? { name: routeService, tags: fromEcsTags(existing?.tags) } : undefined;
  if (copy !== undefined) {
    for (const rule of OWNERSHIP_RULES) {
      const refusal = rule(copy, options, spec);
      if (refusal !== undefined) throw new ConfigurationError(refusal, options.routeInput ?? INPUT.route);
    }
  }
  const tags = routeTags({ ...options.tags, route: options.route, kind: options.kind }, spec.service, now);
  if (copy !== undefined) checkTagsFit(copy, tags);
  const family = routeFamily(taskDefinition.family ?? "", options.route);
  for (const name of [routeService, family]) {
    if (!ECS_NAME_PATTERN.test(name)) {
      throw new ConfigurationError(`'${name}' would be longer than ECS's 255 characters; use a shorter route`, INPUT.route);
    }
  }
  const container = selectContainer(taskDefinition, spec.container, spec.input);
  const port = resolvePort(container, spec.port, spec.input);
  const labels = labelsFor(options, spec, container.dockerLabels ?? {}, port);
  const environment = { ...options.environment, ...serviceEnvironment(options, spec) };
  const taskDefinitionInput = routeTaskDefinition(taskDefinition, { route: options.route, container: container.name as string, image: spec.image, labels, tags, environment });
  const bytes = taskDefinitionBytes(taskDefinitionInput.input);
  if (bytes > TASK_DEFINITION_MAX_BYTES) {
    throw new ConfigurationError(
      `${spec.service}: the copy's task definition would be ${bytes} bytes with its environment overrides, over ECS's ${TASK_DEFINITION_MAX_BYTES}; set fewer or shorter variables`,
      environmentInput(spec),
    );
  }
  return {
    spec,
    base,
    routeService,
    change,
    existing,
    image: spec.image ?? container.image ?? "",
    taskDefinition: taskDefinitionInput,
    desiredCount: options.desiredCount,
    tags,
  };
}

/** Where a service's `environment` came from: its services item, or the single-service input. */
function environmentInput(spec: ServiceSpec): string {
  return spec.input === INPUT.services ? INPUT.services : INPUT.environment;
}

/** The service's own overrides (docs/design.md §3.2) with their placeholders replaced for this deploy. */
function serviceEnvironment(options: PlanOptions, spec: ServiceSpec): Record<string, string> {
  const values = {
    route: options.route,
    service: spec.service,
    number: options.tags.pullRequest === undefined ? undefined : String(options.tags.pullRequest),
    branch: options.branch,
  };
  return resolveEnvironment(spec.environment, values, environmentInput(spec), spec.input === INPUT.services ? `${spec.service} environment: ` : "");
}

/**
 * TagResource adds to a copy's tags and removes none, so tags an earlier run gave (a user tag since
 * dropped from the input) stay: the union must fit ECS's limit, or the update would stop half-way.
 */
function checkTagsFit(copy: ExistingCopy, tags: Record<string, string>): void {
  const current = Object.keys(copy.tags).filter((key) => !key.startsWith("aws:"));
  const merged = new Set([...current, ...Object.keys(refreshedTags(tags))]);
  if (merged.size > TAG_LIMITS.perResource) {
    throw new ConfigurationError(
      `${copy.name} already has ${current.length} tags; with these it would have ${merged.size}, over ECS's limit of ${TAG_LIMITS.perResource}; untag the copy (aws ecs untag-resource) or give fewer tags`,
      INPUT.tags,
    );
  }
}

/** The copy's Traefik labels (docs/design.md §2): where a copy's router rule is built. */
function labelsFor(options: PlanOptions, spec: ServiceSpec, baseLabels: Record<string, string>, port: number): Record<string, string> {
  try {
    return routeLabels({
      baseService: spec.service,
      route: options.route,
      baseLabels,
      ...(spec.match !== undefined ? { match: spec.match } : {}),
      port,
      protocol: spec.protocol,
      ...options.routing,
    });
  } catch (error) {
    // A match or base setting of a services item is named by that input.
    if (isConfigurationError(error) && (error.input === INPUT.match || error.input === INPUT.service) && spec.input === INPUT.services) {
      throw new ConfigurationError(`${spec.service}: ${error.message}`, INPUT.services);
    }
    throw error;
  }
}
