// Which leftover integration-test tasks the reaper stops: only this repository's test tasks tagged for
// this cluster, of the reaped route, or (in a sweep) of a torn-down route, a closed pull request, or
// running longer than a job can follow them. Pure: tasks as DescribeTasks shows them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TAG } from "../../src/ecs/tags.js";
import { REPOSITORY } from "../helpers/webhooks.js";
import { testTaskTags } from "../helpers/test-task-tags.js";
import type { PullRequestState, ReapMode, RouteTearDown } from "../../src/reap/select.js";
import { MAX_TEST_TASK_RUN_MS, selectTestTasks, testTaskPullRequests, type ClusterTask, type TestTaskSelectionOptions } from "../../src/reap/test-tasks.js";

const NOW = new Date("2026-12-02T12:00:00.000Z");
const HOUR = 3_600_000;
const CLUSTER = "dev";

function testTask(id: string, route: string, overrides: { tags?: Record<string, string | undefined>; createdAt?: Date; desiredStatus?: string; lastStatus?: string } = {}): ClusterTask {
  return {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/${CLUSTER}/${id}`,
    desiredStatus: overrides.desiredStatus ?? "RUNNING",
    lastStatus: overrides.lastStatus ?? "RUNNING",
    createdAt: overrides.createdAt ?? new Date(NOW.getTime() - HOUR),
    tags: testTaskTags(route, CLUSTER, new Date(NOW.getTime() - HOUR), overrides.tags),
  };
}

function options(mode: ReapMode, extra: { removedRoutes?: RouteTearDown[]; pullRequests?: [number, PullRequestState][] } = {}): TestTaskSelectionOptions {
  return {
    repository: { name: REPOSITORY, id: undefined },
    cluster: CLUSTER,
    mode,
    removedRoutes: extra.removedRoutes ?? [],
    pullRequests: new Map(extra.pullRequests ?? []),
    now: NOW,
  };
}

const closeOf7: ReapMode = { kind: "route", route: "pr-7", because: "pull request #7 closed", pullRequest: 7 };
const sweep: ReapMode = { kind: "sweep", maxAgeMs: undefined };

/** Tasks the reaper must never stop, whatever the mode: someone else's, another cluster's, not tests, already stopping. */
const untouchables = [
  testTask("other-repo", "pr-7", { tags: { [TAG.repository]: "Codertocat/Other" } }),
  testTask("other-cluster", "pr-7", { tags: { [TAG.cluster]: "prod" } }),
  testTask("no-cluster-tag", "pr-7", { tags: { [TAG.cluster]: undefined } }),
  testTask("copy-task", "pr-7", { tags: { [TAG.kind]: "ephemeral" } }),
  testTask("unmanaged", "pr-7", { tags: { [TAG.managedBy]: "terraform" } }),
  testTask("stopping", "pr-7", { desiredStatus: "STOPPED", lastStatus: "DEACTIVATING" }),
  testTask("stopped", "pr-7", { lastStatus: "STOPPED" }),
  testTask("bad-route", "pr 7", {}),
  testTask("mismatched-pr", "pr-7", { tags: { [TAG.pullRequest]: "8" } }),
];
const ancient = new Date(NOW.getTime() - 7 * 24 * HOUR);

describe("selectTestTasks", () => {
  it("reaping a route stops its test tasks, running or pending, and nothing else", () => {
    const tasks = [
      testTask("running", "pr-7"),
      testTask("pending", "pr-7", { lastStatus: "PENDING" }),
      testTask("other-route", "pr-8"),
      ...untouchables.map((task) => ({ ...task, createdAt: ancient })),
    ];
    const selection = selectTestTasks(tasks, options(closeOf7));
    assert.deepEqual(selection.stop.map((decision) => [decision.taskArn.split("/").at(-1), decision.route, decision.reason]), [
      ["pending", "pr-7", "route pr-7 reaped: pull request #7 closed"],
      ["running", "pr-7", "route pr-7 reaped: pull request #7 closed"],
    ]);
    assert.equal(selection.untouched, 1 + untouchables.length);
  });

  it("reaping a route for one pull request leaves the test tasks another pull request ran on the same route", () => {
    const shared: ReapMode = { kind: "route", route: "feature-x", because: "pull request #7 closed", pullRequest: 7 };
    const selection = selectTestTasks(
      [testTask("mine", "feature-x", { tags: { [TAG.pullRequest]: "7" } }), testTask("theirs", "feature-x", { tags: { [TAG.pullRequest]: "9" } })],
      options(shared),
    );
    assert.deepEqual(selection.stop.map((decision) => decision.taskArn.split("/").at(-1)), ["mine"]);
  });

  it("a sweep stops the test tasks of routes it tore down, of closed pull requests, and any running longer than the bound; keeps the rest", () => {
    const tasks = [
      testTask("torn-down", "pr-3"),
      testTask("closed-pr", "pr-4"),
      testTask("too-long", "pr-5", { createdAt: new Date(NOW.getTime() - MAX_TEST_TASK_RUN_MS - HOUR) }),
      testTask("just-under", "pr-6", { createdAt: new Date(NOW.getTime() - MAX_TEST_TASK_RUN_MS + 1000) }),
      testTask("open-pr", "pr-7"),
      ...untouchables.map((task) => ({ ...task, createdAt: ancient })),
    ];
    const sweepOptions = options(sweep, {
      removedRoutes: [{ route: "pr-3", pullRequest: 3, removed: ["orders--pr-3"], reason: "expired at 2026-12-01T00:00:00.000Z" }],
      pullRequests: [
        [4, { kind: "closed", merged: true }],
        [7, { kind: "open" }],
      ],
    });
    assert.deepEqual(testTaskPullRequests(tasks, sweepOptions), [3, 4, 5, 6, 7]);
    const selection = selectTestTasks(tasks, sweepOptions);
    assert.deepEqual(selection.stop.map((decision) => [decision.taskArn.split("/").at(-1), decision.reason]), [
      ["closed-pr", "pull request #4 merged"],
      ["too-long", "running for 420 min, longer than a job can follow it (360 min)"],
      ["torn-down", "route pr-3 reaped: expired at 2026-12-01T00:00:00.000Z"],
    ]);
    assert.deepEqual(selection.keep.map((decision) => decision.taskArn.split("/").at(-1)), ["just-under", "open-pr"]);
    assert.equal(selection.untouched, untouchables.length);
  });

  it("reaping a route stops its tasks of the named pull request and those without one, never another route's", () => {
    const tasks = [
      testTask("no-pull-request", "pr-7", { tags: { [TAG.pullRequest]: undefined } }),
      testTask("same-number-other-route", "feature-y", { tags: { [TAG.pullRequest]: "7" } }),
    ];
    assert.deepEqual(selectTestTasks(tasks, options(closeOf7)).stop.map((decision) => decision.taskArn.split("/").at(-1)), ["no-pull-request"]);
    const branchRoute: ReapMode = { kind: "route", route: "feature-y", because: "pull request #7 closed", pullRequest: 7 };
    const pushed = testTask("pushed", "feature-y", { tags: { [TAG.pullRequest]: undefined } });
    assert.deepEqual(selectTestTasks([pushed], options(branchRoute)).stop.map((decision) => decision.taskArn.split("/").at(-1)), ["pushed"]);
  });

  it("reaping a route with no pull request named (the route input) stops every pull request's test tasks on it", () => {
    const requested: ReapMode = { kind: "route", route: "feature-x", because: "asked for", pullRequest: undefined };
    const tasks = [testTask("of-9", "feature-x", { tags: { [TAG.pullRequest]: "9" } }), testTask("of-7", "feature-x", { tags: { [TAG.pullRequest]: "7" } })];
    assert.deepEqual(selectTestTasks(tasks, options(requested)).stop.map((decision) => decision.taskArn.split("/").at(-1)), ["of-7", "of-9"]);
    assert.deepEqual(testTaskPullRequests(tasks, options(requested)), [], "only a sweep asks GitHub about test tasks");
  });

  it("asks GitHub about each pull request once, in numeric order", () => {
    const tasks = [testTask("a", "pr-12"), testTask("b", "pr-9"), testTask("c", "pr-30"), testTask("d", "pr-9")];
    assert.deepEqual(testTaskPullRequests(tasks, options(sweep)), [9, 12, 30]);
  });

  it("a sweep gives one reason per cause: a torn-down route's, not also its closed pull request's; a closed pull request's task that also ran too long, both", () => {
    const tasks = [
      testTask("torn-down-and-closed", "pr-3"),
      testTask("closed-and-long", "pr-4", { createdAt: new Date(NOW.getTime() - MAX_TEST_TASK_RUN_MS - HOUR) }),
      testTask("branch-route", "feature-x", { tags: { [TAG.pullRequest]: undefined } }),
      testTask("at-the-bound", "pr-8", { createdAt: new Date(NOW.getTime() - MAX_TEST_TASK_RUN_MS) }),
    ];
    const selection = selectTestTasks(
      tasks,
      options(sweep, {
        removedRoutes: [
          { route: "pr-3", pullRequest: 3, removed: ["orders--pr-3"], reason: "pull request #3 closed" },
          { route: "feature-x", pullRequest: undefined, removed: ["orders--feature-x"], reason: "expired at 2026-12-01T00:00:00.000Z" },
        ],
        pullRequests: [
          [3, { kind: "closed", merged: false }],
          [4, { kind: "closed", merged: false }],
          [8, { kind: "open" }],
        ],
      }),
    );
    assert.deepEqual(selection.stop.map((decision) => [decision.taskArn.split("/").at(-1), decision.reason]), [
      ["branch-route", "route feature-x reaped: expired at 2026-12-01T00:00:00.000Z"],
      ["closed-and-long", "pull request #4 closed; running for 420 min, longer than a job can follow it (360 min)"],
      ["torn-down-and-closed", "route pr-3 reaped: pull request #3 closed"],
    ]);
    assert.deepEqual(selection.keep.map((decision) => [decision.taskArn.split("/").at(-1), decision.reason]), [["at-the-bound", "running for 360 min"]]);
  });

  it("a sweep keeps a task it cannot date, and says so", () => {
    const undated = { ...testTask("undated", "pr-8", { tags: { [TAG.createdAt]: undefined } }), createdAt: undefined };
    const selection = selectTestTasks([undated], options(sweep, { pullRequests: [[8, { kind: "open" }]] }));
    assert.deepEqual(selection.keep.map((decision) => decision.reason), ["no creation time"]);
  });

  it("a deploy's prune stops no test task: its route lives on", () => {
    const prune: ReapMode = { kind: "prune", route: "pr-7", because: "not in this deploy", keep: [] };
    const selection = selectTestTasks([testTask("running", "pr-7", { createdAt: ancient })], options(prune));
    assert.deepEqual([selection.stop, selection.keep, selection.untouched], [[], [], 1]);
  });

  it("the repository id decides ownership when both sides have one: a renamed repository's tasks stay its own, a re-created one's do not", () => {
    const withId = (id: string, name: string) => testTask(`${id}-${name.split("/")[1] ?? ""}`, "pr-7", { tags: { [TAG.repositoryId]: id, [TAG.repository]: name } });
    const selection = selectTestTasks([withId("42", "Codertocat/Old-Name"), withId("99", REPOSITORY)], {
      ...options(closeOf7),
      repository: { name: REPOSITORY, id: "42" },
    });
    assert.deepEqual(selection.stop.map((decision) => decision.taskArn.split("/").at(-1)), ["42-Old-Name"]);
  });
});
