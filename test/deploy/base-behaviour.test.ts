// A copy behaves like its base (docs/design.md §2): deploy-ephemeral's committed bundle against the
// ECS emulator, with base services shaped like real ones — behind auth, a strip-prefix middleware
// of their own, the websecure entrypoint with TLS, a health check, h2c — and bases whose Traefik
// settings a copy cannot reproduce, which stop the deploy before anything is made.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { buildRoutingTable, selectRouter } from "../traefik-simulator/table.js";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";
import { ecsClient } from "../helpers/ecs.js";
import { assertSucceeded, baseTaskDefinition, describeTaskDefinition, mutatingCalls, runDeployEphemeral, seedBaseService, REPOSITORY } from "../helpers/deploy.js";

const token = "ghs_baseBehaviourTestToken";
const headSha = "3333333333333333333333333333333333333333";
let emulator: EcsEmulator;
let github: GitHubEmulator;
let client: ReturnType<typeof ecsClient>;

const HEALTH_CHECK = { command: ["CMD-SHELL", "curl -fsS localhost:8080/health || exit 1"], interval: 10, timeout: 3, retries: 3, startPeriod: 5 };

/** The labels of a base behind basic auth, with its own strip-prefix middleware, on websecure with TLS, h2c, a Traefik health check. */
const SECURED_LABELS: Record<string, string> = {
  "traefik.enable": "true",
  "traefik.http.routers.orders.rule": "Host(`api.dev.internal`) && PathPrefix(`/orders`)",
  "traefik.http.routers.orders.entrypoints": "websecure",
  "traefik.http.routers.orders.tls": "true",
  "traefik.http.routers.orders.tls.certresolver": "internal",
  "traefik.http.routers.orders.middlewares": "orders-auth,orders-strip,orders-headers",
  "traefik.http.middlewares.orders-auth.basicauth.users": "demo:{SHA}iTeJFBw4DpwRaXsl7+TApIhbsSc=",
  "traefik.http.middlewares.orders-strip.stripprefix.prefixes": "/orders",
  "traefik.http.middlewares.orders-headers.headers.customresponseheaders.X-Frame-Options": "DENY",
  "traefik.http.services.orders.loadbalancer.server.port": "8080",
  "traefik.http.services.orders.loadbalancer.server.scheme": "h2c",
  "traefik.http.services.orders.loadbalancer.healthcheck.path": "/health",
  "traefik.http.services.orders.loadbalancer.healthcheck.interval": "10s",
};

/** A base whose routed container has an ECS health check, beside an essential Envoy sidecar. */
function seedBase(name: string, labels: Record<string, string>): void {
  const taskDefinition = baseTaskDefinition(name, labels);
  const [app] = taskDefinition.containerDefinitions ?? [];
  assert.ok(app);
  taskDefinition.containerDefinitions = [
    { ...app, healthCheck: HEALTH_CHECK },
    { name: "envoy", image: "public.ecr.aws/appmesh/aws-appmesh-envoy:v1", essential: true, dockerLabels: { "traefik.enable": "false" } },
  ];
  seedBaseService(emulator, name, { desiredCount: 1, taskDefinition });
}

function deploy(number: number, inputs: Record<string, string>) {
  return runDeployEphemeral({ ecs: emulator, github }, { number, headSha }, { "github-token": token, ...inputs });
}

before(async () => {
  emulator = await startEcsEmulator({ stabilizationMs: 200 });
  github = await startGitHubEmulator();
  github.addRepository(REPOSITORY);
  github.addToken(token, { login: "github-actions[bot]", type: "Bot", installation: true });
  client = ecsClient(emulator);
  seedBase("orders", SECURED_LABELS);
});

after(async () => {
  client.destroy();
  await emulator.close();
  await github.close();
});

