// Which route services to reap, decided from tags alone (docs/design.md §4: tags are the only source of
// truth for ownership). Pure: the same cluster, PR states, clock and options give the same answer.
import { ownerOf, type RepositoryIdentity } from "../ecs/ownership.js";
import { parsePullRequestTag, TAG } from "../ecs/tags.js";
import { SHADOW_ROUTE, isValidRoute, pullRequestOfRoute, type Route } from "../routing/route.js";

/** One service as discovered in the cluster, with its tags as a map. */
export interface ClusterService {
  serviceName: string;
  serviceArn: string;
  /** ACTIVE, DRAINING or INACTIVE. */
  status: string;
  /** The ARN of the service's current task definition. */
  taskDefinition: string | undefined;
  /** Every revision the service's deployments run (the current one and any still rolling out or back). */
  taskDefinitions: readonly string[];
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
  /**
   * Exactly one route's services, e.g. when `pullRequest` closed: then only the copies of that pull
   * request (another PR of this repository may have deployed to the same route name).
   */
  | { kind: "route"; route: Route; because: string; pullRequest?: number }
  /** Every stale copy: PR closed or merged, `expires-at` passed, or no deploy for longer than `maxAgeMs`. */
  | { kind: "sweep"; maxAgeMs: number | undefined }
  /**
   * A deploy's prune: this repository's copies of `route` other than the ones it just made (`keep`);
   * the route lives on, so its pull request's comment and deployment are the deploy's to write.
   */
  | { kind: "prune"; route: Route; because: string; keep: readonly string[]; pullRequest?: number };

/**
 * Why a route's copies are removed, as the on-reap hook is told (`ROUTE_REAP_REASON`): `closed`, its
 * pull request closed (or merged); `requested`, a reap named the route (`route` input); `stale`, a
 * sweep found it stale; `prune`, a deploy removed copies it no longer lists and the route lives on.
 */
export type ReapReason = "closed" | "requested" | "stale" | "prune";

/** Pure: the reason every route a reap in `mode` removes is removed for. */
export function reapReason(mode: ReapMode): ReapReason {
  if (mode.kind === "sweep") return "stale";
  if (mode.kind === "prune") return "prune";
  return mode.pullRequest === undefined ? "requested" : "closed";
}

export interface SelectionOptions {
  /** Only copies tagged with this repository (by id, or by name before ids were recorded) are ever candidates. */
  repository: RepositoryIdentity;
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
  /** The base service tag. */
  baseService: string | undefined;
  /** Tagged before the repository id was recorded: gets the id tag when kept. */
  migrate: boolean;
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
  /** In route and prune mode, this repository's managed services of other routes (or, pruning, the deploy's own): only counted. */
  otherRoutes: number;
  /** In route mode, this repository's copies of the route that belong to another pull request: only counted. */
  otherPullRequests: number;
  /** This repository's managed services already DRAINING or INACTIVE: nothing left to do. */
  alreadyDeleting: number;
  /** How many stale copies were kept because of `maxDeletions`. */
  overMaxDeletions: number;
}

export const OVER_MAX_DELETIONS = "over max-deletions";

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
  const selection: Selection = {
    delete: [],
    keep: [],
    unmanaged: 0,
    otherRepository: 0,
    otherRoutes: 0,
    otherPullRequests: 0,
    alreadyDeleting: 0,
    overMaxDeletions: 0,
  };
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
    if (owned.kind === "other-pull-request") {
      selection.otherPullRequests++;
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
      baseService: service.tags[TAG.baseService],
      migrate: owned.migrate,
      reason,
    });
    if (owned.kind === "keep") {
      selection.keep.push(decision(owned.reason));
      continue;
    }
    const verdict = options.mode.kind !== "sweep" ? { stale: true, reason: options.mode.because } : staleness(owned, pullRequests, options.mode.maxAgeMs, options.now);
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
  | { kind: "other-pull-request" }
  | { kind: "already-deleting" }
  | { kind: "keep"; route: Route | undefined; migrate: boolean; reason: string }
  | ({ kind: "candidate"; route: Route; migrate: boolean } & CopyDates);

