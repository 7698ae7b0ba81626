// Which route services to reap, decided from tags alone (docs/design.md §4: tags are the only source of
// truth for ownership). Pure: the same cluster, PR states, clock and options give the same answer.
import { taskDefinitionFamily } from "../ecs/names.js";
import { MANAGED_BY, TAG } from "../ecs/tags.js";
import { SHADOW_ROUTE, isValidRoute, pullRequestOfRoute, type Route } from "../routing/route.js";

/** One service as discovered in the cluster, with its tags as a map. */
export interface ClusterService {
  serviceName: string;
  serviceArn: string;
  /** ACTIVE, DRAINING or INACTIVE. */
  status: string;
  /** The ARN of the service's current task definition. */
  taskDefinition: string | undefined;
  tags: Readonly<Record<string, string>>;
  /** Tasks it runs and since when, for what the copies cost (the sweep's summary). */
  desiredCount?: number | undefined;
  createdAt?: Date | undefined;
}

/** What GitHub says about a pull request, looked up once per number. */
export type PullRequestState =
  | { kind: "open" }
  | { kind: "closed"; merged: boolean }
  | { kind: "not-found" }
  /** GitHub would not answer; `permissionDenied` when it refused the token (403, not the rate limit). */
  | { kind: "unknown"; reason: string; permissionDenied?: boolean };

export type ReapMode =
  /** Exactly one route's services, e.g. when `pullRequest` closed. */
  | { kind: "route"; route: Route; because: string; pullRequest?: number }
  /** Every stale copy: PR closed or merged, `expires-at` passed, or older than `maxAgeMs`. */
  | { kind: "sweep"; maxAgeMs: number | undefined };

export interface SelectionOptions {
  /** `owner/repo`: only services tagged with this repository are ever candidates. */
  repository: string;
  mode: ReapMode;
  includeShadow: boolean;
  maxDeletions: number;
  now: Date;
}

export interface Decision {
  service: string;
  serviceArn: string;
  /** The route tag, when it is a valid route. */
  route: Route | undefined;
  /** The pull request the copy belongs to, when tagged. */
  pullRequest: number | undefined;
  /** The route's own task-definition family (`<family>--<route>`), when the service runs one. */
  taskDefinitionFamily: string | undefined;
  reason: string;
}

export interface Selection {
  /** In deletion order (service name), at most `maxDeletions`. */
  delete: Decision[];
  /** This repository's managed services that stay, each with why. */
  keep: Decision[];
  /** Services not tagged managed-by=ecs-dynamic-routing: never touched, only counted. */
  unmanaged: number;
  /** Managed services of another repository: never touched, only counted. */
  otherRepository: number;
  /** In route mode, this repository's managed services of other routes: only counted. */
  otherRoutes: number;
  /** This repository's managed services already DRAINING or INACTIVE: nothing left to do. */
  alreadyDeleting: number;
  /** How many stale copies were kept because of `maxDeletions`. */
  overMaxDeletions: number;
}

export const OVER_MAX_DELETIONS = "over max-deletions";

/**
 * A route's copy runs in its own family `<base family>--<route>`; anything else (say, a service
 * someone pointed back at the base family by hand) must never have its revisions deregistered.
 */
export function routeTaskDefinitionFamily(taskDefinition: string | undefined, route: Route): string | undefined {
  const family = taskDefinition === undefined ? undefined : taskDefinitionFamily(taskDefinition);
  return family !== undefined && family.endsWith(`--${route}`) && family.length > route.length + 2 ? family : undefined;
}

