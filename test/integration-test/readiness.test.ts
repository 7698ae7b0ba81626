import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { MemoryLogger } from "../../src/common/logger.js";
import { probeRequestHeaders } from "../../src/integration/environment.js";
import {
  explainAnswer,
  isLive,
  RouteNotLiveError,
  waitUntilRouteLive,
  type Clock,
} from "../../src/integration/readiness.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { TraefikLikeServer } from "./helpers/traefik-like-server.js";

/** Time moves only when a probe sleeps, so a 300 s timeout takes no real time. */
class FakeClock implements Clock {
  time = 1_000_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
}

const signal = { route: "pr-2", names: DEFAULT_SIGNAL_NAMES, extraBaggage: "" };
const headers = probeRequestHeaders(signal);

describe("waitUntilRouteLive", () => {
  let traefik: TraefikLikeServer;
  before(async () => {
    traefik = await new TraefikLikeServer().start();
  });
  after(() => traefik.stop());

  it("waits while shadow answers and reports the time to the first answer from the route", async () => {
    traefik.live.delete("pr-2");
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    const seen = traefik.requests.length;
    const originalSleep = clock.sleep.bind(clock);
    // The route goes live while the probe sleeps before its fourth attempt.
    clock.sleep = async (ms) => {
      if (clock.sleeps.length === 2) traefik.live.add("pr-2");
      await originalSleep(ms);
    };
    const [result] = await waitUntilRouteLive({ targets: [{ url: traefik.url() }], route: "pr-2", headers, timeoutMs: 300_000, intervalMs: 2_000, logger, clock });
    assert.deepEqual(clock.sleeps, [2_000, 2_000, 2_000]);
    assert.equal(result?.ready, true);
    assert.equal(result?.attempts, 4);
    assert.equal(result?.elapsedMs, 6_000);
    assert.deepEqual(result?.last, { kind: "answered", status: 200, servedBy: "pr-2" });
    // Every probe carried all three signals.
    for (const request of traefik.requests.slice(seen)) {
      assert.equal(request.headers["x-route-version"], "pr-2");
      assert.equal(request.headers.cookie, "x-route-version=pr-2");
      assert.equal(request.headers.baggage, "dynamic_route=pr-2");
    }
    const info = logger.lines.map((line) => line.message);
    // An unchanged answer is logged once, not on every attempt.
    assert.deepEqual(info, [`${traefik.url()} answered 200 by shadow, waiting`, `${traefik.url()} answered 200 by pr-2 after 6 s`]);
  });

  it("repeats an unchanged waiting line every progress period", async () => {
    traefik.live.delete("pr-2");
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    await assert.rejects(
      waitUntilRouteLive({ targets: [{ url: traefik.url() }], route: "pr-2", headers, timeoutMs: 30_000, intervalMs: 5_000, logger, clock, progressEveryMs: 10_000 }),
      RouteNotLiveError,
    );
    // Attempts at 0, 5, 10, 15, 20, 25, 30 s: logged at 0, 10 and 20 s; the last one fails the wait.
    assert.equal(logger.lines.length, 3);
  });

  it("fails at the timeout naming what each late URL last saw and why", async () => {
    traefik.live.delete("pr-2");
    const clock = new FakeClock();
    const error = await waitUntilRouteLive({ targets: [{ url: traefik.url() }], route: "pr-2", headers, timeoutMs: 5_000, intervalMs: 2_000, logger: new MemoryLogger(), clock }).then(
      () => assert.fail("the route is not live"),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof RouteNotLiveError);
    assert.equal(
      error.message,
      `route pr-2 not live after 5 s: ${traefik.url()} answered 200 by shadow: route pr-2 has no copy of this service, or Traefik has not picked the copy up yet (refreshSeconds); give entrypoint-url (and cluster) to tell which`,
    );
    // Attempts at 0, 2, 4 and 5 s: the last sleep is cut to the deadline.
    assert.deepEqual(clock.sleeps, [2_000, 2_000, 1_000]);
    assert.equal(error.results[0]?.attempts, 4);
    assert.equal(error.results[0]?.ready, false);
  });

  it("names an answer without X-Served-By-Route as not coming through a route's router", async () => {
    const error = await waitUntilRouteLive({ targets: [{ url: traefik.url() }], route: "pr-2", headers: {}, timeoutMs: 0, intervalMs: 2_000, logger: new MemoryLogger(), clock: new FakeClock() }).catch(
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof RouteNotLiveError);
    assert.match(error.message, /answered 200 without X-Served-By-Route: the answer did not come through a route's router/);
    assert.equal(error.results[0]?.attempts, 1);
  });

  it("reports a connection error when nothing answers", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await waitUntilRouteLive({ targets: [{ url: `http://127.0.0.1:${port}/health` }], route: "pr-2", headers, timeoutMs: 4_000, intervalMs: 2_000, logger: new MemoryLogger(), clock: new FakeClock() }).catch(
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof RouteNotLiveError);
    assert.match(error.message, new RegExp(`http://127.0.0.1:${port}/health failed: connect ECONNREFUSED 127.0.0.1:${port}: nothing answered`));
  });

  it("reports a request that takes longer than its timeout", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
      const error = await waitUntilRouteLive({ targets: [{ url: url }], route: "pr-2", headers, timeoutMs: 0, intervalMs: 1_000, requestTimeoutMs: 50, logger: new MemoryLogger(), clock: new FakeClock() }).catch(
        (thrown: unknown) => thrown,
      );
      assert.ok(error instanceof RouteNotLiveError);
      assert.match(error.message, /failed: no answer within/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("probes several URLs concurrently and waits for all of them", async () => {
    traefik.live.add("pr-2");
    const other = await new TraefikLikeServer().start();
    try {
      const clock = new FakeClock();
      const originalSleep = clock.sleep.bind(clock);
      clock.sleep = async (ms) => {
        other.live.add("pr-2");
        await originalSleep(ms);
      };
      const results = await waitUntilRouteLive({ targets: [{ url: traefik.url() }, { url: other.url("/ready") }], route: "pr-2", headers, timeoutMs: 60_000, intervalMs: 2_000, logger: new MemoryLogger(), clock });
      assert.deepEqual(
        results.map((result) => [result.name, result.ready, result.attempts]),
        [
          [traefik.url(), true, 1],
          [other.url("/ready"), true, 2],
        ],
      );
      assert.equal(results[0]?.elapsedMs, 0);
    } finally {
      await other.stop();
    }
  });
});

describe("isLive", () => {
  it("needs the route's name and an answer from its tasks, not Traefik's own 5xx", () => {
    assert.equal(isLive({ kind: "answered", status: 200, servedBy: "pr-2" }, "pr-2"), true);
    assert.equal(isLive({ kind: "answered", status: 404, servedBy: "pr-2" }, "pr-2"), true);
    assert.equal(isLive({ kind: "answered", status: 503, servedBy: "pr-2" }, "pr-2"), false);
    assert.equal(isLive({ kind: "answered", status: 200, servedBy: "shadow" }, "pr-2"), false);
    assert.equal(isLive({ kind: "answered", status: 200, servedBy: undefined }, "pr-2"), false);
    assert.equal(isLive({ kind: "failed", reason: "ECONNREFUSED" }, "pr-2"), false);
  });

  it("tells a copy that answers with an error from one Traefik has not picked up, and from no copy at all", () => {
    const fromRoute = { kind: "answered", status: 502, servedBy: "pr-2" } as const;
    const fromShadow = { kind: "answered", status: 200, servedBy: "shadow" } as const;
    const copy = { url: "https://traefik.dev.internal/", host: "orders.dev.internal", copy: "orders--pr-2" };
    assert.match(explainAnswer(fromRoute, "pr-2", copy), /^the copy answers with an error: it is routed/);
    assert.match(explainAnswer(fromShadow, "pr-2", copy), /^the copy orders--pr-2 exists but Traefik has not picked it up yet \(it routes a new task within its refreshSeconds/);
    // Without the copies read from ECS, an answer from shadow can be either.
    assert.match(explainAnswer(fromShadow, "pr-2", { url: "https://orders.dev.internal/" }), /^route pr-2 has no copy of this service, or Traefik has not picked the copy up yet/);
  });
});
