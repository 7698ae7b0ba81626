import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
  type ECSClient,
  type Service,
} from "@aws-sdk/client-ecs";
import { awsvpc, eventually, fargateTaskDefinition, ManualClock, withEmulator } from "../../helpers/ecs.js";

async function describeOne(ecs: ECSClient, name: string): Promise<Service> {
  const described = await ecs.send(new DescribeServicesCommand({ services: [name] }));
  const service = described.services?.[0];
  assert.ok(service, `service ${name} described`);
  return service;
}

const untilRollout = (ecs: ECSClient, name: string, state: string) =>
  eventually(async () => {
    const service = await describeOne(ecs, name);
    return service.deployments?.[0]?.rolloutState === state ? service : undefined;
  });

describe("ECS emulator: deployments", () => {
  it("rolls a deployment IN_PROGRESS -> COMPLETED over stabilizationMs, replacing the old one", () => {
    const clock = new ManualClock();
    return withEmulator({ stabilizationMs: 150, clock: clock.now }, async (emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders", "orders:1")));
      const created = await ecs.send(
        new CreateServiceCommand({ serviceName: "orders", taskDefinition: "orders", desiredCount: 3, networkConfiguration: awsvpc }),
      );
      const first = created.service?.deployments?.[0];
      assert.equal(first?.status, "PRIMARY");
      assert.equal(first?.rolloutState, "IN_PROGRESS");
      assert.equal(first?.runningCount, 0);
      assert.equal(first?.pendingCount, 3);
      assert.equal(emulator.deploymentCompletedAt("default", "orders"), undefined);

      clock.advance(150);
      const stable = await untilRollout(ecs, "orders", "COMPLETED");
      assert.equal(stable.runningCount, 3);
      assert.equal(stable.deployments?.length, 1);
      assert.match(stable.deployments?.[0]?.rolloutStateReason ?? "", /completed/);
      assert.match(stable.events?.[0]?.message ?? "", /has reached a steady state/);
      const completedAt = emulator.deploymentCompletedAt("default", "orders");
      assert.ok(completedAt !== undefined && completedAt >= (first?.createdAt?.getTime() ?? Infinity) + 150);

      const second = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders", "orders:2")));
      const updated = await ecs.send(new UpdateServiceCommand({ service: "orders", taskDefinition: "orders" }));
      assert.equal(updated.service?.taskDefinition, second.taskDefinition?.taskDefinitionArn);
      assert.deepEqual(
        updated.service?.deployments?.map((deployment) => [deployment.status, deployment.rolloutState, deployment.taskDefinition?.split("/")[1]]),
        [
          ["PRIMARY", "IN_PROGRESS", "orders:2"],
          ["ACTIVE", "COMPLETED", "orders:1"],
        ],
      );
      assert.equal(emulator.deploymentCompletedAt("default", "orders"), undefined, "the new PRIMARY is not completed yet");
      clock.advance(150);
      const rolled = await untilRollout(ecs, "orders", "COMPLETED");
      assert.deepEqual(rolled.deployments?.map((deployment) => deployment.taskDefinition?.split("/")[1]), ["orders:2"]);

      const forced = await ecs.send(new UpdateServiceCommand({ service: "orders", forceNewDeployment: true }));
      assert.equal(forced.service?.deployments?.length, 2, "forceNewDeployment starts a deployment of the same task definition");
      const scaled = await ecs.send(new UpdateServiceCommand({ service: "orders", desiredCount: 5 }));
      assert.equal(scaled.service?.deployments?.length, 2, "a desiredCount change alone starts no deployment");
      assert.equal(scaled.service?.deployments?.[0]?.desiredCount, 5);
      clock.advance(150);
      const final = await untilRollout(ecs, "orders", "COMPLETED");
      assert.equal(final.runningCount, 5);

      // Tasks of replaced deployments stay listable as STOPPED, as in ECS, after their deployments are gone.
      const stopped = await ecs.send(new ListTasksCommand({ serviceName: "orders", desiredStatus: "STOPPED" }));
      const stoppedTasks = await ecs.send(new DescribeTasksCommand({ tasks: stopped.taskArns }));
      assert.deepEqual(
        [...new Set(stoppedTasks.tasks?.map((task) => task.taskDefinitionArn?.split("/")[1]))].sort(),
        ["orders:1", "orders:2"],
      );
    });
  });

  it("runs every new task for the last steadyStateMs of a rollout before it is COMPLETED", () => {
    const clock = new ManualClock();
    return withEmulator({ stabilizationMs: 400, steadyStateMs: 300, clock: clock.now }, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders", "orders:1")));
      await ecs.send(new CreateServiceCommand({ serviceName: "orders", taskDefinition: "orders", desiredCount: 2, networkConfiguration: awsvpc }));
      const deployment = async () => (await describeOne(ecs, "orders")).deployments?.[0];
      clock.advance(150);
      const finishing = await deployment();
      assert.deepEqual([finishing?.runningCount, finishing?.rolloutState], [2, "IN_PROGRESS"]);
      clock.advance(251);
      const completed = await deployment();
      assert.deepEqual([completed?.runningCount, completed?.rolloutState], [2, "COMPLETED"]);
    });
  });

  it("reports running tasks with ENI addresses and the service group through ListTasks/DescribeTasks", () =>
    withEmulator({ stabilizationMs: 20 }, async (emulator, ecs) => {
      emulator.seedService({
        taskDefinition: fargateTaskDefinition("web"),
        service: {
          serviceName: "web",
          desiredCount: 2,
          launchType: "FARGATE",
          networkConfiguration: awsvpc,
          propagateTags: "SERVICE",
          enableECSManagedTags: true,
        },
        tags: [{ key: "dynamic-routing:route", value: "pr-7" }],
        stable: true,
      });
      const service = await describeOne(ecs, "web");
      assert.equal(service.deployments?.[0]?.rolloutState, "COMPLETED");
      const listed = await ecs.send(new ListTasksCommand({ serviceName: "web" }));
      assert.equal(listed.taskArns?.length, 2);
      assert.match(listed.taskArns?.[0] ?? "", /^arn:aws:ecs:us-east-1:123456789012:task\/default\/[0-9a-f]{32}$/);
      const described = await ecs.send(
        new DescribeTasksCommand({ tasks: [...(listed.taskArns ?? []), "0123"], include: ["TAGS"] }),
      );
      assert.deepEqual(described.failures, [{ arn: "0123", reason: "MISSING" }]);
      const addresses = new Set<string>();
      for (const task of described.tasks ?? []) {
        assert.equal(task.lastStatus, "RUNNING");
        assert.equal(task.desiredStatus, "RUNNING");
        assert.equal(task.group, "service:web");
        assert.equal(task.startedBy, service.deployments?.[0]?.id);
        assert.equal(task.taskDefinitionArn, service.taskDefinition);
        assert.equal(task.containers?.[0]?.image, "nginx:1.27");
        assert.deepEqual(task.tags, [
          { key: "dynamic-routing:route", value: "pr-7" },
          { key: "aws:ecs:clusterName", value: "default" },
          { key: "aws:ecs:serviceName", value: "web" },
        ]);
        const eni = task.attachments?.find((attachment) => attachment.type === "ElasticNetworkInterface");
        const address = eni?.details?.find((detail) => detail.name === "privateIPv4Address")?.value;
        assert.match(address ?? "", /^10\.\d+\.\d+\.\d+$/);
        assert.equal(task.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address, address);
        addresses.add(address ?? "");
      }
      assert.equal(addresses.size, 2, "each task has its own address");
      const stopped = await ecs.send(new ListTasksCommand({ serviceName: "web", desiredStatus: "STOPPED" }));
      assert.deepEqual(stopped.taskArns, []);
      const byFamily = await ecs.send(new ListTasksCommand({ family: "web", startedBy: service.deployments?.[0]?.id }));
      assert.deepEqual(byFamily.taskArns?.sort(), [...(listed.taskArns ?? [])].sort());
    }));

  it("fails a deployment of a failing image through the circuit breaker and rolls back", () => {
    const clock = new ManualClock();
    return withEmulator({ stabilizationMs: 60, clock: clock.now }, async (emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders", "orders:good")));
      await ecs.send(
        new CreateServiceCommand({
          serviceName: "orders",
          taskDefinition: "orders",
          desiredCount: 2,
          networkConfiguration: awsvpc,
          deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        }),
      );
      clock.advance(61);
      assert.equal((await describeOne(ecs, "orders")).deployments?.[0]?.rolloutState, "COMPLETED");
      emulator.failImage("orders:bad");
      const bad = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders", "orders:bad")));
      await ecs.send(new UpdateServiceCommand({ service: "orders", taskDefinition: bad.taskDefinition?.taskDefinitionArn }));
      // The breaker trips stabilizationMs after the failing deployment starts.
      clock.advance(61);
      const rolledBack = await describeOne(ecs, "orders");
      const failed = rolledBack.deployments?.find((deployment) => deployment.rolloutState === "FAILED");
      assert.equal(failed?.taskDefinition, bad.taskDefinition?.taskDefinitionArn);
      assert.equal(failed?.status, "ACTIVE");
      assert.ok((failed?.failedTasks ?? 0) >= 3);
      assert.match(failed?.rolloutStateReason ?? "", /circuit breaker/);
      const primary = rolledBack.deployments?.[0];
      assert.equal(primary?.status, "PRIMARY");
      assert.match(primary?.taskDefinition ?? "", /orders:1$/);
      assert.match(primary?.rolloutStateReason ?? "", /rolling back/);
      assert.match(rolledBack.taskDefinition ?? "", /orders:1$/);

      const stopped = await ecs.send(new ListTasksCommand({ serviceName: "orders", desiredStatus: "STOPPED" }));
      const tasks = await ecs.send(new DescribeTasksCommand({ tasks: stopped.taskArns }));
      const failedTasks = (tasks.tasks ?? []).filter((task) => task.taskDefinitionArn === bad.taskDefinition?.taskDefinitionArn);
      assert.ok(failedTasks.length >= 3);
      for (const task of failedTasks) {
        assert.equal(task.lastStatus, "STOPPED");
        assert.equal(task.stoppedReason, "Essential container in task exited");
        assert.equal(task.stopCode, "EssentialContainerExited");
        assert.equal(task.containers?.[0]?.exitCode, 1);
      }
      clock.advance(61);
      const restored = await describeOne(ecs, "orders");
      assert.deepEqual(restored.deployments?.map((deployment) => [deployment.taskDefinition?.split("/")[1], deployment.rolloutState]), [["orders:1", "COMPLETED"]]);
    });
  });

  it("leaves a failed deployment PRIMARY and FAILED without rollback, with the custom stopped reason", () =>
    withEmulator({ stabilizationMs: 30 }, async (emulator, ecs) => {
      emulator.failImage("broken:1", "CannotPullContainerError: pull image manifest has been retried 1 time(s)");
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("broken", "broken:1")));
      await ecs.send(
        new CreateServiceCommand({
          serviceName: "broken",
          taskDefinition: "broken",
          desiredCount: 1,
          networkConfiguration: awsvpc,
          deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
        }),
      );
      const failed = await untilRollout(ecs, "broken", "FAILED");
      assert.equal(failed.deployments?.length, 1);
      assert.equal(failed.runningCount, 0);
      assert.equal(emulator.deploymentCompletedAt("default", "broken"), undefined);
      const stopped = await ecs.send(new ListTasksCommand({ serviceName: "broken", desiredStatus: "STOPPED" }));
      const tasks = await ecs.send(new DescribeTasksCommand({ tasks: stopped.taskArns }));
      assert.ok((tasks.tasks?.length ?? 0) >= 3);
      assert.match(tasks.tasks?.[0]?.stoppedReason ?? "", /^CannotPullContainerError/);
      assert.match(tasks.tasks?.[0]?.containers?.[0]?.reason ?? "", /^CannotPullContainerError/);
      assert.equal(tasks.tasks?.[0]?.stopCode, "TaskFailedToStart");
      assert.ok((failed.deployments?.[0]?.failedTasks ?? 0) >= 3);
    }));

  it("stops the tasks of a deleted service by the end of draining", () =>
    withEmulator({ stabilizationMs: 10, drainMs: 40 }, async (emulator, ecs) => {
      emulator.seedService({
        taskDefinition: fargateTaskDefinition("gone"),
        service: { serviceName: "gone", desiredCount: 2, networkConfiguration: awsvpc },
        stable: true,
      });
      const running = await ecs.send(new ListTasksCommand({ serviceName: "gone" }));
      assert.equal(running.taskArns?.length, 2);
      await ecs.send(new DeleteServiceCommand({ service: "gone", force: true }));
      const draining = await ecs.send(new DescribeTasksCommand({ tasks: running.taskArns }));
      assert.ok(draining.tasks?.every((task) => task.desiredStatus === "STOPPED"), "draining tasks are told to stop");
      const stoppedTasks = await eventually(async () => {
        const described = await ecs.send(new DescribeTasksCommand({ tasks: running.taskArns }));
        return described.tasks?.every((task) => task.lastStatus === "STOPPED") ? described.tasks : undefined;
      });
      assert.ok(stoppedTasks.every((task) => task.desiredStatus === "STOPPED" && task.stoppedReason));
    }));

  it("satisfies the SDK's waitUntilServicesStable once the rollout completes", () =>
    withEmulator({ stabilizationMs: 200 }, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders")));
      await ecs.send(
        new CreateServiceCommand({ serviceName: "orders", taskDefinition: "orders", desiredCount: 2, networkConfiguration: awsvpc }),
      );
      const result = await waitUntilServicesStable(
        { client: ecs, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
        { services: ["orders"] },
      );
      assert.equal(result.state, "SUCCESS");
      const service = await describeOne(ecs, "orders");
      assert.equal(service.deployments?.[0]?.rolloutState, "COMPLETED");
    }));
});
