// End to end through the reap bundle: leftover integration-test tasks (runner: ecs-task) — a step whose
// runner was lost cannot stop its own — are stopped when their route is reaped or swept, and by a
// sweep when they have run longer than a job can follow them. Never another repository's, another
// cluster's, or a task that is not a test task.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";
import { runBundle, type BundleRun } from "../helpers/action-runner.js";
import { pullRequestEvent, REPOSITORY } from "../helpers/webhooks.js";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { startLogsEmulator, type LogsEmulator } from "../emulators/logs/index.js";
import { startGitHubEmulator } from "../emulators/github/index.js";
import { awsvpc, ecsClient } from "../helpers/ecs.js";
import { loggingTaskDefinition, seedBaseService } from "../helpers/deploy.js";
import { testTaskTags } from "../helpers/test-task-tags.js";
import { toEcsTags } from "../../src/ecs/route-tags.js";
import { TAG, TEST_TASK_STARTED_BY } from "../../src/ecs/tags.js";

const TOKEN = "ghs_reaptesttoken";
const CLUSTER = "dev";
const HOUR = 3_600_000;

let ecsEmulator: EcsEmulator;
let logs: LogsEmulator;
let github: Awaited<ReturnType<typeof startGitHubEmulator>>;
let ecs: ECSClient;
/** Added to the wall clock by the ECS emulator: a task started with it negative was created that long ago. */
let clockOffsetMs = 0;

beforeEach(async () => {
  clockOffsetMs = 0;
  logs = await startLogsEmulator();
  // Test tasks run for a day unless stopped.
  ecsEmulator = await startEcsEmulator({ clusters: [CLUSTER], logs, clock: () => Date.now() + clockOffsetMs, runTask: { startMs: 0, runMs: 24 * HOUR, exitCode: 0 } });
  ecs = ecsClient(ecsEmulator);
  github = await startGitHubEmulator();
  github.addRepository(REPOSITORY);
  github.addToken(TOKEN, { login: "github-actions[bot]", type: "Bot", installation: true });
});

afterEach(async () => {
  ecs.destroy();
  await Promise.all([ecsEmulator.close(), logs.close(), github.close()]);
});

/** The integration-test step of pull request 7 with runner: ecs-task, its runner lost (SIGKILL) while the task runs. */
async function leaveTestTaskOfLostRunner(): Promise<string> {
  seedBaseService(ecsEmulator, "orders", { cluster: CLUSTER, taskDefinition: loggingTaskDefinition("orders") });
  const run = await runBundle("integration-test", {
    event: { name: "pull_request", payload: pullRequestEvent("opened", { number: 7 }) },
    inputs: { run: "npm run test:integration", runner: "ecs-task", "test-image": "ghcr.io/acme/shop-tests:1.4", "task-base-service": "orders", cluster: CLUSTER, "log-poll-interval": "0.2" },
    env: { AWS_ENDPOINT_URL_ECS: ecsEmulator.url, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.url },
    killWhen: ecsEmulator.nextCall((call) => call.operation === "DescribeTasks"),
  });
  assert.ok(run.killed, run.stdout + run.stderr);
  const [task] = await runningTasks();
  assert.ok(task?.taskArn, "the lost step's test task runs on");
  return task.taskArn;
}

/** A task started with these tags in family `<base>--test--<route>` (or `family`), as another run or another tool left it. */
async function startTask(route: string, tags: Record<string, string | undefined> = {}, family = `orders--test--${route}`): Promise<string> {
  const ecsTags = toEcsTags(testTaskTags(route, CLUSTER, new Date(Date.now() + clockOffsetMs), tags));
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
      containerDefinitions: [{ name: "integration-test", image: "ghcr.io/acme/shop-tests:1.4", essential: true }],
    }),
  );
  const run = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: family, launchType: "FARGATE", networkConfiguration: awsvpc, startedBy: TEST_TASK_STARTED_BY, tags: ecsTags }));
  return run.tasks?.[0]?.taskArn as string;
}

/** The one-off tasks (not the base service's), by their RunTask startedBy. */
async function oneOffTasks(desiredStatus: "RUNNING" | "STOPPED"): Promise<Task[]> {
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: TEST_TASK_STARTED_BY, desiredStatus }));
  if (taskArns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }))).tasks ?? [];
}
const runningTasks = () => oneOffTasks("RUNNING");

async function stoppedReasons(): Promise<Map<string, string | undefined>> {
  return new Map((await oneOffTasks("STOPPED")).map((task) => [task.taskArn as string, task.stoppedReason]));
}

function reapBundle(inputs: Record<string, string>, event: { name: string; payload: Record<string, unknown> }): Promise<BundleRun> {
  return runBundle("reap", {
    inputs: { cluster: CLUSTER, "github-token": TOKEN, ...inputs },
    event,
    env: { ...ecsEmulator.endpointEnv(), GITHUB_API_URL: github.url },
  });
}

