import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deploySummary, failureLine } from "../../src/deploy/report.js";
import type { DeployRouteResult } from "../../src/deploy/apply.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";

const result: DeployRouteResult = {
  route: "pr-7",
  cluster: "dev",
  region: "eu-west-1",
  failed: true,
  services: [
    {
      baseService: "orders",
      routeService: "orders--pr-7",
      image: "registry.example.com/orders:pr-7-abc",
      serviceArn: "arn:orders",
      taskDefinitionArn: "arn:td:orders",
      status: "running",
      change: "created",
      timeToStableMs: 6_240,
      reason: undefined,
      usage: { route: "pr-7", service: "orders--pr-7", tasks: 2, vcpu: 0.25, memoryGiB: 0.5, createdAt: new Date("2026-12-01T10:00:00Z") },
    },
    {
      baseService: "payments",
      routeService: "payments--pr-7",
      image: "registry.example.com/payments@sha256:0123456789abcdef",
      serviceArn: "arn:payments",
      taskDefinitionArn: "arn:td:payments",
      status: "failed",
      change: "updated",
      timeToStableMs: undefined,
      reason: "ECS deployment circuit breaker: tasks failed to start.; task stopped: exit | 1",
      usage: undefined,
    },
  ],
};

describe("deploySummary", () => {
  it("has one row per service, the reasons, what the route runs and costs, and how to reach the route", () => {
    assert.equal(
      deploySummary(
        result,
        { signal: DEFAULT_SIGNAL_NAMES, prices: { vcpuHour: 0.04, gibHour: 0.005 }, environmentUrl: "https://app.dev.example.com" },
        new Date("2026-12-01T12:00:00Z"),
      ),
      [
        "## Route `pr-7` failed",
        "",
        "Cluster `dev` in eu-west-1.",
        "",
        "| route service | image tag | status | time to stable |",
        "|---|---|---|---|",
        "| `orders--pr-7` | `pr-7-abc` | running (created) | 6.2 s |",
        "| `payments--pr-7` | `sha256:0123456789abcdef` | failed (updated) | – |",
        "",
        "### Why",
        "",
        "- `payments--pr-7`: ECS deployment circuit breaker: tasks failed to start.; task stopped: exit \\| 1",
        "",
        "### What the route runs",
        "",
        "2 tasks in 1 copy: 0.5 vCPU and 1 GiB in all.",
        "",
        "| | vCPU-hours | GiB-hours | amount |",
        "|---|---|---|---|",
        "| per day | 12 | 24 | 0.60 |",
        "| so far (since 2026-12-01 10:00 UTC) | 1 | 2 | 0.05 |",
        "",
        "Amounts at 0.04 per vCPU-hour and 0.005 per GiB-hour (the price-vcpu-hour and price-gib-hour inputs).",
        "",
        "### Reach the route",
        "",
        "- header: `X-Route-Version: pr-7` (curl: `curl -H 'X-Route-Version: pr-7' …`)",
        '- cookie: `x-route-version=pr-7` (browser console: `document.cookie = "x-route-version=pr-7; domain=dev.example.com; path=/; max-age=86400; SameSite=Lax; Secure"`)',
        "- baggage: `baggage: dynamic_route=pr-7` (OpenTelemetry propagates it downstream)",
        "",
      ].join("\n"),
    );
  });

  it("fails the step with one line naming each failed copy", () => {
    assert.equal(failureLine(result), "route pr-7: payments--pr-7 failed: ECS deployment circuit breaker: tasks failed to start.; task stopped: exit | 1");
  });
});
