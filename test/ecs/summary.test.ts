import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inertText } from "../../src/common/inert-text.js";
import { deployOutputs, deploySummary, failureLine } from "../../src/deploy/report.js";
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

const settings = { signal: DEFAULT_SIGNAL_NAMES, prices: { vcpuHour: 0.04, gibHour: 0.005 }, environmentUrl: "https://app.dev.example.com" };

describe("deploySummary", () => {
  it("has one row per service, the reasons, what the route runs and costs, and how to reach the route", () => {
    const summary = deploySummary(result, settings, new Date("2026-12-01T12:00:00Z"));
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
    assert.ok(
      summary.includes(
        [
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
        ].join("\n"),
      ),
      summary,
    );
    assert.ok(summary.endsWith(
      [
        "### Reach the route",
        "",
        "- header: `X-Route-Version: pr-7` (curl: `curl -H 'X-Route-Version: pr-7' …`)",
        '- cookie: `x-route-version=pr-7` (browser console: `document.cookie = "x-route-version=pr-7; domain=dev.example.com; path=/; max-age=86400; SameSite=Lax; Secure"`)',
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
    const plain = withoutCode(renderGfm(deploySummary(withText("plain"), settings, new Date("2026-12-01T12:00:00Z"))));
    for (const text of ["[x](https://evil.example/)", "![t](https://evil.example/i.png)", "@org/team", "https://evil.example www.evil.example a@evil.example", "<img src=x> | `a`\n\n# b"]) {
      assert.equal(withoutCode(renderGfm(deploySummary(withText(text), settings, new Date("2026-12-01T12:00:00Z")))), plain, text);
    }
  });

  it("keeps a cookie domain with backticks (a host name of the environment URL) whole in its code span, so no link forms", () => {
    const summary = deploySummary(result, { ...settings, environmentUrl: "https://app.`www.evil.example`.example.com/" }, new Date("2026-12-01T12:00:00Z"));
    const cookie = summary.split("\n").find((line) => line.startsWith("- cookie:"));
    assert.equal(
      cookie,
      '- cookie: `x-route-version=pr-7` (browser console: ``document.cookie = "x-route-version=pr-7; domain=`www.evil.example`.example.com; path=/; max-age=86400; SameSite=Lax; Secure"``)',
    );
    assert.doesNotMatch(renderGfm(summary), /<a /);
  });

  it("says what the deploy's prune removed and left after the reasons, before what the route runs, and nothing when it touched nothing", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    const lines = deploySummary(result, settings, now, { removed: ["web--pr-7"], left: [{ service: "api--pr-7", reason: "delete failed: throttled" }] }).split("\n");
    const pruned = lines.indexOf("### Pruned");
    assert.deepEqual(lines.slice(pruned - 2, pruned + 6), [
      `- <code>payments--pr-7</code>: ${inertText(result.services[1]?.reason ?? "")}`,
      "",
      "### Pruned",
      "",
      "- removed <code>web--pr-7</code>: not in this deploy's services (`prune: false` keeps a route's other copies)",
      "- not removed <code>api--pr-7</code>: <code>delete failed&#58; throttled</code>; the next deploy tries again",
      "",
      "### What the route runs",
    ]);
    assert.equal(deploySummary(result, settings, now, { removed: [], left: [] }), deploySummary(result, settings, now));
  });

  it("fails the step with one line naming each failed copy", () => {
    assert.equal(failureLine(result), "route pr-7: payments--pr-7 failed: ECS deployment circuit breaker: tasks failed to start.; task stopped: exit | 1");
  });
});

describe("a deploy's report when it went well, and when a copy failed without a reason", () => {
  const [orders, payments] = result.services;
  if (orders === undefined || payments === undefined) throw new Error("fixture has two services");
  const deployed: DeployRouteResult = {
    ...result,
    failed: false,
    services: [{ ...orders, change: undefined, timeToStableMs: undefined }],
  };

  it("says deployed, has the table's header, no parenthesis without a change, and no Why section", () => {
    const lines = deploySummary(deployed, settings, new Date("2026-12-01T12:00:00Z")).split("\n");
    assert.deepEqual(lines.slice(0, 8), [
      "## Route `pr-7` deployed",
      "",
      "Cluster <code>dev</code> in <code>eu-west-1</code>.",
      "",
      "| route service | image tag | status | time to stable |",
      "|---|---|---|---|",
      "| <code>orders--pr-7</code> | <code>pr-7-abc</code> | running | – |",
      "",
    ]);
    assert.equal(lines[8], "### What the route runs");
    assert.ok(!lines.includes("### Why"));
  });

  it("gives each failed copy's reason in a list after a blank line, and ends the list with one", () => {
    const lines = deploySummary(result, settings, new Date("2026-12-01T12:00:00Z")).split("\n");
    const why = lines.indexOf("### Why");
    assert.deepEqual(lines.slice(why, why + 4), [
      "### Why",
      "",
      `- <code>payments--pr-7</code>: ${inertText(payments.reason ?? "")}`,
      "",
    ]);
  });

  it("names every failed copy in the failure line, one after another, and says when ECS gave no reason", () => {
    const twoFailed: DeployRouteResult = { ...result, services: [{ ...orders, status: "failed", reason: undefined }, payments] };
    assert.equal(
      failureLine(twoFailed),
      "route pr-7: orders--pr-7 failed: unknown reason | payments--pr-7 failed: ECS deployment circuit breaker: tasks failed to start.; task stopped: exit | 1",
    );
  });

  it("outputs the route, how to ask for it, and each copy with null for what it does not have yet", () => {
    const outputs = deployOutputs({ ...result, services: [orders, { ...payments, serviceArn: undefined, taskDefinitionArn: undefined }] }, DEFAULT_SIGNAL_NAMES);
    assert.deepEqual(outputs, {
      route: "pr-7",
      headers: JSON.stringify({ "X-Route-Version": "pr-7" }),
      baggage: "dynamic_route=pr-7",
      services: JSON.stringify([
        { baseService: "orders", routeService: "orders--pr-7", serviceArn: "arn:orders", taskDefinitionArn: "arn:td:orders", status: "running" },
        { baseService: "payments", routeService: "payments--pr-7", serviceArn: null, taskDefinitionArn: null, status: "failed" },
      ]),
      "task-definition-arns": JSON.stringify(["arn:td:orders"]),
    });
  });
});
