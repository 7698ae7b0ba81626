// deployRoute, the library function, against the ECS emulator over HTTP with the real SDK client:
// concurrency, one poller batching 10 services a call, a bounded DRAINING wait, and adaptive retry
// through throttling and 5xx.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  type ECSClient,
  paginateListTasks,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { ConfigurationError } from "../../src/common/errors.js";
import { MemoryLogger } from "../../src/common/logger.js";
import { deployRoute } from "../../src/deploy/deploy.js";
import type { DeployRouteOptions } from "../../src/deploy/options.js";
import { stoppedTaskReasons, waitForServices } from "../../src/deploy/wait.js";
import { DEFAULT_PRIORITIES } from "../../src/routing/labels.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { seedBaseService } from "../helpers/deploy.js";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { ecsClient, eventually } from "../helpers/ecs.js";

const BASES = ["orders", "payments", "catalog", "shipping", "billing", "search"];
let emulator: EcsEmulator;
let client: ECSClient;

function options(route: string, services: string[], overrides: Partial<DeployRouteOptions> = {}): DeployRouteOptions {
  return {
    client,
    cluster: "default",
    route,
    kind: "ephemeral",
    services: services.map((service) => ({ service, container: undefined, image: `registry.example.com/${service}:${route}`, match: undefined, port: undefined, protocol: "http", environment: {}, input: "services" })),
    routing: { signal: DEFAULT_SIGNAL_NAMES, ruleSyntax: "v3", entrypoints: [], priority: DEFAULT_PRIORITIES.route, fallbackPriority: DEFAULT_PRIORITIES.shadowFallback, fallback: "default" },
    desiredCount: 1,
    wait: true,
    timeoutMs: 60_000,
    maxConcurrency: 5,
    tags: { repository: "acme/shop", repositoryId: "1", cluster: "default", sharedRoute: false, commit: "abc", pullRequest: 1, expiresAt: undefined, userTags: {} },
    logger: new MemoryLogger(),
    // This file tests the wait loop, not its pacing: poll fast.
    pollIntervalMs: 100,
    ...overrides,
  };
}

before(async () => {
  emulator = await startEcsEmulator({ stabilizationMs: 300 });
  client = ecsClient(emulator, { retryMode: "adaptive", maxAttempts: 10 });
  for (const name of BASES) seedBaseService(emulator, name, { desiredCount: 1 });
});

after(async () => {
  client.destroy();
  await emulator.close();
});

