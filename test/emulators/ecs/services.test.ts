import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ClientException,
  ClusterNotFoundException,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  InvalidParameterException,
  ListClustersCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ResourceNotFoundException,
  ServiceNotActiveException,
  ServiceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type ECSClient,
} from "@aws-sdk/client-ecs";
import { awsvpc, fargateTaskDefinition, ManualClock, withEmulator } from "../../helpers/ecs.js";

const SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/default/orders";

async function createOrders(ecs: ECSClient, extra: { desiredCount?: number; clientToken?: string } = {}) {
  return ecs.send(
    new CreateServiceCommand({
      serviceName: "orders",
      taskDefinition: "orders",
      desiredCount: extra.desiredCount ?? 1,
      launchType: "FARGATE",
      networkConfiguration: awsvpc,
      clientToken: extra.clientToken,
    }),
  );
}

async function statusOf(ecs: ECSClient, name: string): Promise<string | undefined> {
  const described = await ecs.send(new DescribeServicesCommand({ services: [name] }));
  return described.services?.[0]?.status;
}

describe("ECS emulator: clusters", () => {
  it("creates clusters idempotently and reports unknown ones as MISSING failures", () =>
    withEmulator({ clusters: ["default", "dev"] }, async (_emulator, ecs) => {
      const created = await ecs.send(new CreateClusterCommand({ clusterName: "qa", tags: [{ key: "env", value: "qa" }] }));
      assert.equal(created.cluster?.clusterArn, "arn:aws:ecs:us-east-1:123456789012:cluster/qa");
      await ecs.send(new CreateClusterCommand({ clusterName: "qa" }));
      const listed = await ecs.send(new ListClustersCommand({}));
      assert.deepEqual(listed.clusterArns?.map((arn) => arn.split("/")[1]), ["default", "dev", "qa"]);
      const described = await ecs.send(new DescribeClustersCommand({ clusters: ["qa", "nope"], include: ["TAGS"] }));
      assert.deepEqual(described.clusters?.[0]?.tags, [{ key: "env", value: "qa" }]);
      assert.equal(described.clusters?.[0]?.status, "ACTIVE");
      assert.deepEqual(described.failures, [{ arn: "arn:aws:ecs:us-east-1:123456789012:cluster/nope", reason: "MISSING" }]);
    }));
});

