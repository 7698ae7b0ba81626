// RunTask, DescribeTasks and StopTask of one-off tasks (integration tests run as ECS tasks), through
// the real SDK. A task's course is set by the emulator's runTask knob, never by racing the clock.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, InvalidParameterException } from "@aws-sdk/client-ecs";
import { startLogsEmulator } from "../logs/index.js";
import { startEcsEmulator } from "./index.js";
import { awsvpc, ecsClient, fargateTaskDefinition, withEmulator } from "../../helpers/ecs.js";

describe("ECS emulator: one-off tasks", () => {
  it("runs a task that exits with the set exit code, with its group, startedBy, overrides and tags", async () => {
    await withEmulator({ runTask: { startMs: 0, runMs: 0, exitCode: 3 } }, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("tests")));
      const run = await ecs.send(
        new RunTaskCommand({
          taskDefinition: "tests",
          launchType: "FARGATE",
          networkConfiguration: awsvpc,
          startedBy: "integration-test",
          overrides: { containerOverrides: [{ name: "app", command: ["npm", "test"], environment: [{ name: "ROUTE", value: "pr-7" }] }] },
          tags: [{ key: "dynamic-routing:route", value: "pr-7" }],
        }),
      );
      const [started] = run.tasks ?? [];
      assert.ok(started?.taskArn);
      const [task] = (await ecs.send(new DescribeTasksCommand({ tasks: [started.taskArn], include: ["TAGS"] }))).tasks ?? [];
      assert.equal(task?.lastStatus, "STOPPED");
      assert.equal(task?.stopCode, "EssentialContainerExited");
      assert.equal(task?.stoppedReason, "Essential container in task exited");
      assert.equal(task?.containers?.[0]?.exitCode, 3);
      assert.equal(task?.group, "family:tests");
      assert.equal(task?.startedBy, "integration-test");
      assert.equal(task?.launchType, "FARGATE");
      assert.deepEqual(task?.overrides?.containerOverrides?.[0]?.command, ["npm", "test"]);
      assert.deepEqual(task?.tags, [{ key: "dynamic-routing:route", value: "pr-7" }]);
    });
  });

  it("keeps a task RUNNING for its run time; StopTask stops it with the reason and SIGTERM's exit code", async () => {
    await withEmulator({ runTask: { startMs: 0, runMs: 3_600_000, exitCode: 0 } }, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("tests")));
      const run = await ecs.send(new RunTaskCommand({ taskDefinition: "tests", launchType: "FARGATE", networkConfiguration: awsvpc }));
      const taskArn = run.tasks?.[0]?.taskArn as string;
      const running = (await ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }))).tasks?.[0];
      assert.equal(running?.lastStatus, "RUNNING");
      assert.equal(running?.desiredStatus, "RUNNING");
      assert.equal(running?.containers?.[0]?.exitCode, undefined);
      assert.deepEqual((await ecs.send(new ListTasksCommand({ family: "tests" }))).taskArns, [taskArn]);

      await ecs.send(new StopTaskCommand({ task: taskArn, reason: "integration-test step cancelled" }));
      const stopped = (await ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }))).tasks?.[0];
      assert.equal(stopped?.lastStatus, "STOPPED");
      assert.equal(stopped?.stopCode, "UserInitiated");
      assert.equal(stopped?.stoppedReason, "integration-test step cancelled");
      assert.equal(stopped?.containers?.[0]?.exitCode, 143);
      assert.deepEqual((await ecs.send(new ListTasksCommand({ family: "tests", desiredStatus: "STOPPED" }))).taskArns, [taskArn]);
    });
  });

  it("refuses what ECS refuses: awsvpc without a network configuration, an unknown container override, an unknown task", async () => {
    await withEmulator({}, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("tests")));
      await assert.rejects(ecs.send(new RunTaskCommand({ taskDefinition: "tests", launchType: "FARGATE" })), InvalidParameterException);
      await assert.rejects(
        ecs.send(new RunTaskCommand({ taskDefinition: "tests", launchType: "FARGATE", networkConfiguration: awsvpc, overrides: { containerOverrides: [{ name: "nope" }] } })),
        InvalidParameterException,
      );
      await assert.rejects(ecs.send(new StopTaskCommand({ task: "0123456789abcdef0123456789abcdef" })), InvalidParameterException);
    });
  });
  it("answers a RunTask repeated with its clientToken with the task it started, and refuses the token with other parameters", async () => {
    await withEmulator({ runTask: { startMs: 0, runMs: 3_600_000, exitCode: 0 } }, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("tests")));
      const request = { taskDefinition: "tests", launchType: "FARGATE" as const, networkConfiguration: awsvpc, clientToken: "run-9001-attempt-1" };
      const first = await ecs.send(new RunTaskCommand(request));
      const again = await ecs.send(new RunTaskCommand(request));
      assert.equal(again.tasks?.[0]?.taskArn, first.tasks?.[0]?.taskArn);
      assert.equal((await ecs.send(new ListTasksCommand({ family: "tests" }))).taskArns?.length, 1);
      await assert.rejects(ecs.send(new RunTaskCommand({ ...request, startedBy: "someone-else" })), InvalidParameterException);
      await assert.rejects(ecs.send(new RunTaskCommand({ ...request, clientToken: "x".repeat(65) })), InvalidParameterException);
    });
  });

  it("prints a task's log lines, spread over its run time, into the stream of its awslogs configuration; StopTask cuts them off", async () => {
    let now = 1_000_000;
    const logs = await startLogsEmulator({ clock: () => now });
    const emulator = await startEcsEmulator({ logs, clock: () => now, runTask: { startMs: 100, runMs: 4_000, exitCode: 0, logLines: ["a", "b", "c", "d"] } });
    try {
      const ecs = ecsClient(emulator);
      const definition = fargateTaskDefinition("tests");
      const [container] = definition.containerDefinitions ?? [];
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          ...definition,
          containerDefinitions: [{ ...container, logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/dev", "awslogs-stream-prefix": "tests" } } }],
        }),
      );
      const run = await ecs.send(new RunTaskCommand({ taskDefinition: "tests", launchType: "FARGATE", networkConfiguration: awsvpc }));
      const taskArn = run.tasks?.[0]?.taskArn as string;
      const stream = `tests/${container?.name}/${taskArn.split("/").at(-1)}`;
      assert.deepEqual(logs.events("/ecs/dev", stream), [
        { timestamp: 1_000_100, message: "a" },
        { timestamp: 1_001_100, message: "b" },
        { timestamp: 1_002_100, message: "c" },
        { timestamp: 1_003_100, message: "d" },
      ]);
      now = 1_001_500;
      await ecs.send(new StopTaskCommand({ task: taskArn }));
      assert.deepEqual(logs.events("/ecs/dev", stream).map((event) => event.message), ["a", "b"]);
    } finally {
      await emulator.close();
      await logs.close();
    }
  });
});