describe("deployRoute", () => {
  it("deploys six services with one poller: one DescribeServices per 10 pending services per poll", async () => {
    emulator.resetCalls();
    const result = await deployRoute(options("pr-11", BASES));
    assert.equal(result.failed, false);
    assert.deepEqual(result.services.map((service) => service.status), BASES.map(() => "running"));
    const calls = emulator.calls();
    const lastMutation = Math.max(...calls.filter((call) => call.mutating).map((call) => call.at));
    const polls = calls.filter((call) => call.operation === "DescribeServices" && call.at > lastMutation).length;
    const counts = emulator.callCounts();
    assert.equal(counts.CreateService, 6);
    assert.equal(counts.RegisterTaskDefinition, 6);
    assert.equal(counts.DescribeTaskDefinition, 6);
    // Polling at 100 ms for a 300 ms rollout: a handful of polls, each one call for all six services.
    assert.ok(polls >= 1 && polls <= 10, `${polls} polls`);
    assert.equal((counts.DescribeServices ?? 0) - polls, 2, "one batched read of the bases and one of the existing copies");
  });

  it("logs each copy's plan in a group of its own and the rollout of all of them in one more", async () => {
    const logger = new MemoryLogger();
    await deployRoute(options("pr-12", ["orders", "payments"], { logger }));
    const groups = [...new Set(logger.lines.map((line) => line.group))];
    assert.deepEqual(groups, ["orders--pr-12: create", "payments--pr-12: create", "Rollout of 2 copy(ies)"]);
    const rollout = logger.lines.filter((line) => line.group === "Rollout of 2 copy(ies)").map((line) => line.message);
    assert.ok(rollout.includes("orders--pr-12: stable") && rollout.includes("payments--pr-12: stable"), rollout.join("\n"));
  });

  it("creates one service when the SDK retries a CreateService whose answer was lost: the retry carries the same clientToken", async () => {
    const tokens: string[] = [];
    const lossy = ecsClient(emulator, { maxAttempts: 3 });
    // Inside the SDK's retry loop: the first CreateService reaches ECS, then its answer is "lost" as a 503.
    lossy.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "CreateServiceCommand") {
          const body = (args.request as { body: string | Uint8Array }).body;
          tokens.push(JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)).clientToken);
          if (tokens.length === 1) throw Object.assign(new Error("connection reset"), { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } });
        }
        return result;
      },
      { step: "deserialize", name: "loseFirstCreateServiceAnswer" },
    );
    emulator.resetCalls();
    try {
      const result = await deployRoute(options("pr-18", ["orders"], { client: lossy }));
      assert.equal(result.failed, false, result.services[0]?.reason);
      assert.equal(emulator.callCounts().CreateService, 2, "ECS saw the call twice");
      assert.equal(tokens.length, 2);
      assert.equal(tokens[0], tokens[1]);
      assert.ok((tokens[0] ?? "").length <= 36);
      assert.equal(result.services[0]?.serviceArn, "arn:aws:ecs:us-east-1:123456789012:service/default/orders--pr-18");
    } finally {
      lossy.destroy();
    }
  });

  it("refuses, before any change, user tags that would take an existing copy past 50 tags (TagResource keeps the old ones)", async () => {
    const userTags = (prefix: string): Record<string, string> => Object.fromEntries(Array.from({ length: 39 }, (_, index) => [`${prefix}${index}`, "v"]));
    const first = await deployRoute(options("pr-19", ["orders"], { wait: false, tags: { ...options("pr-19", []).tags, userTags: userTags("t") } }));
    assert.equal(first.failed, false);
    emulator.resetCalls();
    await assert.rejects(
      deployRoute(options("pr-19", ["orders"], { wait: false, tags: { ...options("pr-19", []).tags, userTags: userTags("u") } })),
      (error: unknown) => error instanceof ConfigurationError && error.input === "tags" && /orders--pr-19 already has 50 tags; with these it would have 89, over ECS's limit of 50/.test(error.message),
    );
    assert.deepEqual(emulator.calls().filter((call) => call.mutating), []);
  });

  it("registers and creates at most max-concurrency services at once", async () => {
    let inFlight = 0;
    let most = 0;
    const counted = ecsClient(emulator);
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        if (!["RegisterTaskDefinitionCommand", "CreateServiceCommand"].includes(context.commandName ?? "")) return next(args);
        most = Math.max(most, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: "initialize" },
    );
    emulator.configure({ latencyMs: 20 });
    try {
      const result = await deployRoute(options("pr-20", BASES, { client: counted, wait: false, maxConcurrency: 2 }));
      assert.equal(result.failed, false);
      assert.equal(most, 2);
    } finally {
      emulator.configure({ latencyMs: 0 });
      counted.destroy();
    }
  });

  it("returns without waiting when wait is false", async () => {
    const result = await deployRoute(options("pr-12", ["orders"], { wait: false }));
    assert.equal(result.services[0]?.status, "deployed");
    assert.equal(result.services[0]?.timeToStableMs, undefined);
  });

  it("finishes through throttling and server errors by the SDK's adaptive retry", async () => {
    emulator.configure({ throttle: { ratePerSecond: 20, burst: 5 }, serverErrorRate: 0.1, seed: 7 });
    try {
      emulator.resetCalls();
      const result = await deployRoute(options("pr-13", BASES));
      assert.equal(result.failed, false, JSON.stringify(result.services.map((service) => service.reason)));
      const outcomes = new Set(emulator.calls().map((call) => call.outcome));
      assert.ok(outcomes.has("throttled") || outcomes.has("server-error"), `faults were injected: ${[...outcomes].join(", ")}`);
    } finally {
      emulator.configure({ throttle: undefined, serverErrorRate: 0 });
    }
  });

  it("reports a timeout with the rollout's progress instead of a bare 'not stable'", async () => {
    emulator.configure({ stabilizationMs: 60_000 });
    try {
      const result = await deployRoute(options("pr-14", ["orders"], { timeoutMs: 600 }));
      assert.equal(result.failed, true);
      assert.match(result.services[0]?.reason ?? "", /^not stable within 0\.6 s \([01]\/1 running, [01] pending, rollout IN_PROGRESS\); latest event: /);
    } finally {
      emulator.configure({ stabilizationMs: 300 });
    }
  });
});

