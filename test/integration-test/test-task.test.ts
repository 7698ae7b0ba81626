// The test task's command, run for real with sh and curl (as in the test image) against a local
// stand-in for Traefik's entrypoint: it probes with the Host/SNI of the copy and the routing signal,
// decides "live" as integration-test does on the runner, explains a late route in the same words,
// and only then runs the tests.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { listenOnLoopback } from "../emulators/listen.js";
import { probeRequestHeaders } from "../../src/integration/environment.js";
import type { ProbeTarget } from "../../src/integration/probe-targets.js";
import { runTestTaskRequest, shellQuote, testTaskCommand, testTaskDefinition } from "../../src/integration/test-task.js";
import type { TestTaskSettings } from "../../src/config/integration-test-inputs.js";
import { ConfigurationError } from "../../src/common/errors.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";

const signal = { route: "pr-7", names: DEFAULT_SIGNAL_NAMES, extraBaggage: "" };
let server: Server;
let url: string;
let close: () => Promise<void>;
/** How the stand-in answers the next request. */
let answer: (headers: IncomingHttpHeaders, count: number) => { status: number; servedBy?: string };
const seen: IncomingHttpHeaders[] = [];

before(async () => {
  server = createServer((request, response) => {
    seen.push(request.headers);
    const { status, servedBy } = answer(request.headers, seen.length);
    response.writeHead(status, servedBy === undefined ? {} : { "X-Served-By-Route": servedBy });
    response.end();
  });
  ({ url, close } = await listenOnLoopback(server));
});

after(() => close());

function run(command: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const child = spawn(command[0] as string, command.slice(1), { env: { PATH: process.env.PATH, ROUTE: "pr-7" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ exitCode: code ?? 1, stdout, stderr })));
}

function copyTarget(): ProbeTarget {
  return { url: `${url}/health`, host: "orders.dev.internal", copy: "orders--pr-7" };
}

