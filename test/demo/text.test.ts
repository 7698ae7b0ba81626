import { test } from "node:test";
import assert from "node:assert/strict";
import { ecsConsoleUrl, renderRouteComment, renderTornDownComment } from "../../src/github/comment-body.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { displayWidth, formatTable, renderMarkdown } from "../../scripts/demo/text.js";

test("formatTable pads every column to its widest cell, emoji counted as two columns", () => {
  assert.deepEqual(formatTable(["a", "status", "z"], [["long", "✅ ok", "x"], ["b", "no", "yy"]], ""), [
    "a     status  z",
    "----  ------  --",
    "long  ✅ ok   x",
    "b     no      yy",
  ]);
  assert.equal(displayWidth("⏭️ skipped"), 10);
});

test("renderMarkdown shows the real route comment as a person reads it on GitHub", () => {
  const body = renderRouteComment({
    route: "pr-2",
    repository: "Codertocat/Hello-World",
    commit: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    cluster: "dev",
    region: "us-east-1",
    services: [
      {
        baseService: "orders",
        routeService: "orders--pr-2",
        image: "registry/orders:pr-2-ec26c3e",
        status: "failed",
        reason: "exit 1 | <oom>",
        consoleUrl: ecsConsoleUrl("us-east-1", "dev", "orders--pr-2"),
      },
    ],
    signal: DEFAULT_SIGNAL_NAMES,
    environmentUrl: "http://127.0.0.1:8000/web/",
    updatedAt: new Date("2026-11-22T19:00:00Z"),
  });
  const text = renderMarkdown(body, "");
  assert.ok(!text.some((line) => line.includes("<!--")), "the hidden marker is not shown");
  assert.ok(text.includes("❌ Route pr-2 failed to deploy"));
  const header = text.findIndex((line) => line.startsWith("Service"));
  assert.equal(text[header], "Service  Route service  Image tag     Status                     ECS");
  assert.equal(text[header + 2], "orders   orders--pr-2   pr-2-ec26c3e  ❌ failed: exit 1 | <oom>  console");
  assert.ok(text.includes("    curl -H 'X-Route-Version: pr-2' http://127.0.0.1:8000/web/"));
  assert.ok(text.includes("Mobile debug menu: header X-Route-Version with value pr-2"));
  assert.ok(!text.some((line) => /<\/?details|<summary|\*\*/.test(line)));

  const tornDown = renderMarkdown(renderTornDownComment({ route: "pr-2", removed: ["orders--pr-2"], tornDownAt: new Date("2026-11-22T19:05:00Z") }), "");
  assert.deepEqual(tornDown, ["🧹 Route pr-2 was torn down", "", "removed orders--pr-2 · 2026-11-22T19:05:00Z (UTC)"]);
});
