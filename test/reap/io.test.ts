// The reaper's I/O through the real SDK and Octokit against the emulators: discovery pages and
// batches, exact-family task-definition retirement, dry runs, and one GitHub read per pull request.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DeregisterTaskDefinitionCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, type ECSClient, type RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";
import { MemoryLogger, silentLogger } from "../../src/common/logger.js";
import { ConfigurationError } from "../../src/common/errors.js";
import { MANAGED_BY, TAG } from "../../src/ecs/tags.js";
import { createGitHubClient } from "../../src/github/client.js";
import { deleteServices, retireRevisions } from "../../src/reap/delete.js";
import { findTaggedRevisions, type TaggedRevision } from "../../src/ecs/tagged-revisions.js";
import { discoverServices, readPullRequestStates } from "../../src/reap/discover.js";
import type { Decision } from "../../src/reap/select.js";
import { ecsClient, fargateTaskDefinition, taggingClient, withEmulator } from "../helpers/ecs.js";
import { startGitHubEmulator } from "../emulators/github/index.js";


async function revisions(ecs: ECSClient, family: string, status: "ACTIVE" | "INACTIVE"): Promise<string[]> {
  const listed = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status }));
  return (listed.taskDefinitionArns ?? []).filter((arn) => arn.endsWith(`/${family}:${arn.split(":").pop() ?? ""}`));
}

/** Bridge networking: services need no network configuration. */
function bridgeTaskDefinition(family: string): RegisterTaskDefinitionCommandInput {
  return { family, containerDefinitions: [{ name: "app", image: "nginx:1.27", essential: true, memory: 128 }] };
}

function decision(service: string, serviceArn: string): Decision {
  return { service, serviceArn, route: "pr-1", pullRequest: 1, baseService: service.split("--")[0], migrate: false, reason: "pull request #1 closed" };
}

describe("discoverServices", () => {
  it("reads every page of ListServices and describes 10 at a time with tags", async () => {
    await withEmulator({ clusters: ["dev"] }, async (emulator, ecs) => {
      for (let index = 0; index < 235; index++) {
        emulator.seedService({
          cluster: "dev",
          taskDefinition: bridgeTaskDefinition(`svc-${index}--pr-1`),
          service: { serviceName: `svc-${index}--pr-1`, desiredCount: 1 },
          tags: index % 2 === 0 ? [{ key: TAG.managedBy, value: MANAGED_BY }] : [],
        });
      }
      emulator.resetCalls();
      const services = await discoverServices(ecs, "dev", 4, silentLogger);
      assert.equal(services.length, 235);
      assert.equal(new Set(services.map((service) => service.serviceName)).size, 235);
      assert.equal(services.filter((service) => service.tags[TAG.managedBy] === MANAGED_BY).length, 118);
      assert.ok(services.every((service) => service.status === "ACTIVE" && /task-definition\/svc-\d+--pr-1:1$/.test(service.taskDefinition ?? "")));
      assert.deepEqual(emulator.callCounts(), { ListServices: 3, DescribeServices: 24 });
    });
  });

  it("fails with DescribeServices' error, not an unhandled rejection, when a batch fails while listing goes on", async () => {
    await withEmulator({ clusters: ["dev"] }, async (emulator) => {
      for (let index = 0; index < 150; index++) {
        emulator.seedService({
          cluster: "dev",
          taskDefinition: bridgeTaskDefinition(`svc-${index}--pr-1`),
          service: { serviceName: `svc-${index}--pr-1`, desiredCount: 1 },
        });
      }
      // Every DescribeServices is refused (as an IAM policy without ecs:DescribeServices would be),
      // before the second ListServices page has arrived.
      const ecs = ecsClient(emulator, { maxAttempts: 1 });
      ecs.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === "DescribeServicesCommand") throw new Error("AccessDeniedException: not allowed to DescribeServices");
          return next(args);
        },
        { step: "initialize", name: "denyDescribeServices" },
      );
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on("unhandledRejection", onUnhandled);
      try {
        await assert.rejects(discoverServices(ecs, "dev", 4, silentLogger), /not allowed to DescribeServices/);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off("unhandledRejection", onUnhandled);
        ecs.destroy();
      }
    });
  });

  it("names the cluster input when the cluster does not exist", async () => {
    await withEmulator({ clusters: ["dev"] }, async (_emulator, ecs) => {
      await assert.rejects(discoverServices(ecs, "nope", 4, silentLogger), (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.equal(error.input, "cluster");
        return true;
      });
    });
  });
});