describe("a copy of a base behind auth, strip-prefix, websecure, a health check and h2c", () => {
  let app: ContainerDefinition | undefined;
  let envoy: ContainerDefinition | undefined;

  before(async () => {
    const run = await deploy(31, { service: "orders", image: "registry.example.com/orders:pr-31" });
    assertSucceeded(run);
    [app, envoy] = (await describeTaskDefinition(client, "orders--pr-31")).taskDefinition.containerDefinitions ?? [];
  });

  it("keeps the base router's middlewares in order, its entrypoint and TLS, then says who served", () => {
    const labels = app?.dockerLabels ?? {};
    assert.equal(labels["traefik.http.routers.orders--pr-31.middlewares"], "orders-auth@ecs,orders-strip@ecs,orders-headers@ecs,orders--pr-31-served");
    assert.equal(labels["traefik.http.routers.orders--pr-31.entrypoints"], "websecure");
    assert.equal(labels["traefik.http.routers.orders--pr-31.tls"], "true");
    assert.equal(labels["traefik.http.routers.orders--pr-31.tls.certresolver"], "internal");
    assert.match(labels["traefik.http.routers.orders--pr-31.rule"] ?? "", /^Host\(`api\.dev\.internal`\) && PathPrefix\(`\/orders`\) && \(Header\(`X-Route-Version`, `pr-31`\) \|\| /);
    // The base's middleware definitions are not copied: the copy refers to the base's.
    assert.deepEqual(Object.keys(labels).filter((key) => key.startsWith("traefik.http.middlewares.")), ["traefik.http.middlewares.orders--pr-31-served.headers.customresponseheaders.X-Served-By-Route"]);
  });

  it("gives the copy's Traefik service the base's scheme (h2c) and health check, on the route's port", () => {
    const labels = app?.dockerLabels ?? {};
    assert.deepEqual(
      Object.fromEntries(Object.entries(labels).filter(([key]) => key.startsWith("traefik.http.services."))),
      {
        "traefik.http.services.orders--pr-31.loadbalancer.server.scheme": "h2c",
        "traefik.http.services.orders--pr-31.loadbalancer.healthcheck.path": "/health",
        "traefik.http.services.orders--pr-31.loadbalancer.healthcheck.interval": "10s",
        "traefik.http.services.orders--pr-31.loadbalancer.server.port": "8080",
      },
    );
  });

  it("keeps the routed container's ECS health check and the task's other containers", () => {
    assert.deepEqual(app?.healthCheck, HEALTH_CHECK);
    assert.equal(app?.image, "registry.example.com/orders:pr-31");
    assert.equal(envoy?.name, "envoy");
    assert.equal(envoy?.image, "public.ecr.aws/appmesh/aws-appmesh-envoy:v1");
  });

  it("routes as Traefik would: a pr-31 request on websecure passes the base's auth and strip-prefix on the copy", () => {
    const table = buildRoutingTable([
      { serviceName: "orders", labels: SECURED_LABELS },
      { serviceName: "orders--pr-31", labels: app?.dockerLabels ?? {} },
    ]);
    assert.deepEqual(table.problems, []);
    const request = { method: "GET", host: "api.dev.internal", path: "/orders/1", headers: { "X-Route-Version": ["pr-31"] } };
    const copy = selectRouter(table, request, "websecure");
    assert.equal(copy?.router.name, "orders--pr-31");
    assert.deepEqual(copy?.router.middlewares, ["orders-auth", "orders-strip", "orders-headers", "orders--pr-31-served"]);
    assert.equal(copy?.servedByRoute, "pr-31");
    assert.equal(copy?.responseHeaders["X-Frame-Options"], "DENY");
    // Not on the web entrypoint, where the base does not listen either.
    assert.equal(selectRouter(table, request, "web"), undefined);
    const base = selectRouter(table, { ...request, headers: {} }, "websecure");
    assert.deepEqual(base?.router.middlewares, ["orders-auth", "orders-strip", "orders-headers"]);
  });
});

describe("a base setting a copy cannot reproduce stops the deploy with one line, before anything is made", () => {
  const cases: { base: string; labels: Record<string, string>; error: RegExp }[] = [
    {
      base: "weighted",
      labels: { ...SECURED_LABELS, "traefik.http.services.orders.loadbalancer.server.weight": "3" },
      error: /^Input 'service': the base label traefik\.http\.services\.orders\.loadbalancer\.server\.weight is a Traefik service setting this action does not copy, so a copy could not behave like its base; remove it from the base task definition's labels/,
    },
    {
      base: "tcp",
      labels: { ...SECURED_LABELS, "traefik.tcp.routers.orders-db.rule": "HostSNI(`*`)" },
      error: /^Input 'service': the base label traefik\.tcp\.routers\.orders-db\.rule routes TCP or UDP/,
    },
    {
      base: "clash",
      labels: { ...SECURED_LABELS, "traefik.http.middlewares.clash--pr-32-served.headers.customresponseheaders.X": "y" },
      error: /defines the middleware clash--pr-32-served, which this route's copy defines too/,
    },
    {
      base: "two-routers",
      labels: { ...SECURED_LABELS, "traefik.http.routers.orders-http.rule": "Host(`api.dev.internal`)", "traefik.http.routers.orders-http.entrypoints": "web" },
      error: /^Input 'match': the base task definition has 2 Traefik routers/,
    },
  ];
  for (const { base, labels, error } of cases) {
    it(`${base}: exit 1, the setting and the fix named, no mutating call`, async () => {
      seedBase(base, labels);
      emulator.resetCalls();
      const run = await deploy(32, { service: base, image: `registry.example.com/${base}:pr-32` });
      assert.equal(run.exitCode, 1, run.stdout);
      assert.equal(run.errors.length, 1, run.stdout);
      assert.match(run.errors[0] ?? "", error);
      assert.deepEqual(mutatingCalls(emulator), []);
    });
  }

  it("two routers that differ: with match and entrypoints naming the HTTPS one, the copy is made", async () => {
    const run = await deploy(33, { service: "two-routers", image: "registry.example.com/two-routers:pr-33", match: "Host(`api.dev.internal`)", entrypoints: "websecure" });
    assertSucceeded(run);
    const labels = (await describeTaskDefinition(client, "two-routers--pr-33")).taskDefinition.containerDefinitions?.[0]?.dockerLabels ?? {};
    assert.equal(labels["traefik.http.routers.two-routers--pr-33.middlewares"], "orders-auth@ecs,orders-strip@ecs,orders-headers@ecs,two-routers--pr-33-served");
    assert.equal(labels["traefik.http.routers.two-routers--pr-33.entrypoints"], "websecure");
  });
});