describe("ECS emulator: services", () => {
  it("runs the lifecycle ACTIVE -> DRAINING -> INACTIVE with name reuse refused until INACTIVE", () => {
    const clock = new ManualClock();
    return withEmulator({ stabilizationMs: 20, drainMs: 400, clock: clock.now }, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders")));
      const created = await createOrders(ecs, { desiredCount: 2 });
      assert.equal(created.service?.serviceArn, SERVICE_ARN);
      assert.equal(created.service?.status, "ACTIVE");
      assert.equal(created.service?.desiredCount, 2);
      assert.equal(created.service?.launchType, "FARGATE");
      assert.deepEqual(created.service?.networkConfiguration, awsvpc);
      assert.ok(created.service?.createdAt instanceof Date);

      await assert.rejects(
        createOrders(ecs),
        (error: unknown) => error instanceof InvalidParameterException && error.message === "Creation of service was not idempotent.",
      );
      await assert.rejects(
        ecs.send(new DeleteServiceCommand({ service: "orders" })),
        (error: unknown) => error instanceof InvalidParameterException && /scaled above 0/.test(error.message),
      );
      const deleted = await ecs.send(new DeleteServiceCommand({ service: SERVICE_ARN, force: true }));
      assert.equal(deleted.service?.status, "DRAINING");
      assert.equal(deleted.service?.desiredCount, 0);

      await assert.rejects(createOrders(ecs), InvalidParameterException, "a DRAINING name is not reusable");
      await assert.rejects(ecs.send(new UpdateServiceCommand({ service: "orders", desiredCount: 1 })), ServiceNotActiveException);
      const listedWhileDraining = await ecs.send(new ListServicesCommand({}));
      assert.deepEqual(listedWhileDraining.serviceArns, []);
      assert.equal(await statusOf(ecs, "orders"), "DRAINING");

      const again = await ecs.send(new DeleteServiceCommand({ service: "orders" }));
      assert.equal(again.service?.status, "DRAINING", "deleting a DRAINING service answers it unchanged");

      clock.advance(400);
      assert.equal(await statusOf(ecs, "orders"), "INACTIVE");
      const inactive = await ecs.send(new DeleteServiceCommand({ service: "orders" }));
      assert.equal(inactive.service?.status, "INACTIVE", "deleting an INACTIVE service succeeds, as real ECS does");
      const reused = await createOrders(ecs);
      assert.equal(reused.service?.status, "ACTIVE");
      assert.equal(reused.service?.serviceArn, SERVICE_ARN);
      assert.equal(await statusOf(ecs, "orders"), "ACTIVE");
    });
  });

  it("deletes a service scaled to 0 without force", () =>
    withEmulator({ stabilizationMs: 10 }, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders")));
      await createOrders(ecs);
      await ecs.send(new UpdateServiceCommand({ service: "orders", desiredCount: 0 }));
      const deleted = await ecs.send(new DeleteServiceCommand({ service: "orders" }));
      assert.equal(deleted.service?.status, "DRAINING");
    }));

  it("deletes a DAEMON service without force; force is only for REPLICA services", () =>
    withEmulator({ stabilizationMs: 10 }, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("agent")));
      await ecs.send(
        new CreateServiceCommand({
          serviceName: "agent",
          taskDefinition: "agent",
          schedulingStrategy: "DAEMON",
          launchType: "EC2",
          networkConfiguration: awsvpc,
        }),
      );
      const deleted = await ecs.send(new DeleteServiceCommand({ service: "agent" }));
      assert.equal(deleted.service?.status, "DRAINING");
    }));

  it("makes CreateService idempotent per clientToken", () =>
    withEmulator({}, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders")));
      const first = await createOrders(ecs, { clientToken: "deploy-42" });
      const again = await createOrders(ecs, { clientToken: "deploy-42" });
      assert.equal(again.service?.serviceArn, first.service?.serviceArn);
      assert.equal(again.service?.deployments?.[0]?.id, first.service?.deployments?.[0]?.id);
      await assert.rejects(createOrders(ecs, { clientToken: "deploy-42", desiredCount: 3 }), InvalidParameterException);
      await assert.rejects(createOrders(ecs, { clientToken: "x".repeat(37) }), InvalidParameterException);
      await assert.rejects(createOrders(ecs, { clientToken: "has space" }), InvalidParameterException);
    }));

  it("validates CreateService: cluster, name, task definition and network configuration", () =>
    withEmulator({}, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders")));
      const base = { serviceName: "orders", taskDefinition: "orders", desiredCount: 1, networkConfiguration: awsvpc };
      await assert.rejects(ecs.send(new CreateServiceCommand({ ...base, cluster: "nope" })), ClusterNotFoundException);
      await assert.rejects(ecs.send(new CreateServiceCommand({ ...base, serviceName: "a.b" })), InvalidParameterException);
      await assert.rejects(ecs.send(new CreateServiceCommand({ ...base, taskDefinition: "missing" })), ClientException);
      await assert.rejects(
        ecs.send(new CreateServiceCommand({ ...base, networkConfiguration: undefined })),
        InvalidParameterException,
      );
      await assert.rejects(
        ecs.send(new CreateServiceCommand({ ...base, tags: [{ key: "aws:owner", value: "me" }] })),
        InvalidParameterException,
      );
    }));

  it("paginates ListServices over 250 services without gaps, hiding DRAINING ones", () =>
    withEmulator({}, async (emulator, ecs) => {
      const expected: string[] = [];
      for (let index = 0; index < 252; index += 1) {
        const { serviceArn } = emulator.seedService({
          taskDefinition: fargateTaskDefinition(`svc-${index}`),
          service: { serviceName: `svc-${index}`, desiredCount: index < 250 ? 1 : 0, networkConfiguration: awsvpc },
          stable: true,
        });
        if (index < 250) expected.push(serviceArn);
      }
      await ecs.send(new DeleteServiceCommand({ service: "svc-250" }));
      await ecs.send(new DeleteServiceCommand({ service: "svc-251" }));

      const defaultPage = await ecs.send(new ListServicesCommand({}));
      assert.equal(defaultPage.serviceArns?.length, 10, "ListServices returns 10 by default");
      await assert.rejects(ecs.send(new ListServicesCommand({ maxResults: 101 })), InvalidParameterException);

      const seen: string[] = [];
      let pages = 0;
      let nextToken: string | undefined;
      do {
        const page = await ecs.send(new ListServicesCommand({ maxResults: 100, nextToken }));
        pages += 1;
        seen.push(...(page.serviceArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      assert.equal(pages, 3);
      assert.deepEqual(seen, expected);
    }));

  it("DescribeServices accepts at most 10 names and reports unknown ones as MISSING", () =>
    withEmulator({}, async (emulator, ecs) => {
      emulator.seedService({
        taskDefinition: fargateTaskDefinition("orders"),
        service: { serviceName: "orders", desiredCount: 1, networkConfiguration: awsvpc },
      });
      const names = Array.from({ length: 11 }, (_, index) => `svc-${index}`);
      await assert.rejects(ecs.send(new DescribeServicesCommand({ services: names })), InvalidParameterException);
      const described = await ecs.send(new DescribeServicesCommand({ services: ["orders", "ghost"] }));
      assert.deepEqual(described.services?.map((service) => service.serviceName), ["orders"]);
      assert.deepEqual(described.failures, [
        { arn: "arn:aws:ecs:us-east-1:123456789012:service/default/ghost", reason: "MISSING" },
      ]);
      await assert.rejects(ecs.send(new DescribeServicesCommand({ cluster: "nope", services: ["orders"] })), ClusterNotFoundException);
    }));

  it("answers with the SDK's typed exceptions", () =>
    withEmulator({}, async (_emulator, ecs) => {
      await assert.rejects(ecs.send(new UpdateServiceCommand({ service: "ghost", desiredCount: 1 })), ServiceNotFoundException);
      await assert.rejects(ecs.send(new DeleteServiceCommand({ service: "ghost" })), ServiceNotFoundException);
      await assert.rejects(ecs.send(new ListServicesCommand({ cluster: "nope" })), ClusterNotFoundException);
      await assert.rejects(ecs.send(new ListServicesCommand({ nextToken: "garbage!" })), InvalidParameterException);
    }));
});

describe("ECS emulator: tags", () => {
  it("returns service tags with include TAGS and enforces ECS tag limits on TagResource", () =>
    withEmulator({}, async (_emulator, ecs) => {
      const definition = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders")));
      await ecs.send(
        new CreateServiceCommand({
          serviceName: "orders",
          taskDefinition: "orders",
          desiredCount: 1,
          networkConfiguration: awsvpc,
          tags: [{ key: "dynamic-routing:route", value: "pr-1" }],
        }),
      );
      const withTags = await ecs.send(new DescribeServicesCommand({ services: ["orders"], include: ["TAGS"] }));
      assert.deepEqual(withTags.services?.[0]?.tags, [{ key: "dynamic-routing:route", value: "pr-1" }]);
      const withoutTags = await ecs.send(new DescribeServicesCommand({ services: ["orders"] }));
      assert.equal(withoutTags.services?.[0]?.tags, undefined);

      await ecs.send(new TagResourceCommand({ resourceArn: SERVICE_ARN, tags: [{ key: "dynamic-routing:route", value: "pr-2" }, { key: "team", value: "a" }] }));
      await ecs.send(new UntagResourceCommand({ resourceArn: SERVICE_ARN, tagKeys: ["team"] }));
      const listed = await ecs.send(new ListTagsForResourceCommand({ resourceArn: SERVICE_ARN }));
      assert.deepEqual(listed.tags, [{ key: "dynamic-routing:route", value: "pr-2" }]);

      const tooMany = Array.from({ length: 50 }, (_, index) => ({ key: `k${index}`, value: "v" }));
      await assert.rejects(ecs.send(new TagResourceCommand({ resourceArn: SERVICE_ARN, tags: tooMany })), InvalidParameterException);
      await assert.rejects(
        ecs.send(new TagResourceCommand({ resourceArn: SERVICE_ARN, tags: [{ key: "k".repeat(129), value: "v" }] })),
        InvalidParameterException,
      );
      await assert.rejects(
        ecs.send(new TagResourceCommand({ resourceArn: SERVICE_ARN, tags: [{ key: "k", value: "v".repeat(257) }] })),
        InvalidParameterException,
      );
      await assert.rejects(
        ecs.send(new TagResourceCommand({ resourceArn: SERVICE_ARN, tags: [{ key: "aws:created-by", value: "me" }] })),
        InvalidParameterException,
      );
      await ecs.send(new TagResourceCommand({ resourceArn: SERVICE_ARN, tags: tooMany.slice(0, 49) }));
      const full = await ecs.send(new ListTagsForResourceCommand({ resourceArn: SERVICE_ARN }));
      assert.equal(full.tags?.length, 50);

      const definitionArn = definition.taskDefinition?.taskDefinitionArn;
      await ecs.send(new TagResourceCommand({ resourceArn: definitionArn, tags: [{ key: "k", value: "v" }] }));
      assert.deepEqual((await ecs.send(new ListTagsForResourceCommand({ resourceArn: definitionArn }))).tags, [{ key: "k", value: "v" }]);
      const clusterArn = "arn:aws:ecs:us-east-1:123456789012:cluster/default";
      await ecs.send(new TagResourceCommand({ resourceArn: clusterArn, tags: [{ key: "env", value: "dev" }] }));
      assert.deepEqual((await ecs.send(new ListTagsForResourceCommand({ resourceArn: clusterArn }))).tags, [{ key: "env", value: "dev" }]);

      await assert.rejects(ecs.send(new ListTagsForResourceCommand({ resourceArn: "not-an-arn" })), InvalidParameterException);
    }));

  it("follows ECS's tag rules: aws: reserved in keys and values, empty tag lists, managed tags outside the limit", () =>
    withEmulator({ stabilizationMs: 10 }, async (_emulator, ecs) => {
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders")));
      await ecs.send(
        new CreateServiceCommand({
          serviceName: "orders",
          taskDefinition: "orders",
          desiredCount: 1,
          networkConfiguration: awsvpc,
          enableECSManagedTags: true,
          propagateTags: "SERVICE",
          tags: [{ key: "team", value: "core" }],
        }),
      );
      await assert.rejects(
        ecs.send(new TagResourceCommand({ resourceArn: SERVICE_ARN, tags: [{ key: "owner", value: "AWS:me" }] })),
        InvalidParameterException,
        "the aws: prefix is reserved in values too",
      );
      await ecs.send(new TagResourceCommand({ resourceArn: SERVICE_ARN, tags: [] }));
      await ecs.send(new UntagResourceCommand({ resourceArn: SERVICE_ARN, tagKeys: [] }));
      assert.deepEqual((await ecs.send(new ListTagsForResourceCommand({ resourceArn: SERVICE_ARN }))).tags, [{ key: "team", value: "core" }]);

      const [taskArn] = (await ecs.send(new ListTasksCommand({ serviceName: "orders" }))).taskArns ?? [];
      assert.ok(taskArn);
      const launched = (await ecs.send(new ListTagsForResourceCommand({ resourceArn: taskArn }))).tags ?? [];
      assert.deepEqual(launched.map((tag) => tag.key).sort(), ["aws:ecs:clusterName", "aws:ecs:serviceName", "team"]);
      await assert.rejects(
        ecs.send(new UntagResourceCommand({ resourceArn: taskArn, tagKeys: ["aws:ecs:serviceName"] })),
        InvalidParameterException,
        "aws: tags cannot be removed",
      );
      const fill = Array.from({ length: 49 }, (_, index) => ({ key: `k${index}`, value: "v" }));
      await ecs.send(new TagResourceCommand({ resourceArn: taskArn, tags: fill }));
      assert.equal((await ecs.send(new ListTagsForResourceCommand({ resourceArn: taskArn }))).tags?.length, 52);
      await assert.rejects(
        ecs.send(new TagResourceCommand({ resourceArn: taskArn, tags: [{ key: "one-too-many", value: "v" }] })),
        InvalidParameterException,
      );
    }));

  it("answers tagging of a missing resource with ResourceNotFoundException and requires long ARNs", () =>
    withEmulator({}, async (_emulator, ecs) => {
      const ghost = "arn:aws:ecs:us-east-1:123456789012:service/default/ghost";
      await assert.rejects(ecs.send(new TagResourceCommand({ resourceArn: ghost, tags: [{ key: "k", value: "v" }] })), ResourceNotFoundException);
      await assert.rejects(ecs.send(new UntagResourceCommand({ resourceArn: ghost, tagKeys: ["k"] })), ResourceNotFoundException);
      await assert.rejects(ecs.send(new ListTagsForResourceCommand({ resourceArn: ghost })), ResourceNotFoundException);
      await assert.rejects(
        ecs.send(new TagResourceCommand({ resourceArn: "arn:aws:ecs:us-east-1:123456789012:task/default/0123abcd", tags: [{ key: "k", value: "v" }] })),
        ResourceNotFoundException,
      );
      await assert.rejects(
        ecs.send(new ListTagsForResourceCommand({ resourceArn: "arn:aws:ecs:us-east-1:123456789012:service/orders" })),
        (error: unknown) => error instanceof InvalidParameterException && /Long arn format/.test(error.message),
      );
      await assert.rejects(
        ecs.send(new ListTagsForResourceCommand({ resourceArn: "arn:aws:ecs:us-east-1:123456789012:service/nope/orders" })),
        ClusterNotFoundException,
      );
    }));
});