describe("deployRoute and a DRAINING copy", () => {
  it("waits for it no longer than the timeout, fails that copy with the reason, and creates nothing", async () => {
    seedBaseService(emulator, "orders--pr-15", { desiredCount: 1 });
    emulator.configure({ drainMs: 600_000 });
    try {
      await client.send(new UpdateServiceCommand({ cluster: "default", service: "orders--pr-15", desiredCount: 0 }));
      await client.send(new DeleteServiceCommand({ cluster: "default", service: "orders--pr-15" }));
      emulator.resetCalls();
      const result = await deployRoute(options("pr-15", ["orders"], { timeoutMs: 500 }));
      assert.equal(result.failed, true);
      assert.match(result.services[0]?.reason ?? "", /^orders--pr-15 was still DRAINING after 0\.5 s; retry when it is gone/);
      assert.equal(emulator.callCounts().CreateService, undefined);
    } finally {
      emulator.configure({ drainMs: 1000 });
    }
  });
});

describe("waitForServices", () => {
  it("polls at least once even when the deadline has passed (a long DRAINING wait used the budget)", async () => {
    const deployed = await deployRoute(options("pr-17", ["orders"]));
    const target = { serviceName: "orders--pr-17", taskDefinitionArn: deployed.services[0]?.taskDefinitionArn as string };
    const outcomes = await waitForServices([target], { client, cluster: "default", timeoutMs: 1_000, startedAt: Date.now() - 2_000, logger: new MemoryLogger(), intervalMs: 50 });
    assert.equal(outcomes.get("orders--pr-17")?.status, "stable");
  });

  it("polls twelve services with one DescribeServices per 10 of them each round", async () => {
    const names = Array.from({ length: 12 }, (_, index) => `batch-${index}`);
    for (const name of names) seedBaseService(emulator, name, { desiredCount: 1 });
    const deployed = await deployRoute(options("pr-16", names, { wait: false, maxConcurrency: 12 }));
    const batches: number[] = [];
    const observed = ecsClient(emulator);
    observed.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DescribeServicesCommand") batches.push((args.input as { services: string[] }).services.length);
        return next(args);
      },
      { step: "initialize" },
    );
    try {
      const targets = deployed.services.map((service) => ({ serviceName: service.routeService, taskDefinitionArn: service.taskDefinitionArn as string }));
      const outcomes = await waitForServices(targets, { client: observed, cluster: "default", timeoutMs: 20_000, logger: new MemoryLogger(), intervalMs: 50 });
      assert.deepEqual([...outcomes.values()].map((outcome) => outcome.status), names.map(() => "stable"));
      assert.deepEqual(batches.slice(0, 2).sort(), [10, 2].sort(), "the first round: two calls for twelve services");
      assert.ok(batches.every((size) => size <= 10), batches.join(","));
    } finally {
      observed.destroy();
    }
  });


  it("fails the pending services with the error when a poll fails for another reason than throttling", async () => {
    const deployed = await deployRoute(options("pr-13", ["orders"], { wait: false }));
    const target = { serviceName: "orders--pr-13", taskDefinitionArn: deployed.services[0]?.taskDefinitionArn as string };
    emulator.failCalls("DescribeServices", { after: 0, type: "ExpiredTokenException", message: "The security token included in the request is expired" });
    try {
      const outcomes = await waitForServices([target], { client, cluster: "default", timeoutMs: 20_000, logger: new MemoryLogger(), intervalMs: 50 });
      assert.deepEqual(outcomes.get("orders--pr-13"), {
        serviceName: "orders--pr-13",
        status: "failed",
        at: outcomes.get("orders--pr-13")?.at,
        reason: "could not read the rollout: The security token included in the request is expired",
      });
    } finally {
      emulator.failCalls("DescribeServices", undefined);
    }
  });

  it("reads the stopped tasks' reasons past the first 100 tasks, which may all be an earlier deployment's", async () => {
    // 200 failed tasks of revision 1 (no circuit breaker: ECS keeps relaunching), then revision 2 fails differently.
    emulator.failImage("registry.example.com/flaky:1", "CannotPullContainerError: first image");
    emulator.failImage("registry.example.com/flaky:2", "CannotPullContainerError: second image");
    const register = async (image: string): Promise<string> =>
      (await client.send(new RegisterTaskDefinitionCommand({ family: "flaky", containerDefinitions: [{ name: "app", image, essential: true, memory: 128 }] }))).taskDefinition
        ?.taskDefinitionArn as string;
    await client.send(new CreateServiceCommand({ cluster: "default", serviceName: "flaky", taskDefinition: await register("registry.example.com/flaky:1"), desiredCount: 400 }));
    const stopped = async (): Promise<number> => {
      let count = 0;
      for await (const page of paginateListTasks({ client }, { cluster: "default", serviceName: "flaky", desiredStatus: "STOPPED" })) count += page.taskArns?.length ?? 0;
      return count;
    };
    await eventually(async () => ((await stopped()) >= 200 ? true : undefined), 10_000);
    const second = await register("registry.example.com/flaky:2");
    await client.send(new UpdateServiceCommand({ cluster: "default", service: "flaky", taskDefinition: second, desiredCount: 1 }));
    await eventually(async () => ((await stopped()) > 200 ? true : undefined), 10_000);
    const reasons = await stoppedTaskReasons(client, "default", { serviceName: "flaky", taskDefinitionArn: second }, undefined);
    assert.ok(reasons.includes("container app: CannotPullContainerError: second image"), reasons.join("\n"));
    assert.ok(!reasons.some((reason) => reason.includes("first image")), "only our task definition's tasks");
  });

  it("treats a poll throttled past the SDK's retries as one lost poll, not a failed deploy", async () => {
    const deployed = await deployRoute(options("pr-14", ["orders"], { wait: false }));
    const target = { serviceName: "orders--pr-14", taskDefinitionArn: deployed.services[0]?.taskDefinitionArn as string };
    // No SDK retries and a bucket of one call a second: most polls at 50 ms are refused.
    const impatient = ecsClient(emulator, { maxAttempts: 1 });
    emulator.configure({ throttle: { ratePerSecond: 1, burst: 1 } });
    emulator.resetCalls();
    try {
      const logger = new MemoryLogger();
      const outcomes = await waitForServices([target], { client: impatient, cluster: "default", timeoutMs: 20_000, logger, intervalMs: 50 });
      assert.equal(outcomes.get("orders--pr-14")?.status, "stable");
      assert.ok(emulator.calls().some((call) => call.outcome === "throttled"), "some polls were throttled");
      assert.ok(logger.lines.some((line) => /throttled; polling again/.test(line.message)));
    } finally {
      emulator.configure({ throttle: undefined });
      impatient.destroy();
    }
  });
});
