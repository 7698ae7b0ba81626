import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { awsvpc, eventually, fargateTaskDefinition, withEmulator } from "../../helpers/ecs.js";

/**
 * The SDK drops response members its model does not know, so a misspelt field would vanish silently in
 * every other test. This one reads the raw JSON and checks each member name against the SDK's model.
 */
const modelsDirectory = join(dirname(createRequire(import.meta.url).resolve("@aws-sdk/client-ecs")), "..", "dist-types", "models");
const models = ["models_0.d.ts", "models_1.d.ts"].map((file) => readFileSync(join(modelsDirectory, file), "utf8")).join("\n");

function membersOf(shape: string): Set<string> {
  const body = new RegExp(`export interface ${shape} \\{([\\s\\S]*?)\\n\\}`).exec(models)?.[1];
  assert.ok(body !== undefined, `the SDK models ${shape}`);
  return new Set([...body.matchAll(/^ {4}(\w+)\??:/gm)].map((match) => match[1] ?? ""));
}

function assertModelled(shape: string, value: unknown): void {
  assert.ok(value !== null && typeof value === "object", `${shape} is an object`);
  const known = membersOf(shape);
  assert.deepEqual(Object.keys(value).filter((key) => !known.has(key)), [], `members of ${shape} unknown to the SDK`);
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("ECS emulator: response shapes", () => {
  it("answers only members the SDK's model defines, with timestamps in epoch seconds", () =>
    withEmulator({ stabilizationMs: 5 }, async (emulator) => {
      const call = async (operation: string, body: unknown): Promise<Json> => {
        const response = await fetch(emulator.url, {
          method: "POST",
          headers: {
            authorization: "AWS4-HMAC-SHA256 test",
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": `AmazonEC2ContainerServiceV20141113.${operation}`,
          },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 200, operation);
        return (await response.json()) as Json;
      };
      const registered = await call("RegisterTaskDefinition", { ...fargateTaskDefinition("orders"), tags: [{ key: "team", value: "core" }] });
      assertModelled("RegisterTaskDefinitionResponse", registered);
      assertModelled("TaskDefinition", registered.taskDefinition);
      assertModelled("ContainerDefinition", registered.taskDefinition.containerDefinitions[0]);
      const registeredAt = registered.taskDefinition.registeredAt as number;
      assert.ok(Math.abs(registeredAt - Date.now() / 1000) < 60, "registeredAt is in epoch seconds");

      const created = await call("CreateService", {
        serviceName: "orders",
        taskDefinition: "orders",
        desiredCount: 1,
        launchType: "FARGATE",
        networkConfiguration: awsvpc,
        tags: [{ key: "team", value: "core" }],
      });
      assertModelled("Service", created.service);
      assertModelled("Deployment", created.service.deployments[0]);
      assertModelled("DeploymentConfiguration", created.service.deploymentConfiguration);
      assert.ok(Math.abs((created.service.createdAt as number) - Date.now() / 1000) < 60, "createdAt is in epoch seconds");

      const described = await eventually(async () => {
        const answer = await call("DescribeServices", { services: ["orders", "ghost"], include: ["TAGS"] });
        return answer.services[0].deployments[0].rolloutState === "COMPLETED" ? answer : undefined;
      });
      assertModelled("DescribeServicesResponse", described);
      assertModelled("Failure", described.failures[0]);
      assertModelled("ServiceEvent", described.services[0].events[0]);

      const listed = await call("ListTasks", { serviceName: "orders" });
      assertModelled("ListTasksResponse", listed);
      const tasks = await call("DescribeTasks", { tasks: listed.taskArns, include: ["TAGS"] });
      assertModelled("Task", tasks.tasks[0]);
      assertModelled("Container", tasks.tasks[0].containers[0]);
      assertModelled("Attachment", tasks.tasks[0].attachments[0]);
      assertModelled("NetworkInterface", tasks.tasks[0].containers[0].networkInterfaces[0]);

      const clusters = await call("DescribeClusters", { include: ["TAGS"] });
      assertModelled("Cluster", clusters.clusters[0]);

      await call("DeregisterTaskDefinition", { taskDefinition: "orders:1" });
      const deleted = await call("DeleteTaskDefinitions", { taskDefinitions: ["orders:1", "orders:9"] });
      assertModelled("DeleteTaskDefinitionsResponse", deleted);
      assertModelled("TaskDefinition", deleted.taskDefinitions[0]);
      assertModelled("Failure", deleted.failures[0]);
    }));
});
