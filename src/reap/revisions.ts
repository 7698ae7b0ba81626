// Which task-definition revisions to retire, decided from their own tags (14.1, 14.2). Pure. A revision
// is retired only when this cluster and this repository registered it, no service left in the cluster
// runs it, and its copy is being reaped or is already gone. Only ACTIVE revisions mean a route's
// teardown is unfinished (docs/design.md §4, the journal); INACTIVE ones are what a finished teardown
// leaves, with at most their deletion still to do.
import { ownerOf } from "../ecs/ownership.js";
import { TAG } from "../ecs/tags.js";
import type { TaggedRevision } from "../ecs/tagged-revisions.js";
import { SHADOW_ROUTE, isValidRoute, type Route } from "../routing/route.js";
import { copyDates, staleness, type ClusterService, type PullRequestState, type SelectionOptions } from "./select.js";

export interface RevisionDecision {
  revision: TaggedRevision;
  route: Route;
  pullRequest: number | undefined;
  /** `<base-service>--<route>`: the copy the revision was registered for. */
  service: string;
  reason: string;
}

export interface RevisionSelection {
  /** ACTIVE revisions to deregister: their route's teardown is not finished. */
  retire: RevisionDecision[];
  /**
   * INACTIVE revisions whose copy is gone: deregistered by a teardown that finished (their route is
   * done, not torn down again); with delete-task-definitions, deleting them is all that is left.
   */
  deregistered: RevisionDecision[];
  /** Ours, kept, each with why. */
  keep: RevisionDecision[];
  /** Tagged for this cluster by another repository: never touched. */
  otherRepository: number;
}

/**
 * `remaining` are the cluster's services after this run's deletions (ACTIVE ones run revisions; any
 * service of ours with the copy's name means the copy is alive).
 */
export function selectRevisions(
  revisions: readonly TaggedRevision[],
  remaining: readonly ClusterService[],
  pullRequests: ReadonlyMap<number, PullRequestState>,
  options: SelectionOptions,
): RevisionSelection {
  const selection: RevisionSelection = { retire: [], deregistered: [], keep: [], otherRepository: 0 };
  const active = remaining.filter((service) => service.status === "ACTIVE");
  const runBy = new Map<string, string>();
  for (const service of active) for (const arn of service.taskDefinitions) runBy.set(arn, service.serviceName);
  const liveCopies = new Set(active.filter((service) => ownerOf(service.tags, options.repository).kind === "ours").map((service) => service.serviceName));

  for (const revision of [...revisions].sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0))) {
    const owner = ownerOf(revision.tags, options.repository);
    if (owner.kind !== "ours") {
      if (owner.kind === "other") selection.otherRepository++;
      continue;
    }
    const route = revision.tags[TAG.route] ?? "";
    if (!isValidRoute(route) || !revision.family.endsWith(`--${route}`)) continue;
    if (options.mode.kind !== "sweep" && route !== options.mode.route) continue;
    const service = `${revision.tags[TAG.baseService] ?? revision.family.slice(0, -route.length - 2)}--${route}`;
    if (options.mode.kind === "prune" && options.mode.keep.includes(service)) continue;
    const dates = copyDates(revision.tags, route);
    const pullRequest = "unreadable" in dates ? undefined : dates.pullRequest;
    const decision = (reason: string): RevisionDecision => ({ revision, route, pullRequest, service, reason });
    if (options.mode.kind === "route" && options.mode.pullRequest !== undefined && pullRequest !== undefined && pullRequest !== options.mode.pullRequest) {
      continue;
    }
    const shadow = route === SHADOW_ROUTE || revision.tags[TAG.kind] === "shadow";
    if (shadow && !options.includeShadow) {
      selection.keep.push(decision("shadow (set include-shadow: true to reap it)"));
      continue;
    }
    const runner = runBy.get(revision.arn);
    if (runner !== undefined) {
      selection.keep.push(decision(`service ${runner} runs it`));
      continue;
    }
    if ("unreadable" in dates) {
      selection.keep.push(decision(dates.unreadable));
      continue;
    }
    if (options.mode.kind === "sweep" && liveCopies.has(service)) {
      // A superseded revision of a live copy goes with its copy.
      selection.keep.push(decision(`its copy ${service} is live`));
      continue;
    }
    if (revision.status !== "ACTIVE") {
      selection.deregistered.push(decision(options.mode.kind === "sweep" ? "deregistered when its route was torn down" : options.mode.because));
      continue;
    }
    if (options.mode.kind !== "sweep") {
      selection.retire.push(decision(options.mode.because));
      continue;
    }
    const verdict = staleness(dates, pullRequests, options.mode.maxAgeMs, options.now);
    (verdict.stale ? selection.retire : selection.keep).push(decision(verdict.reason));
  }
  return selection;
}

/**
 * The pull requests a sweep must ask about for ACTIVE revisions of ours whose copy may be gone (an
 * INACTIVE one's route is done whatever its pull request says).
 */
export function revisionPullRequests(revisions: readonly TaggedRevision[], options: SelectionOptions): number[] {
  if (options.mode.kind !== "sweep") return [];
  const numbers = new Set<number>();
  for (const revision of revisions) {
    const route = revision.tags[TAG.route] ?? "";
    if (revision.status !== "ACTIVE" || ownerOf(revision.tags, options.repository).kind !== "ours" || !isValidRoute(route)) continue;
    const dates = copyDates(revision.tags, route);
    if (!("unreadable" in dates) && dates.pullRequest !== undefined) numbers.add(dates.pullRequest);
  }
  return [...numbers];
}
