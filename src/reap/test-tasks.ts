// Which leftover integration-test tasks (runner: ecs-task) the reaper stops, decided from their tags
// alone (docs/design.md §4). Pure. The step stops its own task when it is cancelled or times out; a
// runner that is lost (killed, its machine gone) cannot, and its task would run on, probing and
// writing to a route that is being torn down.
import { ownerOf, type RepositoryIdentity } from "../ecs/ownership.js";
import { TAG } from "../ecs/tags.js";
import { formatDuration } from "../common/duration.js";
import { isValidRoute, type Route } from "../routing/route.js";
import { copyDates, type PullRequestState, type ReapMode, type RouteTearDown } from "./select.js";

/**
 * A sweep stops any test task of this repository that has run longer than this: GitHub ends a job on
 * a GitHub-hosted runner after 6 hours, so no step is still following such a task. Not the sweep's
 * max-age, which measures days since a copy's last deploy, not a test run.
 */
export const MAX_TEST_TASK_RUN_MS = 6 * 60 * 60 * 1000;

/** One task the test runner started (startedBy), as DescribeTasks shows it with its tags. */
export interface ClusterTask {
  taskArn: string;
  /** RUNNING while it runs or is about to; STOPPED once anyone asked it to stop. */
  desiredStatus: string;
  lastStatus: string;
  /** When RunTask created it: a task stuck PENDING counts from there too. */
  createdAt: Date | undefined;
  tags: Readonly<Record<string, string>>;
}

export interface TestTaskDecision {
  taskArn: string;
  route: Route;
  pullRequest: number | undefined;
  baseService: string | undefined;
  reason: string;
}

export interface TestTaskSelection {
  stop: TestTaskDecision[];
  /** Test tasks of this repository and cluster that run on, each with why. */
  keep: TestTaskDecision[];
  /** Tasks that are not this repository's test tasks in this cluster (or are stopping already): never touched. */
  untouched: number;
}

/** Whose test tasks are looked at: this repository's, tagged for this cluster. */
export interface TestTaskOwnership {
  repository: RepositoryIdentity;
  /** The cluster's name: a task tagged for another cluster is not ours to stop, wherever it runs. */
  cluster: string;
  mode: ReapMode;
}

export interface TestTaskSelectionOptions extends TestTaskOwnership {
  /** The routes this run tore down (a sweep's): their test tasks go with them. */
  removedRoutes: readonly RouteTearDown[];
  pullRequests: ReadonlyMap<number, PullRequestState>;
  now: Date;
}

interface TestTaskOfOurs {
  route: Route;
  pullRequest: number | undefined;
  createdAt: Date | undefined;
}

/** The route and pull request of a test task of this repository and cluster that still runs; undefined for any other task. */
function testTaskOfOurs(task: ClusterTask, options: TestTaskOwnership): TestTaskOfOurs | undefined {
  const { tags } = task;
  if (task.desiredStatus !== "RUNNING" || task.lastStatus === "STOPPED") return undefined;
  if (tags[TAG.kind] !== "test" || tags[TAG.cluster] !== options.cluster) return undefined;
  if (ownerOf(tags, options.repository).kind !== "ours") return undefined;
  const route = tags[TAG.route];
  if (route === undefined || !isValidRoute(route)) return undefined;
  const dates = copyDates(tags, route);
  if ("unreadable" in dates) return undefined;
  return { route, pullRequest: dates.pullRequest, createdAt: task.createdAt ?? dates.lastDeployed?.at };
}

/** The pull requests a sweep must ask GitHub about for the test tasks (each once). */
export function testTaskPullRequests(tasks: readonly ClusterTask[], options: TestTaskOwnership): number[] {
  if (options.mode.kind !== "sweep") return [];
  const numbers = new Set<number>();
  for (const task of tasks) {
    const ours = testTaskOfOurs(task, options);
    if (ours?.pullRequest !== undefined) numbers.add(ours.pullRequest);
  }
  return [...numbers].sort((a, b) => a - b);
}

/**
 * Reaping one route stops its test tasks (of its pull request, when one is named). A sweep stops the
 * test tasks of the routes it tore down, of closed pull requests, and any that ran longer than
 * MAX_TEST_TASK_RUN_MS. A deploy's prune stops none: the route lives on, and so do its tests.
 */
export function selectTestTasks(tasks: readonly ClusterTask[], options: TestTaskSelectionOptions): TestTaskSelection {
  const selection: TestTaskSelection = { stop: [], keep: [], untouched: 0 };
  const { mode } = options;
  const removed = new Map(options.removedRoutes.map((route) => [`${route.route}#${route.pullRequest ?? ""}`, route]));
  for (const task of [...tasks].sort((a, b) => (a.taskArn < b.taskArn ? -1 : a.taskArn > b.taskArn ? 1 : 0))) {
    const ours = testTaskOfOurs(task, options);
    if (ours === undefined || mode.kind === "prune") {
      selection.untouched++;
      continue;
    }
    if (mode.kind === "route") {
      const otherPullRequest = mode.pullRequest !== undefined && ours.pullRequest !== undefined && ours.pullRequest !== mode.pullRequest;
      if (ours.route !== mode.route || otherPullRequest) {
        selection.untouched++;
        continue;
      }
    }
    const decision = (reason: string): TestTaskDecision => ({
      taskArn: task.taskArn,
      route: ours.route,
      pullRequest: ours.pullRequest,
      baseService: task.tags[TAG.baseService],
      reason,
    });
    if (mode.kind === "route") {
      selection.stop.push(decision(`route ${ours.route} reaped: ${mode.because}`));
      continue;
    }
    const verdict = sweepVerdict(ours, removed, options);
    (verdict.stop ? selection.stop : selection.keep).push(decision(verdict.reason));
  }
  return selection;
}

function sweepVerdict(task: TestTaskOfOurs, removed: ReadonlyMap<string, RouteTearDown>, options: TestTaskSelectionOptions): { stop: boolean; reason: string } {
  const reasons: string[] = [];
  const tornDown = removed.get(`${task.route}#${task.pullRequest ?? ""}`);
  if (tornDown !== undefined) reasons.push(`route ${task.route} reaped: ${tornDown.reason}`);
  const state = task.pullRequest === undefined ? undefined : options.pullRequests.get(task.pullRequest);
  if (state?.kind === "closed" && tornDown === undefined) reasons.push(`pull request #${task.pullRequest ?? ""} ${state.merged ? "merged" : "closed"}`);
  const ranMs = task.createdAt === undefined ? undefined : options.now.getTime() - task.createdAt.getTime();
  if (ranMs !== undefined && ranMs > MAX_TEST_TASK_RUN_MS) {
    reasons.push(`running for ${formatDuration(ranMs, "readable")}, longer than a job can follow it (${formatDuration(MAX_TEST_TASK_RUN_MS, "readable")})`);
  }
  if (reasons.length > 0) return { stop: true, reason: reasons.join("; ") };
  return { stop: false, reason: ranMs === undefined ? "no creation time" : `running for ${formatDuration(ranMs, "readable")}` };
}