const closed7 = { name: "pull_request", payload: pullRequestEvent("closed", { number: 7, merged: true }) };
const schedule = { name: "schedule", payload: { schedule: "0 3 * * *" } };

/** Test tasks on pr-7 the reaper must leave running: another repository's, another cluster's, not a test task; and pr-8's. */
async function startUntouchables(): Promise<string[]> {
  return [
    await startTask("pr-7", { [TAG.repository]: "Codertocat/Other" }),
    await startTask("pr-7", { [TAG.cluster]: "prod" }),
    await startTask("pr-7", { [TAG.kind]: "ephemeral" }, "orders--pr-7"),
    await startTask("pr-8"),
  ];
}

describe("reap stops leftover test tasks", () => {
  it("closing pull request 7 stops the test task its lost runner left, with the reason, and no other task", async () => {
    github.addPullRequest(REPOSITORY, { number: 7, state: "closed", merged: true, headRef: "changes" });
    const leftover = await leaveTestTaskOfLostRunner();
    const untouchables = await startUntouchables();

    const run = await reapBundle({}, closed7);

    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(stoppedReasonOf(await stoppedReasons(), leftover), /^ecs-dynamic-routing reaper: route pr-7 reaped: pull request #7 merged/);
    assert.deepEqual((await runningTasks()).map((task) => task.taskArn).sort(), [...untouchables].sort());
    assert.ok(run.stdout.includes(`stopped test task ${leftover} of route pr-7`), run.stdout);
    assert.match(run.summary, /Stopped leftover test tasks \(1\)/);
    assert.ok(run.summary.includes(leftover.split("/").at(-1) as string), run.summary);
  });

  it("a dry run says which test task it would stop and stops none", async () => {
    github.addPullRequest(REPOSITORY, { number: 7, state: "closed", merged: true, headRef: "changes" });
    const leftover = await startTask("pr-7");
    const untouchables = await startUntouchables();
    ecsEmulator.resetCalls();

    const run = await reapBundle({ "dry-run": "true" }, closed7);

    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.ok(run.stdout.includes(`would stop test task ${leftover} of route pr-7`), run.stdout);
    assert.match(run.summary, /Would stop leftover test tasks \(1\)/);
    assert.deepEqual(ecsEmulator.calls().filter((call) => call.mutating), []);
    assert.deepEqual((await runningTasks()).map((task) => task.taskArn).sort(), [leftover, ...untouchables].sort());
  });

  it("a sweep stops a test task running for 7 hours and one of a closed pull request; a young one of an open pull request runs on", async () => {
    github.addPullRequest(REPOSITORY, { number: 9, state: "open", headRef: "nine" });
    github.addPullRequest(REPOSITORY, { number: 10, state: "closed", headRef: "ten" });
    github.addPullRequest(REPOSITORY, { number: 11, state: "open", headRef: "eleven" });
    clockOffsetMs = -7 * HOUR;
    const old = await startTask("pr-9");
    const otherRepositoryOld = await startTask("pr-9", { [TAG.repository]: "Codertocat/Other" });
    clockOffsetMs = 0;
    const ofClosed = await startTask("pr-10");
    const young = await startTask("pr-11");

    const run = await reapBundle({}, schedule);

    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    const reasons = await stoppedReasons();
    assert.match(stoppedReasonOf(reasons, old), /^ecs-dynamic-routing reaper: running for 420 min, longer than a job can follow it \(360 min\)$/);
    assert.equal(stoppedReasonOf(reasons, ofClosed), "ecs-dynamic-routing reaper: pull request #10 closed");
    assert.deepEqual((await runningTasks()).map((task) => task.taskArn).sort(), [otherRepositoryOld, young].sort());
  });

  it("a StopTask that fails fails the step, saying so; the next run stops the task", async () => {
    github.addPullRequest(REPOSITORY, { number: 7, state: "closed", merged: true, headRef: "changes" });
    const leftover = await startTask("pr-7");
    ecsEmulator.failCalls("StopTask", { after: 0, type: "AccessDeniedException", message: "not authorized to perform: ecs:StopTask" });

    const failed = await reapBundle({}, closed7);

    assert.equal(failed.exitCode, 1, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /could not stop test task \S+ of route pr-7: .*ecs:StopTask/);
    assert.match(failed.errors.at(-1) ?? "", /and stop 1 test task; see the errors above, then run the reap again$/);
    assert.deepEqual((await runningTasks()).map((task) => task.taskArn), [leftover]);

    ecsEmulator.failCalls("StopTask", undefined);
    const retried = await reapBundle({}, closed7);

    assert.equal(retried.exitCode, 0, retried.stdout + retried.stderr);
    assert.deepEqual(await runningTasks(), []);
  });
});

function stoppedReasonOf(reasons: Map<string, string | undefined>, taskArn: string): string {
  assert.ok(reasons.has(taskArn), `${taskArn} is not stopped`);
  return reasons.get(taskArn) ?? "";
}
