// End to end through the committed bundle: integration-test with runner: ecs-task registers the test
// task definition from a base service's, runs it in the ECS emulator, streams its log stream from the
// CloudWatch Logs emulator (real @aws-sdk/client-cloudwatch-logs over HTTP) into the step log, exits
// with the container's exit code, and stops the task when the step is cancelled.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ListTasksCommand, type ECSClient, type Task } from "@aws-sdk/client-ecs";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { ecsClient } from "../helpers/ecs.js";
import { startLogsEmulator, type LogsEmulator } from "../emulators/logs/index.js";
import { runBundle, type BundleRunOptions } from "../helpers/action-runner.js";
import { codeTexts, withoutCode } from "../helpers/markdown.js";
import { pullRequestEvent } from "../helpers/webhooks.js";
import { loggingTaskDefinition, REPOSITORY, seedBaseService } from "../helpers/deploy.js";

const FAMILY = "orders--test--pr-7";
let ecs: EcsEmulator;
let logs: LogsEmulator;
let client: ECSClient;

function runTestTask(inputs: Record<string, string> = {}, options: Omit<BundleRunOptions, "inputs" | "event" | "env"> = {}) {
  return runBundle("integration-test", {
    event: { name: "pull_request", payload: pullRequestEvent("opened", { number: 7 }) },
    inputs: {
      run: "npm run test:integration",
      runner: "ecs-task",
      "test-image": "ghcr.io/acme/shop-tests:1.4",
      "task-base-service": "orders",
      cluster: "default",
      "log-poll-interval": "0.2",
      ...inputs,
    },
    env: { AWS_ENDPOINT_URL_ECS: ecs.url, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.url },
    ...options,
  });
}

async function testTasks(desiredStatus: "RUNNING" | "STOPPED"): Promise<Task[]> {
  const { taskArns = [] } = await client.send(new ListTasksCommand({ family: FAMILY, desiredStatus }));
  if (taskArns.length === 0) return [];
  return (await client.send(new DescribeTasksCommand({ tasks: taskArns, include: ["TAGS"] }))).tasks ?? [];
}

before(async () => {
  logs = await startLogsEmulator();
  ecs = await startEcsEmulator({ logs });
  client = ecsClient(ecs);
  seedBaseService(ecs, "orders", { desiredCount: 1, taskDefinition: loggingTaskDefinition("orders", { "awslogs-region": "us-east-1" }) });
});

after(async () => {
  await ecs.close();
  await logs.close();
});