describe("findTaggedRevisions and retireRevisions", () => {
  const ours = (route: string, cluster = "dev"): { key: string; value: string }[] => [
    { key: TAG.managedBy, value: MANAGED_BY },
    { key: TAG.cluster, value: cluster },
    { key: TAG.route, value: route },
  ];

  async function seedFamilies(ecs: ECSClient): Promise<void> {
    for (const [family, cluster] of [
      ["orders--pr-1", "dev"],
      ["orders--pr-1", "dev"],
      ["orders--pr-1", "staging"],
      ["orders--pr-12", "dev"],
      ["orders--pr-12", "dev"],
    ] as const) {
      await ecs.send(new RegisterTaskDefinitionCommand({ ...fargateTaskDefinition(family), tags: ours(family.split("--")[1] as string, cluster) }));
    }
    // Not ours: no tags at all.
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders--pr-1")));
    // An earlier run only deregistered revision 1.
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "orders--pr-1:1" }));
  }

  it("finds by the cluster and route tags through the Tagging API, with each revision's status from ECS", async () => {
    await withEmulator({}, async (emulator, ecs) => {
      await seedFamilies(ecs);
      const tagging = taggingClient(emulator);
      const found = await findTaggedRevisions({ ecs, tagging }, { cluster: "dev", route: "pr-1" }, 3);
      assert.deepEqual(found.map((revision) => [revision.arn.split("/").pop(), revision.status]).sort(), [
        ["orders--pr-1:1", "INACTIVE"],
        ["orders--pr-1:2", "ACTIVE"],
      ]);
      const sweep = await findTaggedRevisions({ ecs, tagging }, { cluster: "dev" }, 3);
      assert.equal(sweep.length, 4);
      assert.ok((emulator.callCounts().GetResources ?? 0) >= 1);
      tagging.destroy();
    });
  });

  it("deregisters and deletes exactly the revisions given, never another cluster's of the same family", async () => {
    await withEmulator({}, async (_emulator, ecs) => {
      await seedFamilies(ecs);
      const tagging = taggingClient(_emulator);
      const found = await findTaggedRevisions({ ecs, tagging }, { cluster: "dev", route: "pr-1" }, 3);
      const [retirement] = await retireRevisions(ecs, found, { deleteTaskDefinitions: true, concurrency: 3, dryRun: false, logger: silentLogger });
      assert.equal(retirement?.error, undefined);
      assert.deepEqual(retirement?.deregistered.map((arn) => arn.split("/").pop()), ["orders--pr-1:2"]);
      assert.deepEqual(retirement?.deleted.map((arn) => arn.split("/").pop()), ["orders--pr-1:1", "orders--pr-1:2"]);
      assert.deepEqual((await revisions(ecs, "orders--pr-1", "ACTIVE")).map((arn) => arn.split("/").pop()), ["orders--pr-1:3", "orders--pr-1:4"]);
      assert.equal((await revisions(ecs, "orders--pr-12", "ACTIVE")).length, 2);
      tagging.destroy();
    });
  });

  it("only deregisters by default, and a dry run makes no mutating call", async () => {
    await withEmulator({}, async (emulator, ecs) => {
      await seedFamilies(ecs);
      const tagging = taggingClient(emulator);
      const found: TaggedRevision[] = await findTaggedRevisions({ ecs, tagging }, { cluster: "dev", route: "pr-1" }, 3);
      emulator.resetCalls();
      const logger = new MemoryLogger();
      const [dry] = await retireRevisions(ecs, found, { deleteTaskDefinitions: true, concurrency: 3, dryRun: true, logger });
      assert.deepEqual(emulator.calls().filter((call) => call.mutating), []);
      assert.equal(dry?.deregistered.length, 1);
      assert.equal(dry?.deleted.length, 2);
      assert.deepEqual(
        logger.lines.map((line) => line.message),
        ["would deregister 1 revision(s) of orders--pr-1", "would delete 2 revision(s) of orders--pr-1"],
      );
      await retireRevisions(ecs, found, { deleteTaskDefinitions: false, concurrency: 3, dryRun: false, logger: silentLogger });
      assert.equal((await revisions(ecs, "orders--pr-1", "INACTIVE")).length, 2);
      assert.deepEqual(emulator.callCounts().DeleteTaskDefinitions, undefined);
      tagging.destroy();
    });
  });
});

