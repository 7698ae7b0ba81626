// The demo's router against the ECS emulator with route copies seeded by hand (labels from
// src/routing/labels.ts), independent of the action bundles: it must route as Traefik's ECS provider would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { UpdateServiceCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { DEFAULT_PRIORITIES, routeLabels } from "../../src/routing/labels.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { CLIENT_CREDENTIALS, startAuthServer, type AuthServer } from "../../scripts/demo/auth.js";
import { BASE_SERVICES, CLUSTER, CONTAINER_PORT, baseLabels, baseServiceSeed, image, type BaseService, type DemoEndpoints } from "../../scripts/demo/cluster.js";
import { ROUTE_VERSION_VARIABLE } from "../../scripts/demo/containers.js";
import { demoSignals, observeRouting, send, waitForAnswer, type ObservedRow } from "../../scripts/demo/observe.js";
import { startDemoRouter, type DemoRouter } from "../../scripts/demo/router.js";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { ecsClient } from "../helpers/ecs.js";

let ecs: EcsEmulator;
let router: DemoRouter;
let client: ECSClient;
let auth: AuthServer;

function seedCopy(base: BaseService, route: string, endpoints: DemoEndpoints): void {
  const seed = baseServiceSeed(base, endpoints);
  const [container] = seed.taskDefinition.containerDefinitions ?? [];
  assert.ok(container);
  seed.taskDefinition.family = `${base.name}--${route}`;
  container.image = image(base.name, route);
  container.environment = [...(container.environment ?? []), { name: ROUTE_VERSION_VARIABLE, value: route }];
  container.dockerLabels = routeLabels({
    baseService: base.name,
    route,
    baseLabels: baseLabels(base, endpoints.authAddress),
    port: CONTAINER_PORT,
    protocol: "http",
    ruleSyntax: "v3",
    entrypoints: [],
    priority: route === "shadow" ? DEFAULT_PRIORITIES.shadow : DEFAULT_PRIORITIES.route,
    fallbackPriority: DEFAULT_PRIORITIES.shadowFallback,
    fallback: "shadow",
    signal: DEFAULT_SIGNAL_NAMES,
  });
  seed.service.serviceName = `${base.name}--${route}`;
  ecs.seedService(seed);
}

before(async () => {
  ecs = await startEcsEmulator({ clusters: [CLUSTER], stabilizationMs: 100, drainMs: 100 });
  client = ecsClient(ecs);
  auth = await startAuthServer();
  router = await startDemoRouter({ ecs: client, cluster: CLUSTER, refreshMs: 100 });
  const endpoints: DemoEndpoints = { routerUrl: router.url, authAddress: auth.address };
  for (const base of BASE_SERVICES) {
    ecs.seedService(baseServiceSeed(base, endpoints));
    seedCopy(base, "shadow", endpoints);
  }
  seedCopy(BASE_SERVICES[1] as BaseService, "pr-2", endpoints);
  await router.refresh();
});

after(async () => {
  await router.close();
  await auth.close();
  client.destroy();
  await ecs.close();
});

const byLabel = (rows: ObservedRow[], prefix: string): ObservedRow => {
  const row = rows.find((candidate) => candidate.signal.label.startsWith(prefix));
  assert.ok(row, `no row ${prefix}`);
  return row;
};