/** Parses an ISO 8601 timestamp as the actions write it; anything else is undefined. */
export function parseTimestamp(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** The pull-request numbers a sweep must ask GitHub about (each once). */
export function pullRequestsToLookUp(services: readonly ClusterService[], options: SelectionOptions): number[] {
  if (options.mode.kind !== "sweep") return [];
  const numbers = new Set<number>();
  for (const service of services) {
    const owned = ownership(service, options);
    if (owned.kind === "candidate" && owned.pullRequest !== undefined) numbers.add(owned.pullRequest);
  }
  return [...numbers].sort((a, b) => a - b);
}

/** Decides, for every service in the cluster, whether to delete it and why. */
export function selectServices(
  services: readonly ClusterService[],
  pullRequests: ReadonlyMap<number, PullRequestState>,
  options: SelectionOptions,
): Selection {
  const selection: Selection = { delete: [], keep: [], unmanaged: 0, otherRepository: 0, otherRoutes: 0, alreadyDeleting: 0, overMaxDeletions: 0 };
  const stale: Decision[] = [];
  for (const service of [...services].sort((a, b) => compare(a.serviceName, b.serviceName))) {
    const owned = ownership(service, options);
    if (owned.kind === "unmanaged") {
      selection.unmanaged++;
      continue;
    }
    if (owned.kind === "other-repository") {
      selection.otherRepository++;
      continue;
    }
    if (owned.kind === "other-route") {
      selection.otherRoutes++;
      continue;
    }
    if (owned.kind === "already-deleting") {
      selection.alreadyDeleting++;
      continue;
    }
    const decision = (reason: string): Decision => ({
      service: service.serviceName,
      serviceArn: service.serviceArn,
      route: owned.route,
      pullRequest: owned.kind === "candidate" ? owned.pullRequest : undefined,
      taskDefinitionFamily:
        owned.route === undefined ? undefined : routeTaskDefinitionFamily(service.taskDefinition, owned.route),
      reason,
    });
    if (owned.kind === "keep") {
      selection.keep.push(decision(owned.reason));
      continue;
    }
    const verdict = options.mode.kind === "route" ? { stale: true, reason: options.mode.because } : staleness(owned, pullRequests, options);
    (verdict.stale ? stale : selection.keep).push(decision(verdict.reason));
  }
  selection.delete = stale.slice(0, options.maxDeletions);
  for (const decision of stale.slice(options.maxDeletions)) {
    selection.keep.push({ ...decision, reason: `${OVER_MAX_DELETIONS} (${decision.reason})` });
    selection.overMaxDeletions++;
  }
  return selection;
}

type Ownership =
  | { kind: "unmanaged" }
  | { kind: "other-repository" }
  | { kind: "other-route" }
  | { kind: "already-deleting" }
  | { kind: "keep"; route: Route | undefined; reason: string }
  | {
      kind: "candidate";
      route: Route;
      pullRequest: number | undefined;
      expiresAt: Date | undefined;
      createdAt: Date | undefined;
    };

/** Whether a service is ours to judge, and the tags it is judged by; any doubt keeps it. */
function ownership(service: ClusterService, options: SelectionOptions): Ownership {
  const tags = service.tags;
  if (tags[TAG.managedBy] !== MANAGED_BY) return { kind: "unmanaged" };
  if (tags[TAG.repository] !== options.repository) return { kind: "other-repository" };
  const routeTag = tags[TAG.route];
  const route = routeTag !== undefined && isValidRoute(routeTag) ? routeTag : undefined;
  if (options.mode.kind === "route" && route !== options.mode.route) return { kind: "other-route" };
  const keep = (reason: string): Ownership => ({ kind: "keep", route, reason });

  if (route === undefined) return keep(`route tag ${describeTag(routeTag)} is not a valid route`);
  if (!service.serviceName.endsWith(`--${route}`)) {
    return keep(`service name does not end with --${route}, its route tag`);
  }
  const shadow = route === SHADOW_ROUTE || tags[TAG.kind] === "shadow";
  if (shadow && !options.includeShadow) return keep("shadow (set include-shadow: true to reap it)");
  if (service.status !== "ACTIVE") return { kind: "already-deleting" };

  const pullRequestTag = tags[TAG.pullRequest];
  let pullRequest: number | undefined;
  if (pullRequestTag !== undefined) {
    if (!/^[1-9]\d{0,9}$/.test(pullRequestTag)) return keep(`pull-request tag ${describeTag(pullRequestTag)} is not a number`);
    pullRequest = Number(pullRequestTag);
  }
  const fromRoute = pullRequestOfRoute(route);
  if (fromRoute !== undefined) {
    if (pullRequest !== undefined && fromRoute !== pullRequest) {
      return keep(`pull-request tag #${pullRequest} disagrees with route ${route}`);
    }
    pullRequest = fromRoute;
  }
  const expiresAtTag = tags[TAG.expiresAt];
  const expiresAt = expiresAtTag === undefined ? undefined : parseTimestamp(expiresAtTag);
  if (expiresAtTag !== undefined && expiresAt === undefined) {
    return keep(`expires-at tag ${describeTag(expiresAtTag)} is not a timestamp`);
  }
  const createdAtTag = tags[TAG.createdAt];
  const createdAt = createdAtTag === undefined ? undefined : parseTimestamp(createdAtTag);
  if (createdAtTag !== undefined && createdAt === undefined) {
    return keep(`created-at tag ${describeTag(createdAtTag)} is not a timestamp`);
  }
  return { kind: "candidate", route, pullRequest, expiresAt, createdAt };
}

function staleness(
  candidate: Extract<Ownership, { kind: "candidate" }>,
  pullRequests: ReadonlyMap<number, PullRequestState>,
  options: SelectionOptions,
): { stale: boolean; reason: string } {
  const reasons: string[] = [];
  const notes: string[] = [];
  if (candidate.pullRequest !== undefined) {
    const number = candidate.pullRequest;
    const state = pullRequests.get(number) ?? { kind: "unknown", reason: "not looked up" };
    // A PR that cannot be read never makes a copy stale, but its own expires-at and age still do:
    // they are the safety net for exactly the runs where GitHub could not be asked.
    if (state.kind === "closed") reasons.push(`pull request #${number} ${state.merged ? "merged" : "closed"}`);
    else if (state.kind === "open") notes.push(`pull request #${number} open`);
    else if (state.kind === "not-found") notes.push(`pull request #${number} not found`);
    else notes.push(`pull request #${number} unknown: ${state.reason}`);
  }
  const now = options.now.getTime();
  if (candidate.expiresAt !== undefined) {
    if (candidate.expiresAt.getTime() <= now) reasons.push(`expired at ${candidate.expiresAt.toISOString()}`);
    else notes.push(`expires at ${candidate.expiresAt.toISOString()}`);
  }
  const maxAgeMs = options.mode.kind === "sweep" ? options.mode.maxAgeMs : undefined;
  if (maxAgeMs !== undefined) {
    if (candidate.createdAt === undefined) notes.push("no created-at tag for max-age");
    else if (now - candidate.createdAt.getTime() > maxAgeMs) {
      reasons.push(`older than max-age (created ${candidate.createdAt.toISOString()})`);
    } else notes.push(`created ${candidate.createdAt.toISOString()}`);
  }
  if (reasons.length > 0) return { stale: true, reason: reasons.join("; ") };
  return { stale: false, reason: notes.length > 0 ? notes.join("; ") : "nothing marks it stale" };
}

function describeTag(value: string | undefined): string {
  return value === undefined ? "(missing)" : JSON.stringify(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Task-definition families that may be deregistered after the deletions: those of deleted
 * services that no remaining service in the cluster (managed or not) still runs.
 */
export function familiesToDeregister(services: readonly ClusterService[], deleted: readonly Decision[]): string[] {
  const deletedArns = new Set(deleted.map((decision) => decision.serviceArn));
  const stillUsed = new Set<string>();
  for (const service of services) {
    if (deletedArns.has(service.serviceArn) || service.taskDefinition === undefined) continue;
    const family = taskDefinitionFamily(service.taskDefinition);
    if (family !== undefined) stillUsed.add(family);
  }
  const families = new Set<string>();
  for (const decision of deleted) {
    if (decision.taskDefinitionFamily !== undefined && !stillUsed.has(decision.taskDefinitionFamily)) {
      families.add(decision.taskDefinitionFamily);
    }
  }
  return [...families].sort(compare);
}

/**
 * Routes whose copies are all gone after the deletions (nothing of the route kept), so their PR
 * comment and deployments can be torn down, with the deleted services and why.
 */
export function routesTornDown(selection: Selection): RouteTearDown[] {
  const keptRoutes = new Set(selection.keep.map((decision) => decision.route));
  const routes = new Map<Route, RouteTearDown>();
  for (const decision of selection.delete) {
    if (decision.route === undefined || keptRoutes.has(decision.route)) continue;
    const entry = routes.get(decision.route) ?? { route: decision.route, pullRequest: decision.pullRequest, removed: [], reason: decision.reason };
    entry.pullRequest ??= decision.pullRequest;
    entry.removed.push(decision.service);
    routes.set(decision.route, entry);
  }
  return [...routes.values()];
}

export interface RouteTearDown {
  route: Route;
  pullRequest: number | undefined;
  removed: string[];
  reason: string;
}
