// The demo's router against the ECS emulator with route copies seeded by hand (labels from
// src/routing/labels.ts), independent of the action bundles: it must route as Traefik's ECS provider would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { UpdateServiceCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { DEFAULT_PRIORITIES, routeLabels } from "../../src/routing/labels.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { BASE_SERVICES, CLUSTER, CONTAINER_PORT, baseLabels, baseServiceSeed, image, type BaseService } from "../../scripts/demo/cluster.js";
import { ROUTE_VERSION_VARIABLE } from "../../scripts/demo/containers.js";
import { demoSignals, observeRouting, send, waitForAnswer, type ObservedRow } from "../../scripts/demo/observe.js";
import { startDemoRouter, type DemoRouter } from "../../scripts/demo/router.js";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { ecsClient } from "../emulators/ecs/test-support.js";

let ecs: EcsEmulator;
let router: DemoRouter;
let client: ECSClient;

function seedCopy(base: BaseService, route: string, routerUrl: string): void {
  const seed = baseServiceSeed(base, routerUrl);
  const [container] = seed.taskDefinition.containerDefinitions ?? [];
  assert.ok(container);
  seed.taskDefinition.family = `${base.name}--${route}`;
  container.image = image(base.name, route);
  container.environment = [...(container.environment ?? []), { name: ROUTE_VERSION_VARIABLE, value: route }];
  container.dockerLabels = routeLabels({
    baseService: base.name,
    route,
    baseLabels: baseLabels(base),
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
  router = await startDemoRouter({ ecs: client, cluster: CLUSTER, refreshMs: 100 });
  for (const base of BASE_SERVICES) {
    ecs.seedService(baseServiceSeed(base, router.url));
    seedCopy(base, "shadow", router.url);
  }
  seedCopy(BASE_SERVICES[1] as BaseService, "pr-2", router.url);
  await router.refresh();
});

after(async () => {
  await router.close();
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

test("answers 404 as Traefik does when no router matches", async () => {
  const answer = await send(`${router.url}/unknown`);
  assert.equal(answer.status, 404);
  assert.equal(answer.service, undefined);
});

test("forgets a copy's routers once its tasks stop running: the request falls through to the default", async () => {
  await client.send(new UpdateServiceCommand({ cluster: CLUSTER, service: "payments--shadow", desiredCount: 0 }));
  const answer = await waitForAnswer(
    `${router.url}/payments/`,
    { "X-Route-Version": "pr-2" },
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
