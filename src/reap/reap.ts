// One reap from start to end: discover, select, delete, retire task definitions, tear down the PR
// side. Knows nothing of @actions/core: the action's main reads inputs into a ReapPlan and writes
// the ReapReport out.
import type { ECSClient } from "@aws-sdk/client-ecs";
import { inGroup, type Logger } from "../common/logger.js";
import { pullRequestOfRoute } from "../routing/route.js";
import { deleteServices, retireTaskDefinitions, type FamilyRetirement } from "./delete.js";
import { discoverServices, readPullRequestStates, type PullRequestsApi } from "./discover.js";
import {
  familiesToDeregister,
  pullRequestsToLookUp,
  routesTornDown,
  selectServices,
  type ClusterService,
  type Decision,
  type PullRequestState,
  type ReapMode,
  type RouteTearDown,
  type Selection,
} from "./select.js";

export interface ReapPlan {
  cluster: string;
  /** `owner/repo` */
  repository: string;
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

/** Turns a PR route's comment into a "torn down" note and its deployments inactive. */
export type TearDown = (route: RouteTearDown & { pullRequest: number }) => Promise<void>;

export interface ReapDependencies {
  ecs: ECSClient;
  /** Undefined without a GitHub token: PR states are then unknown and nothing is torn down. */
  github: PullRequestsApi | undefined;
  tearDown: TearDown | undefined;
  logger: Logger;
}

export interface ReapReport {
  /** Deleted (or, in a dry run, to be deleted). */
  deleted: Decision[];
  /** Kept, each with its reason; a service whose deletion failed is here too. */
  kept: Decision[];
  selection: Selection;
  taskDefinitions: FamilyRetirement[];
  /** Services whose DeleteService failed. */
  failedDeletions: number;
  /** Families whose revisions could not all be deregistered or deleted. */
  failedFamilies: number;
  /** Routes whose PR comment and deployments were torn down (or would be). */
  tornDown: string[];
  /** This repository's copies that still run after the run (the kept ones), as discovered. */
  running: ClusterService[];
}

export async function reap(plan: ReapPlan, dependencies: ReapDependencies): Promise<ReapReport> {
  const { ecs, github, logger } = dependencies;
  const services = await discoverServices(ecs, plan.cluster, plan.maxConcurrency, logger);
  const options = {
    repository: plan.repository,
    mode: plan.mode,
    includeShadow: plan.includeShadow,
    maxDeletions: plan.maxDeletions,
    now: plan.now,
  };
  const numbers = pullRequestsToLookUp(services, options);
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
  const selection = selectServices(services, states, options);
  logger.info(
    `${services.length} service(s) in cluster ${plan.cluster}: ${selection.delete.length} to delete, ${selection.keep.length} kept, ` +
      `${selection.unmanaged} unmanaged, ${selection.otherRepository} of other repositories` +
      (plan.mode.kind === "route" ? `, ${selection.otherRoutes} of other routes` : "") +
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

  const families = familiesToDeregister(services, deleted);
  const taskDefinitions = await inGroup(logger, `Task definitions of ${families.length} family(ies)`, () =>
    retireTaskDefinitions(ecs, families, {
      deleteTaskDefinitions: plan.deleteTaskDefinitions,
      concurrency: plan.maxConcurrency,
      dryRun: plan.dryRun,
      logger,
    }),
  );

  const tornDown = await tearDownRoutes(plan, dependencies, { ...selection, delete: deleted, keep: kept });
  const keptNames = new Set(kept.map((decision) => decision.service));
  return {
    deleted,
    kept,
    selection,
    taskDefinitions,
    failedDeletions: failed.length,
    failedFamilies: taskDefinitions.filter((retirement) => retirement.error !== undefined).length,
    tornDown,
    running: services.filter((service) => keptNames.has(service.serviceName)),
  };
}

/**
 * The PR side of every route left with no copy: in route mode the asked route even when nothing
 * was deployed (so a rerun after a half-finished reap still fixes the comment), in a sweep each
 * route whose copies were all deleted.
 */
async function tearDownRoutes(plan: ReapPlan, dependencies: ReapDependencies, outcome: Selection): Promise<string[]> {
  const routes = routesTornDown(outcome);
  const mode = plan.mode;
  if (mode.kind === "route" && routes.length === 0 && !outcome.keep.some((decision) => decision.route === mode.route)) {
    const number = mode.pullRequest ?? pullRequestOfRoute(mode.route);
    if (number !== undefined && Number.isSafeInteger(number)) routes.push({ route: mode.route, pullRequest: number, removed: [], reason: mode.because });
  }
  if (mode.kind === "route" && mode.pullRequest !== undefined) {
    for (const route of routes) route.pullRequest ??= mode.pullRequest;
  }
  const pullRequestRoutes = routes.filter(
    (route): route is RouteTearDown & { pullRequest: number } => route.pullRequest !== undefined,
  );
  if (pullRequestRoutes.length === 0) return [];
  if (plan.dryRun) {
    for (const route of pullRequestRoutes) {
      dependencies.logger.info(`would mark route ${route.route} torn down on pull request #${route.pullRequest}`);
    }
    return pullRequestRoutes.map((route) => route.route);
  }
  const tearDown = dependencies.tearDown;
  if (tearDown === undefined) {
    dependencies.logger.warning("no github-token: the pull request comments and deployments were left as they were");
    return [];
  }
  // Sequential: a handful of routes, and each teardown already makes several GitHub calls.
  for (const route of pullRequestRoutes) await tearDown(route);
  return pullRequestRoutes.map((route) => route.route);
}
