import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deploySummary, failureLine } from "../../src/deploy/report.js";
import type { DeployRouteResult } from "../../src/deploy/apply.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { codeTexts, renderGfm, withoutCode } from "../helpers/markdown.js";

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
    const summary = deploySummary(result, DEFAULT_SIGNAL_NAMES);
    const lines = summary.split("\n");
    assert.equal(lines[0], "## Route `pr-7` failed");
    assert.deepEqual(codeTexts(renderGfm(lines.slice(2, 14).join("\n"))), [
      "dev",
      "eu-west-1",
      "orders--pr-7",
      "pr-7-abc",
      "payments--pr-7",
      "sha256:0123456789abcdef",
      "payments--pr-7",
      "ECS deployment circuit breaker: tasks failed to start.; task stopped: exit | 1",
    ]);
    assert.match(summary, /\| running \(created\) \| 6\.2 s \|\n.*\| failed \(updated\) \| – \|\n\n### Why\n/);
    assert.ok(summary.endsWith(
      [
        "### Reach the route",
        "",
        "- header: `X-Route-Version: pr-7` (curl: `curl -H 'X-Route-Version: pr-7' …`)",
        '- cookie: `x-route-version=pr-7` (browser console: `document.cookie = "x-route-version=pr-7; path=/"`)',
        "- baggage: `baggage: dynamic_route=pr-7` (OpenTelemetry propagates it downstream)",
        "",
      ].join("\n"),
    ));
  });

  it("renders stopped reasons and images as text, never as a link, an image, a mention or HTML", () => {
    const withText = (text: string): DeployRouteResult => ({
      ...result,
      region: text,
      services: result.services.map((service) => ({ ...service, image: `registry.example.com/x:${text}`, reason: text })),
    });
    const plain = withoutCode(renderGfm(deploySummary(withText("plain"), DEFAULT_SIGNAL_NAMES)));
    for (const text of ["[x](https://evil.example/)", "![t](https://evil.example/i.png)", "@org/team", "https://evil.example www.evil.example a@evil.example", "<img src=x> | `a`\n\n# b"]) {
      assert.equal(withoutCode(renderGfm(deploySummary(withText(text), DEFAULT_SIGNAL_NAMES))), plain, text);
    }
  });

  it("fails the step with one line naming each failed copy", () => {
    assert.equal(failureLine(result), "route pr-7: payments--pr-7 failed: ECS deployment circuit breaker: tasks failed to start.; task stopped: exit | 1");
  });
});