describe("integration-test with runner: ecs-task", () => {
  afterEach(() => ecs.configure({ runTask: { startMs: 0, runMs: 1000, exitCode: 0, logLines: [], stoppedReason: "Essential container in task exited" } }));

  it("runs the tests as a task of the test image, placed and logged like the base service, with today's environment and the copies' tags", async () => {
    const lines = Array.from({ length: 12 }, (_, line) => `test ${line + 1} ok`);
    ecs.configure({ runTask: { startMs: 0, runMs: 1500, exitCode: 0, logLines: lines } });
    const run = await runTestTask();
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.equal(run.outputs["exit-code"], "0");

    // Every line, in order, in the step log.
    const printed = run.stdout.split("\n").filter((line) => /^test \d+ ok$/.test(line));
    assert.deepEqual(printed, lines);

    const [task] = await testTasks("STOPPED");
    assert.ok(task?.taskArn);
    assert.equal(task.launchType, "FARGATE");
    const override = task.overrides?.containerOverrides?.[0];
    assert.equal(override?.name, "integration-test");
    assert.deepEqual(override?.command, ["sh", "-c", "npm run test:integration"]);
    assert.deepEqual(
      Object.fromEntries((override?.environment ?? []).map((variable) => [variable.name, variable.value])),
      {
        ROUTE: "pr-7",
        ROUTE_HEADER_NAME: "X-Route-Version",
        ROUTE_HEADER: "X-Route-Version: pr-7",
        ROUTE_COOKIE: "x-route-version=pr-7",
        ROUTE_BAGGAGE: "dynamic_route=pr-7",
        ROUTE_HEADERS_JSON: JSON.stringify({ "X-Route-Version": "pr-7", baggage: "dynamic_route=pr-7" }),
      },
    );
    const tags = Object.fromEntries((task.tags ?? []).map((tag) => [tag.key, tag.value]));
    assert.equal(tags["dynamic-routing:managed-by"], "ecs-dynamic-routing");
    assert.equal(tags["dynamic-routing:route"], "pr-7");
    assert.equal(tags["dynamic-routing:kind"], "test");
    assert.equal(tags["dynamic-routing:repository"], REPOSITORY);
    assert.equal(tags["dynamic-routing:base-service"], "orders");
    assert.equal(tags["dynamic-routing:pull-request"], "7");

    const { taskDefinition, tags: definitionTags = [] } = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinitionArn, include: ["TAGS"] }));
    assert.equal(taskDefinition?.family, FAMILY);
    assert.equal(taskDefinition?.executionRoleArn, "arn:aws:iam::123456789012:role/ecs-task-execution");
    assert.equal(taskDefinition?.taskRoleArn, undefined, "the tests never get the base service's own role");
    assert.deepEqual(taskDefinition?.containerDefinitions?.map((container) => [container.name, container.image]), [["integration-test", "ghcr.io/acme/shop-tests:1.4"]]);
    assert.equal(taskDefinition?.containerDefinitions?.[0]?.logConfiguration?.options?.["awslogs-group"], "/ecs/dev");
    assert.ok(definitionTags.some((tag) => tag.key === "dynamic-routing:kind" && tag.value === "test"));
    assert.ok(codeTexts(run.summary).includes(task.taskArn), run.summary);
  });

  it("exits with the container's exit code and shows the stopped reason as inert text", async () => {
    const reason = "Essential container in task exited\n::error::forged <img src=x onerror=alert(1)> [link](https://evil.example)";
    ecs.configure({ runTask: { startMs: 0, runMs: 300, exitCode: 3, logLines: ["1 failing"], stoppedReason: reason } });
    const run = await runTestTask();
    assert.equal(run.exitCode, 3, run.stdout + run.stderr);
    assert.equal(run.outputs["exit-code"], "3");
    assert.match(run.stdout, /1 failing/);
    assert.match(run.errors[0] ?? "", /^the test task's container exited with 3 \(task stopped: Essential container in task exited ::error::forged/);
    assert.ok(!run.stdout.split("\n").some((line) => line.startsWith("::error::forged")), run.stdout);
    assert.ok(codeTexts(run.summary).includes(reason.replace("\n", " ")), run.summary);
    assert.doesNotMatch(withoutCode(run.summary), /<img|href=|evil/);
  });

  it("starts one task when RunTask's answer is lost and the SDK retries it: the retry carries the same clientToken (the SDK fills it), which ECS answers with the task it started", async () => {
    ecs.configure({ runTask: { startMs: 0, runMs: 300, exitCode: 0, logLines: ["once"] } });
    const before = (await testTasks("STOPPED")).length;
    ecs.resetCalls();
    ecs.failAfterEffect("RunTask", 1);
    const run = await runTestTask();
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.deepEqual(ecs.calls().filter((call) => call.operation === "RunTask").map((call) => call.outcome), ["server-error-after-effect", "ok"]);
    assert.equal((await testTasks("STOPPED")).length, before + 1);
    assert.deepEqual(await testTasks("RUNNING"), []);
  });

  it("stops the task when the step is cancelled", async () => {
    ecs.configure({ runTask: { startMs: 0, runMs: 3_600_000, exitCode: 0, logLines: ["started"] } });
    const running = ecs.nextCall((call) => call.operation === "DescribeTasks");
    const run = await runTestTask({}, { interrupt: { signal: "SIGINT", when: running } });
    assert.equal(run.exitCode, 130, run.stdout + run.stderr);
    assert.match(run.errors[0] ?? "", /^the step was cancelled: test task arn:aws:ecs:\S+ stopped/);
    assert.deepEqual(await testTasks("RUNNING"), []);
    const stopped = (await testTasks("STOPPED")).find((task) => task.stoppedReason === "integration-test step cancelled");
    assert.equal(stopped?.stopCode, "UserInitiated");
  });

  it("probes from inside the task: the command waits for the route before it runs the tests", async () => {
    ecs.configure({ runTask: { startMs: 0, runMs: 100, exitCode: 0 } });
    const run = await runTestTask({ "probe-urls": "http://orders.dev.internal/health", "probe-timeout": "60" });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    const task = (await testTasks("STOPPED")).at(-1);
    const [shell, flag, script] = task?.overrides?.containerOverrides?.[0]?.command ?? [];
    assert.deepEqual([shell, flag], ["sh", "-c"]);
    assert.match(script ?? "", /^live 'http:\/\/orders\.dev\.internal\/health' 'http:\/\/orders\.dev\.internal\/health' '' /m);
    assert.match(script ?? "", /\nexec sh -c 'npm run test:integration'$/);
    assert.ok(codeTexts(run.summary).includes("http://orders.dev.internal/health"), run.summary);
  });

  it("refuses what cannot work before it starts anything: no test image, the local proxy, credentials in a probe URL", async () => {
    ecs.resetCalls();
    for (const [inputs, line] of [
      [{ "test-image": "" }, /^Input 'test-image': is required; with runner: ecs-task/],
      [{ proxy: "true" }, /^Input 'proxy': runs on the runner/],
      [{ "probe-urls": "https://ci:secret@orders.dev.example.com/health" }, /^Input 'probe-urls': 'https:\/\/\*\*\*@orders\.dev\.example\.com\/health' has credentials/],
    ] as const) {
      const run = await runTestTask(inputs);
      assert.equal(run.exitCode, 1);
      assert.match(run.errors[0] ?? "", line);
      assert.doesNotMatch(run.stdout, /secret/);
    }
    assert.deepEqual(ecs.calls().filter((call) => call.mutating), []);
  });
});