/** What a copy's tags say about when it goes: its pull request, its expiry, its last update. */
export interface CopyDates {
  pullRequest: number | undefined;
  expiresAt: Date | undefined;
  /** updated-at, or created-at for copies deployed before updated-at was recorded. */
  lastDeployed: { at: Date; tag: "updated" | "created" } | undefined;
}

/** Whether a service is ours to judge, and the tags it is judged by; any doubt keeps it. */
function ownership(service: ClusterService, options: SelectionOptions): Ownership {
  const tags = service.tags;
  const owner = ownerOf(tags, options.repository);
  if (owner.kind === "unmanaged") return { kind: "unmanaged" };
  if (owner.kind === "other") return { kind: "other-repository" };
  const routeTag = tags[TAG.route];
  const route = routeTag !== undefined && isValidRoute(routeTag) ? routeTag : undefined;
  if (options.mode.kind !== "sweep" && route !== options.mode.route) return { kind: "other-route" };
  if (options.mode.kind === "prune" && options.mode.keep.includes(service.serviceName)) return { kind: "other-route" };
  const keep = (reason: string): Ownership => ({ kind: "keep", route, migrate: owner.migrate, reason });

  if (route === undefined) return keep(`route tag ${describeTag(routeTag)} is not a valid route`);
  if (!service.serviceName.endsWith(`--${route}`)) {
    return keep(`service name does not end with --${route}, its route tag`);
  }
  const shadow = route === SHADOW_ROUTE || tags[TAG.kind] === "shadow";
  if (shadow && !options.includeShadow) return keep("shadow (set include-shadow: true to reap it)");
  if (service.status !== "ACTIVE") return { kind: "already-deleting" };
  const dates = copyDates(tags, route);
  if ("unreadable" in dates) return keep(dates.unreadable);
  if (options.mode.kind === "route" && options.mode.pullRequest !== undefined && dates.pullRequest !== undefined && dates.pullRequest !== options.mode.pullRequest) {
    return { kind: "other-pull-request" };
  }
  return { kind: "candidate", route, migrate: owner.migrate, ...dates };
}

/** Reads the pull request and the dates of a copy (service or revision) of `route`; an unreadable tag is a reason to keep it. */
export function copyDates(tags: Readonly<Record<string, string>>, route: Route): CopyDates | { unreadable: string } {
  const pullRequestTag = tags[TAG.pullRequest];
  let pullRequest: number | undefined;
  if (pullRequestTag !== undefined) {
    pullRequest = parsePullRequestTag(pullRequestTag);
    if (pullRequest === undefined) return { unreadable: `pull-request tag ${describeTag(pullRequestTag)} is not a number` };
  }
  const fromRoute = pullRequestOfRoute(route);
  if (fromRoute !== undefined) {
    if (pullRequest !== undefined && fromRoute !== pullRequest) {
      return { unreadable: `pull-request tag #${pullRequest} disagrees with route ${route}` };
    }
    pullRequest = fromRoute;
  }
  const expiresAtTag = tags[TAG.expiresAt];
  const expiresAt = expiresAtTag === undefined ? undefined : parseTimestamp(expiresAtTag);
  if (expiresAtTag !== undefined && expiresAt === undefined) {
    return { unreadable: `expires-at tag ${describeTag(expiresAtTag)} is not a timestamp` };
  }
  let lastDeployed: CopyDates["lastDeployed"];
  for (const [key, tag] of [[TAG.updatedAt, "updated"], [TAG.createdAt, "created"]] as const) {
    const text = tags[key];
    if (text === undefined) continue;
    const at = parseTimestamp(text);
    if (at === undefined) return { unreadable: `${tag}-at tag ${describeTag(text)} is not a timestamp` };
    lastDeployed ??= { at, tag };
  }
  return { pullRequest, expiresAt, lastDeployed };
}

/**
 * Whether a copy is stale in a sweep: its pull request closed or merged, its expires-at passed, or no
 * deploy touched it for longer than max-age (updated-at, so a copy a push refreshed yesterday stays).
 */
