// `npm run demo` end to end: the committed bundles through the root action.yml against the emulators.
// Asserts what the demo shows a person — the routing table, the comment, the deployment, the reaper's
// work — from its result, and that a failed step ends it with that step's output and exit code 1.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { runDemo, type DemoResult } from "../../scripts/demo/lifecycle.js";
import type { ObservedRow } from "../../scripts/demo/observe.js";

const root = resolve(import.meta.dirname, "..", "..");
let result: DemoResult;
const printed: string[] = [];

before(async () => {
  result = await runDemo({ print: (line) => printed.push(line) });
});

function rowsAt(stage: DemoResult["routing"][number]["stage"]): ObservedRow[] {
  const observed = result.routing.find((candidate) => candidate.stage === stage);
  assert.ok(observed, `no routing table for stage ${stage}`);
  return observed.rows;
}

function row(rows: ObservedRow[], label: string): ObservedRow {
  const found = rows.find((candidate) => candidate.signal.label.startsWith(label));
  assert.ok(found, `no row '${label}' in ${rows.map((candidate) => candidate.signal.label).join(", ")}`);
  return found;
}

const prSignals = ["header X-Route-Version: pr-2", "cookie x-route-version=pr-2", "baggage dynamic_route=pr-2"];

test("each step of the lifecycle ran the bundle its event calls for", () => {
  assert.deepEqual(
    result.steps.map((step) => step.run.outputs.step),
    ["deploy-shadow", "deploy-ephemeral", "reap"],
  );
  const pullRequest = result.steps[1];
  assert.equal(pullRequest?.run.outputs.route, "pr-2");
  assert.equal(pullRequest?.run.outputs["test-exit-code"], "0");
  assert.ok(printed.some((line) => line.includes("ok - web reaches orders--pr-2 downstream with baggage dynamic_route=pr-2")));
});

test("the pull request's tests run once more as a one-off ECS task in the cluster: its log streamed into the step log, its exit code the step's", () => {
  const { testTask } = result;
  assert.match(testTask.clusterArn, /:cluster\/dev$/);
  assert.equal(testTask.tags["dynamic-routing:kind"], "test");
  assert.equal(testTask.tags["dynamic-routing:route"], "pr-2");
  assert.equal(testTask.tags["dynamic-routing:repository"], "Codertocat/Hello-World");
  assert.deepEqual([testTask.lastStatus, testTask.containerExitCode, testTask.stepExitCode, testTask.exitCodeOutput], ["STOPPED", 0, 0, "0"]);
  // Every line the container printed reached the step log, in order, and nothing else followed them.
  assert.deepEqual(testTask.streamedLines, [
    "> shop-tests@1.4.0 test:integration",
    "ok 1 - orders answers route pr-2 for X-Route-Version: pr-2",
    "ok 2 - web reaches orders--pr-2 downstream with baggage dynamic_route=pr-2",
    "# pass 2, fail 0",
  ]);
  const taskId = testTask.taskArn.split("/").at(-1) ?? "";
  const shown = printed.join("\n");
  assert.ok(shown.includes(`as ECS task ${taskId}\n  in cluster ${testTask.clusterArn} (FARGATE, placed like orders; tags kind=test, route=pr-2)`), shown);
  assert.ok(shown.includes("STREAMED FROM CLOUDWATCH LOGS /ecs/dev into the step log:\n    │ > shop-tests@1.4.0 test:integration\n    │ ok 1 - orders"), shown);
  assert.ok(printed.includes("  task STOPPED, test container exit code 0; the step exited 0 (output exit-code=0)"), shown);
});

test("with the PR's copy running, every pr-2 signal reaches orders--pr-2 at /orders and shadow elsewhere", () => {
  const rows = rowsAt("pull request");
  for (const label of prSignals) {
    const answers = row(rows, label).answers;
    assert.deepEqual(
      [answers.orders?.service, answers.orders?.servedByRoute],
      ["orders--pr-2", "pr-2"],
      `${label} at /orders`,
    );
    assert.deepEqual([answers.payments?.service, answers.payments?.servedByRoute], ["payments--shadow", "shadow"], `${label} at /payments`);
    assert.deepEqual([answers.web?.service, answers.web?.servedByRoute], ["web--shadow", "shadow"], `${label} at /web`);
  }
  // Baggage is what OpenTelemetry carries downstream: it keeps the whole chain on route pr-2.
  assert.deepEqual(row(rows, "baggage").answers.web?.chain, ["web--shadow", "orders--pr-2", "payments--shadow"]);
  // A header reaches only the first hop: instrumentation does not forward it.
  assert.deepEqual(row(rows, "header X-Route-Version: pr-2").answers.web?.chain, ["web--shadow", "orders", "payments"]);
  assert.equal(row(rows, "header X-Route-Version: shadow").answers.orders?.service, "orders--shadow");
});

