// One reap from start to end: discover services and revisions, select, delete services, tear down
// each removed route (PR side, on-reap hook), then retire its revisions. Knows nothing of
// @actions/core: the action's main reads inputs into a ReapPlan and writes the ReapReport out.
//
// The order makes every step retryable on its own: a route's revisions are retired last, so a run
// killed or failed at any point leaves ACTIVE revisions from which the next run finds the route
// again, with no service left to find it by (docs: ownership, "teardown order").
import { TagResourceCommand, type ECSClient } from "@aws-sdk/client-ecs";
import type { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { errorMessage } from "../common/errors.js";
import { inGroup, type Logger } from "../common/logger.js";
import { clusterName } from "../ecs/names.js";
import { identityTags, type RepositoryIdentity } from "../ecs/ownership.js";
import { toEcsTags } from "../ecs/route-tags.js";
import { findTaggedRevisions } from "../ecs/tagged-revisions.js";
import { pullRequestOfRoute } from "../routing/route.js";
import { TAG } from "../ecs/tags.js";
import { deleteServices, retireRevisions, stopTestTasks, type FamilyRetirement, type TestTaskStop } from "./delete.js";
import { discoverServices, discoverTestTasks, readPullRequestStates, type PullRequestsApi } from "./discover.js";
import { revisionPullRequests, selectRevisions, type RevisionSelection } from "./revisions.js";
import {
  pullRequestsToLookUp,
  reapReason,
  routesPruned,
  routesTornDown,
  selectServices,
  type ClusterService,
  type Decision,
  type PullRequestState,
  type ReapMode,
  type ReapReason,
  type RouteTearDown,
  type Selection,
  type SelectionOptions,
} from "./select.js";
import { selectTestTasks, testTaskPullRequests, type TestTaskOwnership, type TestTaskSelection } from "./test-tasks.js";

export interface ReapPlan {
  cluster: string;
  repository: RepositoryIdentity;
  owner: string;
  repo: string;
  mode: ReapMode;
  includeShadow: boolean;
  dryRun: boolean;
  maxDeletions: number;
  deleteTaskDefinitions: boolean;
  maxConcurrency: number;
  now: Date;
}

/**
 * Turns a PR route's comment into a "torn down" note and its deployments inactive; false when it
 * failed in a way a re-run may fix.
 */
export type TearDown = (route: RouteTearDown & { pullRequest: number }) => Promise<boolean>;

/**
 * A route whose copies (of one pull request, or of none) this run removed or found removed, and why
 * (a prune's route lives on).
 */
export type RemovedRoute = RouteTearDown & { reapReason: ReapReason };

export interface ReapDependencies {
  ecs: ECSClient;
  tagging: ResourceGroupsTaggingAPIClient;
  /** Undefined without a GitHub token: PR states are then unknown and nothing is torn down. */
  github: PullRequestsApi | undefined;
  tearDown: TearDown | undefined;
  /**
   * Runs once per removed route (a prune's once, for the copies it removed), after its PR side is torn
   * down and before its revisions are retired (the on-reap hook). Throwing keeps the route pending: its
   * revisions stay ACTIVE and the next reap or sweep (for a prune, the next deploy's prune) finds the
   * copies by them and calls this again.
   */
  onRouteRemoved?: (route: RemovedRoute) => Promise<void>;
  logger: Logger;
}

export interface ReapReport {
  /** Deleted (or, in a dry run, to be deleted). */
  deleted: Decision[];
  /** Kept, each with its reason; a service whose deletion failed is here too. */
  kept: Decision[];
  selection: Selection;
  revisions: RevisionSelection;
  taskDefinitions: FamilyRetirement[];
  /** Services whose DeleteService failed. */
  failedDeletions: number;
  /** Families whose revisions could not all be deregistered or deleted. */
  failedFamilies: number;
  /** Routes whose PR comment and deployments were torn down (or would be). */
  tornDown: string[];
  /**
   * Routes left pending (GitHub teardown or the on-reap hook failed), each with why (the first line of
   * the hook's error, which is kept whole): the next run retries them.
   */
  pending: { route: string; why: string; error?: Error }[];
  /** This repository's copies that still run after the run (the kept ones), as discovered. */
  running: ClusterService[];
  /** Leftover integration-test tasks (runner: ecs-task): which to stop, and each stop (or, in a dry run, each that would be). */
  testTasks: { selection: TestTaskSelection; stops: TestTaskStop[]; failed: number };
}

export async function reap(plan: ReapPlan, dependencies: ReapDependencies): Promise<ReapReport> {
  const { ecs, logger } = dependencies;
  const cluster = clusterName(plan.cluster);
  // A prune's route lives on, and so do its tests: no test task is looked at.
  const [services, revisions, tasks] = await Promise.all([
    discoverServices(ecs, plan.cluster, plan.maxConcurrency, logger),
    findTaggedRevisions(
      { ecs, tagging: dependencies.tagging },
      { cluster, ...(plan.mode.kind !== "sweep" ? { route: plan.mode.route } : {}) },
      plan.maxConcurrency,
    ),
    plan.mode.kind === "prune" ? [] : discoverTestTasks(ecs, plan.cluster, plan.maxConcurrency),
  ]);
  const options: SelectionOptions = {
    repository: plan.repository,
    mode: plan.mode,
    includeShadow: plan.includeShadow,
    maxDeletions: plan.maxDeletions,
    now: plan.now,
  };
  const testTaskOwnership: TestTaskOwnership = { repository: plan.repository, cluster, mode: plan.mode };
  const numbers = [
    ...new Set([...pullRequestsToLookUp(services, options), ...revisionPullRequests(revisions, options), ...testTaskPullRequests(tasks, testTaskOwnership)]),
  ].sort((a, b) => a - b);
  const states = await pullRequestStates(plan, dependencies, numbers);
  const selection = selectServices(services, states, options);
  logger.info(
    `${services.length} service(s) in cluster ${plan.cluster}: ${selection.delete.length} to delete, ${selection.keep.length} kept, ` +
      `${selection.unmanaged} unmanaged, ${selection.otherRepository} of other repositories` +
      (plan.mode.kind === "route" ? `, ${selection.otherRoutes} of other routes, ${selection.otherPullRequests} of other pull requests` : "") +
      (plan.mode.kind === "prune" ? `, ${selection.otherRoutes} of other routes or this deploy's` : "") +
      " (untouched)",
  );

  const deletions = await inGroup(logger, `${plan.dryRun ? "Would delete" : "Delete"} ${selection.delete.length} service(s)`, () =>
    deleteServices(ecs, plan.cluster, selection.delete, { concurrency: plan.maxConcurrency, dryRun: plan.dryRun, logger }),
  );
  const deleted = deletions.filter((deletion) => deletion.error === undefined).map((deletion) => deletion.decision);
  const failed = deletions.filter((deletion) => deletion.error !== undefined);
  const kept = [
    ...selection.keep,
    ...failed.map((deletion) => ({ ...deletion.decision, reason: `delete failed: ${deletion.error ?? ""}` })),
  ];
  const deletedArns = new Set(deleted.map((decision) => decision.serviceArn));
  const remaining = services.filter((service) => !deletedArns.has(service.serviceArn));
  const revisionSelection = selectRevisions(revisions, remaining, states, options);

  const mode = plan.mode;
  const routes =
    mode.kind === "prune"
      ? routesPruned(mode, deleted, kept, revisionSelection.retire)
      : routesTornDown(deleted, kept, revisionSelection.retire, revisionSelection.deregistered);
  // Before the route's PR side and on-reap hook: no test keeps running against a route whose data goes.
  const testTaskSelection = selectTestTasks(tasks, { ...testTaskOwnership, removedRoutes: routes, pullRequests: states, now: plan.now });
  if (tasks.length > 0) {
    logger.info(
      `${tasks.length} task(s) started by integration-test in cluster ${plan.cluster}: ${testTaskSelection.stop.length} to stop, ` +
        `${testTaskSelection.keep.length} kept, ${testTaskSelection.untouched} not this repository's or this route's, or stopping (untouched)`,
    );
  }
  const testTaskStops =
    testTaskSelection.stop.length === 0
      ? []
      : await inGroup(logger, `${plan.dryRun ? "Would stop" : "Stop"} ${testTaskSelection.stop.length} leftover test task(s)`, () =>
          stopTestTasks(ecs, plan.cluster, testTaskSelection.stop, { concurrency: plan.maxConcurrency, dryRun: plan.dryRun, logger }),
        );
  const { tornDown, pending } = await tearDownRoutes(plan, dependencies, routes, kept);
  // A pending prune keeps every revision it would retire: one route, whatever pull request a copy was tagged with.
  const isPending = (decision: { route: string; pullRequest: number | undefined }): boolean =>
    pending.some(({ route }) => route.route === decision.route && (mode.kind === "prune" || route.pullRequest === decision.pullRequest));
  // INACTIVE revisions are only deleted, and only when asked: deregistering them again would do nothing.
  const retiring = [...revisionSelection.retire, ...(plan.deleteTaskDefinitions ? revisionSelection.deregistered : [])].filter(
    (decision) => !isPending(decision),
  );
  const taskDefinitions = await inGroup(logger, `Task definitions: ${retiring.length} revision(s) to retire`, () =>
    retireRevisions(ecs, retiring.map((decision) => decision.revision), {
      deleteTaskDefinitions: plan.deleteTaskDefinitions,
      concurrency: plan.maxConcurrency,
      dryRun: plan.dryRun,
      logger,
    }),
  );
  const keptArns = new Set(kept.map((decision) => decision.serviceArn));
  if (!plan.dryRun) await migrateIdentity(ecs, plan.repository, kept, revisionSelection, logger);
  return {
    deleted,
    kept,
    selection,
    revisions: revisionSelection,
    taskDefinitions,
    failedDeletions: failed.length,
    failedFamilies: taskDefinitions.filter((retirement) => retirement.error !== undefined).length,
    tornDown,
    pending: pending.map(({ route, why, error }) => ({ route: route.route, why, ...(error !== undefined ? { error } : {}) })),
    running: services.filter((service) => keptArns.has(service.serviceArn)),
    testTasks: { selection: testTaskSelection, stops: testTaskStops, failed: testTaskStops.filter((stop) => stop.error !== undefined).length },
  };
}

/** Asks GitHub about each pull request once; says once, with the fix, when some could not be read. */
async function pullRequestStates(plan: ReapPlan, dependencies: ReapDependencies, numbers: number[]): Promise<Map<number, PullRequestState>> {
  const { github, logger } = dependencies;
  const states =
    github === undefined
      ? new Map<number, PullRequestState>(numbers.map((number) => [number, { kind: "unknown", reason: "no github-token to ask" }]))
      : await readPullRequestStates(github, plan.owner, plan.repo, numbers, plan.maxConcurrency);
  const unreadable = [...states].filter(
    (entry): entry is [number, Extract<PullRequestState, { kind: "unknown" }>] => entry[1].kind === "unknown",
  );
  if (unreadable.length > 0) {
    const [number, state] = unreadable[0] as [number, Extract<PullRequestState, { kind: "unknown" }>];
    const fix = github === undefined
      ? " Pass github-token to reap closed pull requests' copies."
      : unreadable.some(([, unknown]) => unknown.permissionDenied === true)
        ? " Grant the workflow token 'pull-requests: read'."
        : "";
    logger.warning(
      `could not read ${unreadable.length} pull request(s) (#${number}: ${state.reason}); their copies are reaped only by expires-at or max-age.${fix}`,
    );
  }
  return states;
}

/**
 * The PR side and the on-reap hook of every removed route: in route mode the asked route even when
 * nothing was found (so a rerun after a half-finished reap still fixes the comment), in a sweep each
 * route whose copies are all gone, in a prune the route of the copies it removed (hook only). A
 * route whose GitHub teardown failed in a retryable way, or whose hook threw, is pending.
 */
async function tearDownRoutes(
  plan: ReapPlan,
  dependencies: ReapDependencies,
  routes: RouteTearDown[],
  kept: readonly Decision[],
): Promise<{ tornDown: string[]; pending: { route: RouteTearDown; why: string; error?: Error }[] }> {
  const { logger } = dependencies;
  const mode = plan.mode;
  if (mode.kind === "route" && routes.length === 0 && !kept.some((decision) => decision.route === mode.route)) {
    const number = mode.pullRequest ?? pullRequestOfRoute(mode.route);
    if (number !== undefined) routes.push({ route: mode.route, pullRequest: number, removed: [], reason: mode.because });
  }
  if (mode.kind === "route" && mode.pullRequest !== undefined) {
    for (const route of routes) route.pullRequest ??= mode.pullRequest;
  }
  const tornDown: string[] = [];
  const pending: { route: RouteTearDown; why: string; error?: Error }[] = [];
  // A pruned route lives on: its pull request's comment and deployment are the deploy's to write. Its
  // on-reap runs, told the reason, so that it keeps what the route still uses (docs/design.md §8).
  const tearDown = mode.kind === "prune" ? undefined : dependencies.tearDown;
  const { onRouteRemoved } = dependencies;
  if (plan.dryRun) {
    for (const route of routes) {
      if (route.pullRequest !== undefined && mode.kind !== "prune") {
        logger.info(`would mark route ${route.route} torn down on pull request #${route.pullRequest}`);
        tornDown.push(route.route);
      }
    }
    return { tornDown, pending };
  }
  if (tearDown === undefined && mode.kind !== "prune" && routes.some((route) => route.pullRequest !== undefined)) {
    logger.warning("no github-token: the pull request comments and deployments were left as they were");
  }
  // Sequential: a handful of routes, and each teardown already makes several GitHub calls.
  for (const route of routes) {
    if (route.pullRequest !== undefined && tearDown !== undefined) {
      if (!(await tearDown({ ...route, pullRequest: route.pullRequest }))) {
        const why = "the pull request's comment or deployment could not be updated";
        logger.error(`route ${route.route}: ${why}; its task definitions are kept so that a re-run retries`);
        pending.push({ route, why });
        continue;
      }
      tornDown.push(route.route);
    }
    if (onRouteRemoved !== undefined) {
      try {
        await onRouteRemoved({ ...route, reapReason: reapReason(mode) });
      } catch (error) {
        // The hook's last output lines follow the line that says what happens next.
        const [why = "failed", ...tail] = errorMessage(error).split("\n");
        logger.error([`route ${route.route}: ${why}; its task definitions are kept so that a re-run retries`, ...tail].join("\n"));
        pending.push({ route, why, error: error instanceof Error ? error : new Error(errorMessage(error)) });
      }
    }
  }
  return { tornDown, pending };
}

/**
 * The migration path for copies tagged before the repository id was recorded: each one of ours that
 * stays gets the id, so a later rename of the repository keeps it ours. Best effort: a failure here
 * only means the next run tries again.
 */
async function migrateIdentity(
  ecs: ECSClient,
  repository: RepositoryIdentity,
  kept: readonly Decision[],
  revisions: RevisionSelection,
  logger: Logger,
): Promise<void> {
  const tags = toEcsTags(identityTags(repository));
  if (tags.length === 0) return;
  const arns = [
    ...kept.filter((decision) => decision.migrate).map((decision) => decision.serviceArn),
    ...revisions.keep.filter((decision) => decision.revision.tags[TAG.repositoryId] === undefined).map((decision) => decision.revision.arn),
  ];
  for (const resourceArn of arns) {
    try {
      await ecs.send(new TagResourceCommand({ resourceArn, tags }));
    } catch (error) {
      logger.debug(`could not record the repository id on ${resourceArn}: ${errorMessage(error)}`);
    }
  }
  if (arns.length > 0) logger.info(`recorded the repository id on ${arns.length} copy(ies) and revision(s) tagged before it was kept`);
}
