// deploy-shadow end to end: a push to main keeps `<base>--shadow` with the fallback router.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { runBundle } from "../helpers/action-runner.js";
import { pushEvent, webhookExample } from "../helpers/webhooks.js";
import { ecsClient } from "../helpers/ecs.js";
import { describeService, describeTaskDefinition, resourceTags, seedBaseService } from "../helpers/deploy.js";

let emulator: EcsEmulator;
let client: ReturnType<typeof ecsClient>;

before(async () => {
  emulator = await startEcsEmulator({ stabilizationMs: 200 });
  client = ecsClient(emulator);
  seedBaseService(emulator, "orders", { desiredCount: 3 });
});

after(async () => {
  client.destroy();
  await emulator.close();
});

describe("deploy-shadow", () => {
  it("creates <base>--shadow with the shadow and fallback routers, one task although the base runs three", async () => {
    const run = await runBundle("deploy-shadow", {
      inputs: { service: "orders", image: "registry.example.com/orders:main-2", route: "pr-9" },
      event: { name: "push", payload: webhookExample("push") },
      // GitHub's example repository's default branch.
      env: { ...emulator.endpointEnv(), GITHUB_REF: "refs/heads/master" },
    });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(run.outputs.route, "shadow");
    const service = await describeService(client, "orders--shadow");
    assert.equal(service?.status, "ACTIVE");
    assert.equal(service?.desiredCount, 1, "shadow runs one task per copy unless desired-count says otherwise");
    const tags = await resourceTags(client, service?.serviceArn ?? "");
    assert.equal(tags["dynamic-routing:kind"], "shadow");
    assert.equal(tags["dynamic-routing:route"], "shadow");
    assert.equal(tags["dynamic-routing:commit"], "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
    assert.equal(tags["dynamic-routing:expires-at"], undefined, "shadow never expires");
    assert.equal(tags["dynamic-routing:pull-request"], undefined);

    const { taskDefinition } = await describeTaskDefinition(client, "orders--shadow");
    const labels = taskDefinition.containerDefinitions?.[0]?.dockerLabels ?? {};
    assert.match(labels["traefik.http.routers.orders--shadow.rule"] ?? "", /Header\(`X-Route-Version`, `shadow`\)/);
    assert.equal(labels["traefik.http.routers.orders--shadow.priority"], "20000");
    assert.match(labels["traefik.http.routers.orders--shadow-fallback.rule"] ?? "", /^Host\(`orders\.dev\.internal`\) && \(HeaderRegexp\(`X-Route-Version`, `\\S`\)/);
    assert.equal(labels["traefik.http.routers.orders--shadow-fallback.priority"], "10000");
    assert.equal(labels["traefik.http.routers.orders--shadow-fallback.service"], "orders--shadow");
  });

  it("writes no fallback router with fallback: default", async () => {
    const run = await runBundle("deploy-shadow", {
      inputs: { service: "orders", fallback: "default", "desired-count": "2" },
      event: { name: "push", payload: webhookExample("push") },
      // GitHub's example repository's default branch.
      env: { ...emulator.endpointEnv(), GITHUB_REF: "refs/heads/master" },
    });
    assert.equal(run.exitCode, 0, run.stdout);
    const { taskDefinition } = await describeTaskDefinition(client, "orders--shadow");
    const labels = taskDefinition.containerDefinitions?.[0]?.dockerLabels ?? {};
    assert.equal(Object.keys(labels).some((key) => key.includes("shadow-fallback")), false);
    assert.equal((await describeService(client, "orders--shadow"))?.desiredCount, 2, "desired-count gives the shadow copy more tasks");
  });

  it("refuses a push of any branch but the default one before any AWS call, naming allow-any-branch", async () => {
    emulator.resetCalls();
    const run = await runBundle("deploy-shadow", {
      inputs: { service: "orders" },
      event: { name: "push", payload: pushEvent({ branch: "feature-x" }) },
      env: { ...emulator.endpointEnv(), GITHUB_REF: "refs/heads/feature-x" },
    });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.errors, [
      "Input 'allow-any-branch': deploy-shadow deploys the default branch 'master' only, not 'feature-x'; run it on a push to the default branch, or set allow-any-branch: true to make this ref the shadow copy",
    ]);
    assert.deepEqual(emulator.calls(), []);
  });

  it("refuses a tag push too, and deploys another branch with allow-any-branch: true", async () => {
    const tag = await runBundle("deploy-shadow", {
      inputs: { service: "orders" },
      event: { name: "push", payload: webhookExample("push") },
      env: { ...emulator.endpointEnv(), GITHUB_REF: "refs/tags/simple-tag" },
    });
    assert.equal(tag.exitCode, 1);
    assert.match(tag.errors[0] ?? "", /^Input 'allow-any-branch': deploy-shadow deploys the default branch 'master' only, not a ref that is no branch;/);

    const allowed = await runBundle("deploy-shadow", {
      inputs: { service: "orders", "allow-any-branch": "true", image: "registry.example.com/orders:feature-x-1" },
      event: { name: "push", payload: pushEvent({ branch: "feature-x" }) },
      env: { ...emulator.endpointEnv(), GITHUB_REF: "refs/heads/feature-x" },
    });
    assert.equal(allowed.exitCode, 0, allowed.stdout);
    const { taskDefinition } = await describeTaskDefinition(client, "orders--shadow");
    assert.equal(taskDefinition.containerDefinitions?.[0]?.image, "registry.example.com/orders:feature-x-1");
  });
});