test("orders is behind auth: its PR copy refuses a request without credentials exactly as the default does, and serves one with them", () => {
  const answers = result.auth.map((check) => [check.route, check.credentials, check.router, check.status, check.service ?? null, check.path ?? null, check.ownerHeader]);
  assert.deepEqual(answers, [
    ["default", false, "orders", 401, null, null, null],
    ["default", true, "orders", 200, "orders", "/", "checkout"],
    ["pr-2", false, "orders--pr-2", 401, null, null, null],
    ["pr-2", true, "orders--pr-2", 200, "orders--pr-2", "/", "checkout"],
  ]);
  assert.ok(printed.some((line) => line.includes("Auth: orders--pr-2 runs the middlewares of orders")));
});

test("a request carrying two signals has one answer: the header beats the cookie, the cookie beats baggage", () => {
  const rows = rowsAt("pull request");
  assert.equal(row(rows, "two signals: header X-Route-Version: shadow + cookie").answers.orders?.service, "orders--shadow");
  assert.equal(row(rows, "two signals: cookie x-route-version=pr-2 + baggage").answers.orders?.service, "orders--pr-2");
});

test("a request without a signal reaches the default services at every stage and throughout", () => {
  for (const { stage, rows } of result.routing) {
    const answers = row(rows, "no signal").answers;
    for (const service of ["web", "orders", "payments"]) {
      assert.deepEqual([answers[service]?.service, answers[service]?.servedByRoute], [service, null], `${stage}: ${service}`);
    }
    assert.deepEqual(answers.web?.chain, ["web", "orders", "payments"], stage);
  }
  assert.ok(result.defaultTraffic.requests >= 9, `only ${result.defaultTraffic.requests} background requests`);
  assert.deepEqual(result.defaultTraffic.unexpected, []);
});

test("before the push nothing is routed by signal; after the close pr-2 falls back to shadow", () => {
  for (const label of prSignals) assert.equal(row(rowsAt("before"), label).answers.orders?.service, "orders", label);
  const after = rowsAt("close");
  for (const label of prSignals) {
    assert.deepEqual(
      ["web", "orders", "payments"].map((service) => row(after, label).answers[service]?.service),
      ["web--shadow", "orders--shadow", "payments--shadow"],
      label,
    );
  }
  assert.deepEqual(row(after, "baggage").answers.web?.chain, ["web--shadow", "orders--shadow", "payments--shadow"]);
});

test("the pull request got its sticky comment naming the route, and a deployment for environment pr-2", () => {
  const comment = result.comment.afterDeploy;
  assert.ok(comment !== undefined, "no comment by github-actions[bot] on pull request #2");
  assert.match(comment, /pr-2/);
  assert.match(comment, /orders--pr-2/);
  assert.match(comment, /X-Route-Version: pr-2/);
  assert.ok(printed.some((line) => line.includes("PULL REQUEST COMMENT")));
  const deployment = result.deployments.find((candidate) => candidate.environment === "pr-2");
  assert.ok(deployment, "no GitHub deployment for environment pr-2");
  const states = deployment.statuses.map((status) => status.state);
  assert.ok(states.includes("success"), `deployment statuses: ${states.join(", ")}`);
  assert.equal(states.at(-1), "inactive", "the reaper marks the deployment inactive");
  assert.notEqual(result.comment.afterClose, comment, "the close updates the comment");
  assert.match(result.comment.afterClose ?? "", /pr-2/);
  assert.equal(result.comment.botComments, 1, "sticky: one comment, updated in place");
});

test("the reaper deleted orders--pr-2 and nothing else", () => {
  assert.deepEqual(
    result.deleted.map((entry) => [entry.service, entry.route]),
    [["orders--pr-2", "pr-2"]],
  );
  assert.deepEqual(
    result.servicesLeft.filter((service) => service.status === "ACTIVE").map((service) => service.name),
    ["orders", "orders--shadow", "payments", "payments--shadow", "web", "web--shadow"],
  );
});

test("npm run demo -- --fail-deploy: a failed step prints its output and exits 1", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--fail-deploy"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolveExit) => child.on("close", resolveExit));
  assert.equal(exitCode, 1, output);
  assert.match(output, /FAILED: pull request #2 opened/);
  assert.match(output, /step ephemeral: failure/);
  assert.match(output, /circuit breaker/);
});

test("orders writes to its route's own store: default, shadow and pr-2 each hold only their copy's writes", () => {
  const stores = Object.fromEntries(result.stores.afterWrites.map((store) => [store.route, store]));
  assert.deepEqual(stores.default?.writes.map((write) => [write.service, write.route]), [["orders", "default"]]);
  assert.deepEqual(stores.shadow?.writes.map((write) => [write.service, write.route]), [["seed", "shadow"], ["orders--shadow", "shadow"]]);
  assert.deepEqual(stores["pr-2"]?.writes.map((write) => [write.service, write.route]), [["seed", "pr-2"], ["orders--pr-2", "pr-2"]]);
  assert.ok(printed.some((line) => line.includes("STORES OF ORDERS")));
});

test("on-reap dropped pr-2's store at the close; the default and shadow stores stay", () => {
  const stores = Object.fromEntries(result.stores.afterClose.map((store) => [store.route, store]));
  assert.equal(stores["pr-2"]?.exists, false);
  assert.equal(stores.default?.writes.length, 1);
  assert.equal(stores.shadow?.writes.length, 2);
  assert.ok(printed.some((line) => line.includes("STORES OF ORDERS after the close (on-reap dropped pr-2's)")));
});
