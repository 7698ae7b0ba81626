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
    },
  ],
};

describe("deploySummary", () => {
  it("has one row per service, the reasons, and how to reach the route", () => {
    assert.equal(
      deploySummary(result, DEFAULT_SIGNAL_NAMES),
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
        "### Reach the route",
        "",
        "- header: `X-Route-Version: pr-7` (curl: `curl -H 'X-Route-Version: pr-7' …`)",
        '- cookie: `x-route-version=pr-7` (browser console: `document.cookie = "x-route-version=pr-7; path=/"`)',
        "- baggage: `baggage: dynamic_route=pr-7` (OpenTelemetry propagates it downstream)",
        "",
      ].join("\n"),
    );
  });

  it("fails the step with one line naming each failed copy", () => {
    assert.equal(failureLine(result), "route pr-7: payments--pr-7 failed: ECS deployment circuit breaker: tasks failed to start.; task stopped: exit | 1");
  });
});