describe("deleteServices", () => {
  it("deletes with force; a service already gone counts as deleted, so a re-run goes on", async () => {
    await withEmulator({ clusters: ["dev"] }, async (emulator, ecs) => {
      const seeded = emulator.seedService({
        cluster: "dev",
        taskDefinition: bridgeTaskDefinition("orders--pr-1"),
        service: { serviceName: "orders--pr-1", desiredCount: 2 },
      });
      const logger = new MemoryLogger();
      const results = await deleteServices(
        ecs,
        "dev",
        [decision("orders--pr-1", seeded.serviceArn), decision("gone--pr-1", "arn:aws:ecs:us-east-1:123456789012:service/dev/gone--pr-1")],
        { concurrency: 2, dryRun: false, logger },
      );
      assert.equal(results[0]?.error, undefined);
      assert.equal(results[1]?.error, undefined);
      assert.ok(logger.lines.some((line) => line.message === "service gone--pr-1 was already deleted"));
      assert.equal(logger.lines.filter((line) => line.level === "error").length, 0);
      assert.equal(emulator.callCounts().DeleteService, 2);
    });
  });
});

describe("readPullRequestStates", () => {
  it("asks once per pull request; a 404 is 'not found', not closed", async () => {
    const github = await startGitHubEmulator();
    try {
      github.addRepository("Codertocat/Hello-World");
      github.addToken("ghs_x", { login: "github-actions[bot]", type: "Bot", installation: true });
      github.addPullRequest("Codertocat/Hello-World", { number: 1, state: "open" });
      github.addPullRequest("Codertocat/Hello-World", { number: 2, state: "closed", merged: true });
      const octokit = createGitHubClient("ghs_x", github.url);
      const states = await readPullRequestStates(octokit, "Codertocat", "Hello-World", [1, 2, 2, 404, 1], 2);
      assert.deepEqual(Object.fromEntries(states), { 1: { kind: "open" }, 2: { kind: "closed", merged: true }, 404: { kind: "not-found" } });
      assert.equal(github.calls().length, 3);
    } finally {
      await github.close();
    }
  });

  it("a 403 is an unknown state marked as a permission problem; a rejected token ends the run in one line", async () => {
    const github = await startGitHubEmulator();
    try {
      github.addRepository("Codertocat/Hello-World");
      github.addToken("ghs_nopulls", { login: "github-actions[bot]", type: "Bot", installation: true, permissions: { pullRequests: "none" } });
      github.addPullRequest("Codertocat/Hello-World", { number: 1, state: "closed" });
      const denied = await readPullRequestStates(createGitHubClient("ghs_nopulls", github.url), "Codertocat", "Hello-World", [1], 2);
      assert.deepEqual(Object.fromEntries(denied), { 1: { kind: "unknown", reason: "HTTP 403", permissionDenied: true } });
      await assert.rejects(
        readPullRequestStates(createGitHubClient("ghs_revoked", github.url), "Codertocat", "Hello-World", [1], 2),
        (error: unknown) => error instanceof ConfigurationError && error.input === "github-token" && /401 Bad credentials/.test(error.message),
      );
    } finally {
      await github.close();
    }
  });
});