test("routes every signal to the route's copy where there is one and to shadow elsewhere; no signal to the default", async () => {
  const rows = await observeRouting(router.url, demoSignals("pr-2", DEFAULT_SIGNAL_NAMES), BASE_SERVICES);
  assert.deepEqual(router.table().problems, []);
  for (const prefix of ["header", "cookie", "baggage"]) {
    const row = byLabel(rows, prefix);
    assert.equal(row.answers.orders?.service, "orders--pr-2", prefix);
    assert.equal(row.answers.orders?.servedByRoute, "pr-2", prefix);
    assert.equal(row.answers.payments?.service, "payments--shadow", prefix);
    assert.equal(row.answers.payments?.servedByRoute, "shadow", prefix);
    assert.equal(row.answers.web?.service, "web--shadow", prefix);
  }
  // Only baggage travels downstream (OpenTelemetry), so only baggage reaches orders' PR copy from web.
  assert.deepEqual(byLabel(rows, "baggage").answers.web?.chain, ["web--shadow", "orders--pr-2", "payments--shadow"]);
  assert.deepEqual(byLabel(rows, "header X-Route-Version: pr-2").answers.web?.chain, ["web--shadow", "orders", "payments"]);
  assert.deepEqual(byLabel(rows, "header X-Route-Version: shadow").answers.orders?.service, "orders--shadow");
  const none = byLabel(rows, "no signal");
  for (const base of BASE_SERVICES) {
    assert.equal(none.answers[base.name]?.service, base.name);
    assert.equal(none.answers[base.name]?.servedByRoute, null);
  }
  assert.deepEqual(none.answers.web?.chain, ["web", "orders", "payments"]);
});

test("two signals: the header beats the cookie, and the cookie beats baggage", async () => {
  const rows = await observeRouting(router.url, demoSignals("pr-2", DEFAULT_SIGNAL_NAMES), BASE_SERVICES);
  assert.equal(byLabel(rows, "two signals: header X-Route-Version: shadow + cookie").answers.orders?.service, "orders--shadow");
  assert.equal(byLabel(rows, "two signals: cookie x-route-version=pr-2 + baggage").answers.orders?.service, "orders--pr-2");
});

test("the copy of a service behind auth refuses and serves exactly as its base: forwardAuth, stripPrefix and headers run on both", async () => {
  for (const route of [undefined, "pr-2"]) {
    const signal: Record<string, string> = route === undefined ? {} : { "X-Route-Version": route };
    const refused = await send(`${router.url}/orders/`, signal);
    assert.equal(refused.status, 401, `${route ?? "default"} without credentials`);
    assert.equal(refused.service, undefined);
    const served = await send(`${router.url}/orders/items?page=2`, { ...signal, ...CLIENT_CREDENTIALS });
    assert.equal(served.status, 200, `${route ?? "default"} with credentials`);
    assert.equal(served.service, route === undefined ? "orders" : `orders--${route}`);
    assert.equal(typeof served.body === "string" ? undefined : served.body.path, "/items?page=2", "the prefix is stripped");
    assert.equal(served.ownerHeader, "checkout");
    // The health endpoint passes the auth server without credentials, for probes.
    assert.equal((await send(`${router.url}/orders/health`, signal)).status, 200);
  }
  // web calls orders with the caller's credentials; without them the chain stops at orders' auth.
  const chain = await send(`${router.url}/web/`, { baggage: "dynamic_route=pr-2" });
  assert.equal(chain.status, 502);
  assert.deepEqual(chain.chain, ["web--shadow", "(401)"]);
});

test("answers 404 as Traefik does when no router matches", async () => {
  const answer = await send(`${router.url}/unknown`);
  assert.equal(answer.status, 404);
  assert.equal(answer.service, undefined);
});

test("forgets a copy's routers once its tasks stop running: the request falls through to the default", async () => {
  await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "payments--shadow", desiredCount: 0 }));
  const answer = await waitForAnswer(
    `${router.url}/payments/`,
    { ...CLIENT_CREDENTIALS, "X-Route-Version": "pr-2" },
    // A container's answer other than the shadow copy's; a 502 while the stopped task's stand-in is
    // gone but the router has not refreshed yet is the moment in between, not the outcome.
    (candidate) => candidate.service !== undefined && candidate.service !== "payments--shadow",
    "payments--shadow without tasks",
  );
  // The copy's labels came only from its tasks, so its routers (and its fallback) are gone with them.
  assert.equal(answer.service, "payments");
  assert.equal(answer.servedByRoute, null);
  assert.ok(!router.table().routers.some((candidate) => candidate.name.startsWith("payments--")));
});