describe("the test task's command", () => {
  it("without probes is the command itself under sh -c", () => {
    assert.deepEqual(testTaskCommand("npm test", undefined), ["sh", "-c", "npm test"]);
  });

  it("waits until the copy answers from the route, through the entrypoint with the copy's Host and the routing signal, then runs the tests", async () => {
    seen.length = 0;
    answer = (headers, count) => (count < 3 || headers.host !== "orders.dev.internal" ? { status: 404 } : { status: 200, servedBy: "pr-7" });
    const command = testTaskCommand(`echo "tests ran for $ROUTE, it's done"`, {
      targets: [copyTarget()],
      route: "pr-7",
      headers: probeRequestHeaders(signal),
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const result = await run(command);
    assert.equal(result.exitCode, 0, result.stderr);
    const lines = result.stdout.trim().split("\n");
    assert.deepEqual(lines[0], `http://orders.dev.internal/health via ${url} answered 404 without X-Served-By-Route, waiting`);
    assert.match(lines[1] ?? "", new RegExp(`^http://orders\\.dev\\.internal/health via ${url} answered 200 by pr-7 after \\d+ s$`));
    assert.equal(lines[2], "tests ran for pr-7, it's done");
    assert.equal(seen.length, 3);
    for (const headers of seen) {
      assert.equal(headers.host, "orders.dev.internal");
      assert.equal(headers["x-route-version"], "pr-7");
      assert.equal(headers.cookie, "x-route-version=pr-7");
      assert.equal(headers.baggage, "dynamic_route=pr-7");
    }
  });

  it("gives up at the deadline with the runner's explanation, and never runs the tests", async () => {
    answer = () => ({ status: 404, servedBy: "shadow" });
    const command = testTaskCommand("echo tests ran", {
      targets: [copyTarget()],
      route: "pr-7",
      headers: probeRequestHeaders(signal),
      timeoutMs: 1000,
      intervalMs: 200,
    });
    const result = await run(command);
    assert.equal(result.exitCode, 1);
    assert.match(
      result.stderr,
      /^route pr-7 not live after 1 s: http:\/\/orders\.dev\.internal\/health via \S+ answered 404 by shadow: the copy orders--pr-7 exists but Traefik has not picked it up yet/m,
    );
    assert.doesNotMatch(result.stdout, /tests ran/);
  });

  it("tells a copy that answers with an error from one not routed yet", async () => {
    answer = () => ({ status: 502, servedBy: "pr-7" });
    const result = await run(
      testTaskCommand("echo tests ran", { targets: [copyTarget()], route: "pr-7", headers: probeRequestHeaders(signal), timeoutMs: 500, intervalMs: 200 }),
    );
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /answered 502 by pr-7: the copy answers with an error/);
  });

  it("quotes any text for sh literally", async () => {
    const text = `it's $HOME \`id\` "quoted" \\ ;|&`;
    const result = await run(["sh", "-c", `printf '%s' ${shellQuote(text)}`]);
    assert.equal(result.stdout, text);
  });
});

describe("the test task's definition and placement", () => {
  const settings: TestTaskSettings = {
    image: "ghcr.io/acme/shop-tests:1.4",
    baseService: "orders",
    subnets: undefined,
    securityGroups: undefined,
    launchType: undefined,
    taskRoleArn: undefined,
    pollIntervalMs: 2000,
    commit: "6dcb09b",
  };
  const awsvpc = { subnets: ["subnet-0a"], securityGroups: ["sg-0a"], assignPublicIp: "DISABLED" as const };

  it("is placed like the base service (capacity providers, network) unless the inputs say otherwise", () => {
    const base = { capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }], networkConfiguration: { awsvpcConfiguration: awsvpc } };
    const request = (task: TestTaskSettings) =>
      runTestTaskRequest({ cluster: "dev", base, task, taskDefinitionArn: "arn:td", command: ["sh", "-c", "true"], environment: { ROUTE: "pr-7" }, tags: {} });
    const asBase = request(settings);
    assert.deepEqual(asBase.capacityProviderStrategy, base.capacityProviderStrategy);
    assert.equal(asBase.launchType, undefined);
    assert.deepEqual(asBase.networkConfiguration, { awsvpcConfiguration: awsvpc });
    const given = request({ ...settings, launchType: "FARGATE", subnets: ["subnet-0b"], securityGroups: ["sg-0b"] });
    assert.equal(given.launchType, "FARGATE");
    assert.equal(given.capacityProviderStrategy, undefined);
    assert.deepEqual(given.networkConfiguration, { awsvpcConfiguration: { subnets: ["subnet-0b"], securityGroups: ["sg-0b"], assignPublicIp: "DISABLED" } });
  });

  it("needs a base container logging with awslogs and a stream prefix: that is where the output is read", () => {
    const base = { family: "orders", containerDefinitions: [{ name: "app", image: "orders:1", essential: true }] };
    assert.throws(() => testTaskDefinition(base, settings, "orders--test--pr-7", {}), (error: unknown) => error instanceof ConfigurationError && error.input === "task-base-service");
    const logged = {
      ...base,
      containerDefinitions: [{ ...base.containerDefinitions[0], logConfiguration: { logDriver: "awslogs" as const, options: { "awslogs-group": "/ecs/dev", "awslogs-stream-prefix": "orders", "awslogs-region": "eu-west-1" } } }],
    };
    const { definition, logs } = testTaskDefinition(logged, { ...settings, taskRoleArn: "arn:aws:iam::123456789012:role/ecs-tasks/shop-tests" }, "orders--test--pr-7", {});
    assert.deepEqual(logs, { group: "/ecs/dev", streamPrefix: "orders/integration-test", region: "eu-west-1" });
    assert.equal(definition.taskRoleArn, "arn:aws:iam::123456789012:role/ecs-tasks/shop-tests");
    assert.equal(definition.containerDefinitions?.[0]?.memoryReservation, 256, "a task without a task-level size sizes its container");
  });
});
