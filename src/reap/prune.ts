// A deploy's prune (issue 10.4, docs/design.md §3.5): a route is the pull request's current change
// set, so after a deploy the route's other copies of this repository, the ones this deploy no
// longer lists, go through the reaper's own deletion path (service, then its revisions by tags).
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import type { Logger } from "../common/logger.js";
import type { RepositoryIdentity } from "../ecs/ownership.js";
import type { Route } from "../routing/route.js";
import { reap, type RemovedRoute } from "./reap.js";

/** The reason each pruned copy is deleted with (the reaper's log and the summary say it). */
export const PRUNE_REASON = "not in this deploy's services (prune)";

export interface PruneRequest {
  cluster: string;
  repository: RepositoryIdentity;
  owner: string;
  repo: string;
  route: Route;
  /** The deploying pull request: the on-reap hook's ROUTE_PULL_REQUEST. */
  pullRequest: number | undefined;
  /** The copies (service names) this deploy made or updated: never pruned. */
  keep: readonly string[];
  maxConcurrency: number;
  now: Date;
}

export interface PruneReport {
  /** The copies (service names) deleted; their ACTIVE revisions were deregistered. */
  removed: string[];
  /** Copies that should have gone but stay, each with why (a failed deletion, an unreadable tag); the next deploy tries again. */
  left: { service: string; reason: string }[];
  /** Families whose revisions could not all be deregistered; the next deploy tries again. */
  failedFamilies: number;
  /** Why the prune could not run at all (set by the deploy, which goes on); the next deploy tries again. */
  error?: string;
  /**
   * The on-reap hook failed for the removed copies (its first line as `why`, the whole error to fail
   * the step with): they stay removed, their revisions ACTIVE, and the next deploy's prune runs it again.
   */
  pending?: { why: string; error: Error };
}

/**
 * Removes `route`'s copies of this repository other than `keep`. Copies of other repositories (a
 * route shared on purpose) are never candidates. No pull-request teardown: the route lives on with
 * the copies this deploy just made, and its comment is the deploy's to write. `onRouteRemoved` (the
 * on-reap hook) runs once for the copies removed, told the reason `prune`.
 */
export async function pruneRoute(
  request: PruneRequest,
  dependencies: {
    ecs: ECSClient;
    tagging: ResourceGroupsTaggingAPIClient;
    onRouteRemoved?: (route: RemovedRoute) => Promise<void>;
    logger: Logger;
  },
): Promise<PruneReport> {
  const report = await reap(
    {
      cluster: request.cluster,
      repository: request.repository,
      owner: request.owner,
      repo: request.repo,
      mode: {
        kind: "prune",
        route: request.route,
        because: PRUNE_REASON,
        keep: request.keep,
        ...(request.pullRequest !== undefined ? { pullRequest: request.pullRequest } : {}),
      },
      includeShadow: false,
      dryRun: false,
      // One route's copies of one repository: a handful, never a runaway sweep.
      maxDeletions: Number.MAX_SAFE_INTEGER,
      deleteTaskDefinitions: false,
      maxConcurrency: request.maxConcurrency,
      now: request.now,
    },
    { ...dependencies, github: undefined, tearDown: undefined },
  );
  const pending = report.pending[0];
  const pruned: PruneReport = {
    removed: report.deleted.map((decision) => decision.service),
    left: report.kept.map((decision) => ({ service: decision.service, reason: decision.reason })),
    failedFamilies: report.failedFamilies,
    ...(pending !== undefined ? { pending: { why: pending.why, error: pending.error ?? new Error(pending.why) } } : {}),
  };
  const { logger } = dependencies;
  if (pruned.removed.length > 0) {
    logger.info(`prune: removed ${pruned.removed.join(", ")} (${PRUNE_REASON}; prune: false keeps a route's other copies)`);
  }
  for (const left of pruned.left) logger.warning(`prune: ${left.service} stays (${left.reason}); the next deploy tries again`);
  if (pruned.failedFamilies > 0) {
    logger.warning(`prune: the revisions of ${pruned.failedFamilies} pruned copy(ies) could not all be deregistered; the next deploy tries again`);
  }
  return pruned;
}
