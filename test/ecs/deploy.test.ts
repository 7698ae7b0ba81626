// deployRoute, the library function, against the ECS emulator over HTTP with the real SDK client:
// concurrency, one poller, and adaptive retry through throttling and 5xx.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ECSClient } from "@aws-sdk/client-ecs";
import { MemoryLogger } from "../../src/common/logger.js";
import { deployRoute, type DeployRouteOptions } from "../../src/ecs/deploy.js";
import { waitForServices } from "../../src/ecs/wait.js";
import { DEFAULT_PRIORITIES } from "../../src/routing/labels.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { seedBaseService } from "../deploy/fixtures.js";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";

const BASES = ["orders", "payments", "catalog", "shipping", "billing", "search"];
let emulator: EcsEmulator;
let client: ECSClient;

function options(route: string, services: string[], overrides: Partial<DeployRouteOptions> = {}): DeployRouteOptions {
  return {
    client,
    cluster: "default",
    route,
    kind: "ephemeral",
    services: services.map((service) => ({ service, container: undefined, image: `registry.example.com/${service}:${route}`, match: undefined, port: undefined, protocol: "http", input: "services" })),
    routing: { signal: DEFAULT_SIGNAL_NAMES, ruleSyntax: "v3", entrypoints: [], priority: DEFAULT_PRIORITIES.route, fallbackPriority: DEFAULT_PRIORITIES.shadowFallback, fallback: "default" },
    desiredCount: 1,
    wait: true,
    timeoutMs: 60_000,
    maxConcurrency: 5,
    tags: { repository: "acme/shop", commit: "abc", pullRequest: 1, expiresAt: undefined, userTags: {} },
    logger: new MemoryLogger(),
    // This file tests the wait loop, not its pacing: poll fast.
    pollIntervalMs: 100,
    ...overrides,
  };
}

before(async () => {
  emulator = await startEcsEmulator({ stabilizationMs: 300 });
  client = new ECSClient({
    region: "us-east-1",
    endpoint: emulator.url,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "emulator-secret-key" },
    retryMode: "adaptive",
    maxAttempts: 10,
  });
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

describe("waitForServices", () => {
  it("treats a poll throttled past the SDK's retries as one lost poll, not a failed deploy", async () => {
    const deployed = await deployRoute(options("pr-14", ["orders"], { wait: false }));
    const target = { serviceName: "orders--pr-14", taskDefinitionArn: deployed.services[0]?.taskDefinitionArn as string };
    // No SDK retries and a bucket of one call a second: most polls at 50 ms are refused.
    const impatient = new ECSClient({ region: "us-east-1", endpoint: emulator.url, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "emulator-secret-key" }, maxAttempts: 1 });
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
