import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ClientException,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  InvalidParameterException,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { fargateTaskDefinition, withEmulator } from "../../helpers/ecs.js";

describe("ECS emulator: task definitions", () => {
  it("registers revisions per family and describes by family, family:revision and ARN", () =>
    withEmulator({}, async (_emulator, ecs) => {
      const first = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders", "orders:1")));
      const second = await ecs.send(
        new RegisterTaskDefinitionCommand({ ...fargateTaskDefinition("orders", "orders:2"), tags: [{ key: "team", value: "core" }] }),
      );
      assert.equal(first.taskDefinition?.taskDefinitionArn, "arn:aws:ecs:us-east-1:123456789012:task-definition/orders:1");
      assert.equal(second.taskDefinition?.revision, 2);
      assert.equal(second.taskDefinition?.status, "ACTIVE");
      assert.ok(second.taskDefinition?.registeredAt instanceof Date);
      assert.ok(Math.abs(second.taskDefinition.registeredAt.getTime() - Date.now()) < 60_000);
      assert.deepEqual(second.taskDefinition?.compatibilities, ["EC2", "FARGATE"]);
      assert.ok(second.taskDefinition?.requiresAttributes?.some((attribute) => attribute.name === "ecs.capability.task-eni"));
      assert.equal(second.taskDefinition?.containerDefinitions?.[0]?.essential, true);
      assert.equal(second.taskDefinition?.containerDefinitions?.[0]?.portMappings?.[0]?.hostPort, 8080);
      assert.deepEqual(second.tags, [{ key: "team", value: "core" }]);

      const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "orders" }));
      assert.equal(latest.taskDefinition?.revision, 2);
      assert.equal(latest.tags, undefined);
      const byRevision = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "orders:1", include: ["TAGS"] }));
      assert.equal(byRevision.taskDefinition?.containerDefinitions?.[0]?.image, "orders:1");
      assert.deepEqual(byRevision.tags, []);
      const byArn = await ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: second.taskDefinition?.taskDefinitionArn, include: ["TAGS"] }),
      );
      assert.deepEqual(byArn.tags, [{ key: "team", value: "core" }]);
      await assert.rejects(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "orders:3" })), ClientException);
    }));

  it("validates family names and requires container definitions", () =>
    withEmulator({}, async (_emulator, ecs) => {
      await assert.rejects(
        ecs.send(new RegisterTaskDefinitionCommand({ ...fargateTaskDefinition("bad name") })),
        (error: unknown) => error instanceof ClientException && /Family/.test(error.message),
      );
      await assert.rejects(
        ecs.send(new RegisterTaskDefinitionCommand({ ...fargateTaskDefinition("x".repeat(256)) })),
        ClientException,
      );
      await assert.rejects(
        ecs.send(new RegisterTaskDefinitionCommand({ family: "empty", containerDefinitions: [] })),
        ClientException,
      );
      const longest = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("a".repeat(255))));
      assert.equal(longest.taskDefinition?.revision, 1);
    }));

  it("deregisters to INACTIVE, deletes only INACTIVE revisions and keeps revision numbers growing", () =>
    withEmulator({}, async (_emulator, ecs) => {
      for (let index = 0; index < 3; index += 1) {
        await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("billing")));
      }
      await assert.rejects(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "billing" })), ClientException);
      const deregistered = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "billing:3" }));
      assert.equal(deregistered.taskDefinition?.status, "INACTIVE");
      assert.ok(deregistered.taskDefinition?.deregisteredAt instanceof Date);

      const latestActive = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "billing" }));
      assert.equal(latestActive.taskDefinition?.revision, 2, "a bare family resolves to the latest ACTIVE revision");

      const deleted = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ["billing:3", "billing:2", "billing:9"] }));
      assert.deepEqual(
        deleted.taskDefinitions?.map((definition) => [definition.revision, definition.status]),
        [[3, "DELETE_IN_PROGRESS"]],
      );
      assert.deepEqual(
        deleted.failures?.map((failure) => failure.arn),
        ["arn:aws:ecs:us-east-1:123456789012:task-definition/billing:2", "billing:9"],
      );
      assert.match(deleted.failures?.[0]?.reason ?? "", /ACTIVE/);

      await assert.rejects(
        ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: Array.from({ length: 11 }, (_, index) => `billing:${index + 1}`) })),
        InvalidParameterException,
        "at most 10 task definitions per call",
      );
      await assert.rejects(ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [] })), InvalidParameterException);

      const next = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("billing")));
      assert.equal(next.taskDefinition?.revision, 4);

      const inactive = await ecs.send(new ListTaskDefinitionsCommand({ status: "INACTIVE" }));
      assert.deepEqual(inactive.taskDefinitionArns, []);
      const deleting = await ecs.send(new ListTaskDefinitionsCommand({ status: "DELETE_IN_PROGRESS" }));
      assert.deepEqual(deleting.taskDefinitionArns, ["arn:aws:ecs:us-east-1:123456789012:task-definition/billing:3"]);
    }));

  it("lists task definitions by family, sorted, page by page", () =>
    withEmulator({}, async (_emulator, ecs) => {
      for (let index = 0; index < 5; index += 1) {
        await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("alpha")));
      }
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("beta")));
      const descending = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "alpha", sort: "DESC" }));
      assert.deepEqual(
        descending.taskDefinitionArns?.map((arn) => arn.split("/")[1]),
        ["alpha:5", "alpha:4", "alpha:3", "alpha:2", "alpha:1"],
      );
      const seen: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await ecs.send(new ListTaskDefinitionsCommand({ maxResults: 4, nextToken }));
        assert.ok((page.taskDefinitionArns?.length ?? 0) <= 4);
        seen.push(...(page.taskDefinitionArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      assert.deepEqual(
        seen.map((arn) => arn.split("/")[1]),
        ["alpha:1", "alpha:2", "alpha:3", "alpha:4", "alpha:5", "beta:1"],
      );
    }));

  it("sorts families lexicographically by code unit, not in locale order", () =>
    withEmulator({}, async (_emulator, ecs) => {
      for (const family of ["alpha", "a_b", "Beta", "a-b"]) {
        await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(family)));
      }
      const families = async (sort?: "ASC" | "DESC") =>
        ((await ecs.send(new ListTaskDefinitionsCommand({ sort }))).taskDefinitionArns ?? []).map((arn) => arn.split("/")[1]);
      assert.deepEqual(await families(), ["Beta:1", "a-b:1", "a_b:1", "alpha:1"]);
      assert.deepEqual(await families("DESC"), ["alpha:1", "a_b:1", "a-b:1", "Beta:1"]);
    }));
});