export function staleness(
  candidate: CopyDates,
  pullRequests: ReadonlyMap<number, PullRequestState>,
  maxAgeMs: number | undefined,
  now: Date,
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
  if (candidate.expiresAt !== undefined) {
    if (candidate.expiresAt.getTime() <= now.getTime()) reasons.push(`expired at ${candidate.expiresAt.toISOString()}`);
    else notes.push(`expires at ${candidate.expiresAt.toISOString()}`);
  }
  if (maxAgeMs !== undefined) {
    const last = candidate.lastDeployed;
    if (last === undefined) notes.push("no updated-at or created-at tag for max-age");
    else if (now.getTime() - last.at.getTime() > maxAgeMs) {
      reasons.push(`older than max-age (${last.tag} ${last.at.toISOString()})`);
    } else notes.push(`${last.tag} ${last.at.toISOString()}`);
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
 * The routes (each with its pull request) whose copies are all gone after this run: services deleted
 * now, or ACTIVE revisions retired now whose copy had gone before (a re-run after a teardown that
 * stopped half-way). `deregistered` (INACTIVE) revisions never make a route torn down again, since
 * their route is done, but name their copy among the removed ones of a route that is (a re-run after
 * a kill between two deregistrations). A route with a copy of the same pull request still kept is not
 * torn down. Their PR comment and deployments are torn down, the on-reap hook runs, and only then
 * their revisions go.
 */
export function routesTornDown(
  deleted: readonly Decision[],
  kept: readonly Decision[],
  retiring: readonly RevisionOfRoute[],
  deregistered: readonly RevisionOfRoute[] = [],
): RouteTearDown[] {
  const key = (route: Route | undefined, pullRequest: number | undefined): string => `${route ?? ""}#${pullRequest ?? ""}`;
  const keptKeys = new Set(kept.map((decision) => key(decision.route, decision.pullRequest)));
  const routes = new Map<string, RouteTearDown>();
  const add = (route: Route | undefined, pullRequest: number | undefined, service: string, reason: string): void => {
    if (route === undefined || keptKeys.has(key(route, pullRequest))) return;
    const entry = routes.get(key(route, pullRequest)) ?? { route, pullRequest, removed: [], reason };
    if (!entry.removed.includes(service)) entry.removed.push(service);
    routes.set(key(route, pullRequest), entry);
  };
  for (const decision of deleted) add(decision.route, decision.pullRequest, decision.service, decision.reason);
  for (const revision of retiring) add(revision.route, revision.pullRequest, revision.service, revision.reason);
  for (const revision of deregistered) {
    const entry = routes.get(key(revision.route, revision.pullRequest));
    if (entry !== undefined && !entry.removed.includes(revision.service)) entry.removed.push(revision.service);
  }
  for (const route of routes.values()) route.removed.sort(compare);
  return [...routes.values()];
}

/**
 * A prune's removed copies as one teardown of its route (at most one, none when it removed nothing):
 * the copies deleted now, and those whose ACTIVE revisions are retired now though the copy went
 * before (a prune whose on-reap failed), but no copy still there (its deletion failed). The route
 * lives on, so unlike `routesTornDown` a copy kept does not hold the others back, and copies tagged
 * with an older pull request (the route taken over) are the deploying pull request's now.
 */
export function routesPruned(
  mode: Extract<ReapMode, { kind: "prune" }>,
  deleted: readonly Decision[],
  kept: readonly Decision[],
  retiring: readonly RevisionOfRoute[],
): RouteTearDown[] {
  const stillThere = new Set(kept.map((decision) => decision.service));
  const removed = [...new Set([...deleted.map((decision) => decision.service), ...retiring.map((revision) => revision.service)])]
    .filter((service) => !stillThere.has(service))
    .sort(compare);
  return removed.length === 0 ? [] : [{ route: mode.route, pullRequest: mode.pullRequest, removed, reason: mode.because }];
}

/** A task-definition revision as the teardown sees it: the copy and route it was registered for. */
export interface RevisionOfRoute {
  route: Route;
  pullRequest: number | undefined;
  service: string;
  reason: string;
}

export interface RouteTearDown {
  route: Route;
  pullRequest: number | undefined;
  /** The copies (service names) removed, now or by an earlier run that stopped half-way. */
  removed: string[];
  reason: string;
}
