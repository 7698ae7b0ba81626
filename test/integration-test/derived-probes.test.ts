// End to end through the committed bundles: deploy-ephemeral makes the route's copies in the ECS
// emulator; integration-test, given cluster, route and entrypoint-url, finds them by their tags and
// probes each through a Traefik stand-in (scripts/demo/router.ts: the ECS provider's discovery and
// the project's rule matching) with the Host and path of the copy's rule.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { startDemoRouter, type DemoRouter } from "../../scripts/demo/router.js";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";
import { runBundle } from "../helpers/action-runner.js";
import { codeTexts } from "../helpers/markdown.js";
import { pullRequestEvent } from "../helpers/webhooks.js";
import { assertSucceeded, REPOSITORY, runDeployEphemeral, seedBaseService } from "../helpers/deploy.js";
import { ecsClient } from "../helpers/ecs.js";

const token = "ghs_derivedProbesTestToken";
let ecs: EcsEmulator;
let github: GitHubEmulator;
let client: ECSClient;
let router: DemoRouter;

function runIntegrationTest(inputs: Record<string, string>, env: Record<string, string> = {}) {
  return runBundle("integration-test", {
    event: { name: "pull_request", payload: pullRequestEvent("opened", { number: 7 }) },
    inputs: { run: "echo tests ran for $ROUTE", cluster: "default", "probe-interval": "0.05", ...inputs },
    env: { AWS_ENDPOINT_URL_ECS: ecs.url, ...env },
  });
}

before(async () => {
  ecs = await startEcsEmulator({ stabilizationMs: 100 });
  github = await startGitHubEmulator();
  github.addRepository(REPOSITORY);
  github.addToken(token, { login: "github-actions[bot]", type: "Bot", installation: true });
  client = ecsClient(ecs);
  seedBaseService(ecs, "orders", { desiredCount: 1 });
  seedBaseService(ecs, "payments", { desiredCount: 1 });
  const web = seedBaseService(ecs, "web", { desiredCount: 1 });
  assert.ok(web.taskDefinitionArn);
  // Traefik refreshes only when a test says so: what it has picked up is under the test's control.
  router = await startDemoRouter({ ecs: client, cluster: "default", refreshMs: 3_600_000 });
  const deploy = await runDeployEphemeral(
    { ecs, github },
    { number: 7, headSha: "6dcb09b5b57875f334f61aebed695e2e4193db5e" },
    {
      "github-token": token,
      comment: "false",
      deployment: "false",
      services: [
        "- service: orders",
        "- service: web",
        "  match: Host(`web.dev.internal`) && PathPrefix(`/app`)",
      ].join("\n"),
    },
  );
  assertSucceeded(deploy);
});

after(async () => {
  await router.close();
  client.destroy();
  await ecs.close();
  await github.close();
});

describe("integration-test with entrypoint-url", () => {
  it("names the copy Traefik has not picked up yet when the route never goes live", async () => {
    const run = await runIntegrationTest({ "entrypoint-url": router.url, "probe-timeout": "0.5" });
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, /route pr-7 has 2 copies in cluster default: orders--pr-7, web--pr-7/);
    const [failure] = run.errors;
    assert.match(failure ?? "", /^route pr-7 not live after 0.5 s: /);
    assert.match(failure ?? "", /http:\/\/orders\.dev\.internal\/ via http:\/\/127\.0\.0\.1:\d+ answered 200 without X-Served-By-Route: the copy orders--pr-7 exists but Traefik has not picked it up yet/);
    assert.match(failure ?? "", /http:\/\/web\.dev\.internal\/app via http:\/\/127\.0\.0\.1:\d+ answered \d+ .*: the copy web--pr-7 exists but Traefik has not picked it up yet/);
    assert.doesNotMatch(run.stdout, /tests ran/);
  });

  it("derives one probe per copy (Host, PathPrefix) and runs the tests once both answer from the route", async () => {
    await router.refresh();
    const run = await runIntegrationTest({ "entrypoint-url": router.url, "probe-timeout": "30" });
    assertSucceeded(run);
    const live = run.stdout.split("\n").filter((line) => / answered 200 by pr-7 after /.test(line));
    assert.equal(live.length, 2, run.stdout);
    assert.ok(live.some((line) => line.startsWith(`http://orders.dev.internal/ via ${router.url}`)));
    assert.ok(live.some((line) => line.startsWith(`http://web.dev.internal/app via ${router.url}`)));
    // payments has no copy on pr-7: nothing probes it.
    assert.doesNotMatch(run.stdout, /payments/);
    assert.match(run.stdout, /tests ran for pr-7/);
    assert.ok(codeTexts(run.summary).includes(`http://web.dev.internal/app via ${router.url}`), run.summary);
  });

  it("sends every derived probe to probe-path instead", async () => {
    const run = await runIntegrationTest({ "entrypoint-url": router.url, "probe-path": "/app/health", "probe-timeout": "30" });
    assertSucceeded(run);
    assert.match(run.stdout, /http:\/\/orders\.dev\.internal\/app\/health via .* answered 200 by pr-7/);
    assert.match(run.stdout, /http:\/\/web\.dev\.internal\/app\/health via .* answered 200 by pr-7/);
  });

  it("does not probe a URL of a service the route has no copy of, saying so", async () => {
    const run = await runIntegrationTest({ "entrypoint-url": router.url, "probe-urls": "http://payments.dev.internal/health" });
    assertSucceeded(run);
    assert.match(
      run.stdout,
      /http:\/\/payments\.dev\.internal\/health: not probed: route pr-7 has no copy of this service \(no copy's rule takes the URL\)/,
    );
    assert.ok(codeTexts(run.summary).some((text) => text.includes("route pr-7 has no copy of this service")), run.summary);
    assert.match(run.stdout, /tests ran for pr-7/);
  });

  it("counts the copies by the repository's id, as the reaper does: a renamed repository keeps them, one re-created under the name does not", async () => {
    const deployedAs = pullRequestEvent("opened", { number: 7 }).repository as { id: number };
    const renamed = await runIntegrationTest({ "entrypoint-url": router.url, "probe-timeout": "5" }, { GITHUB_REPOSITORY: "Codertocat/Renamed-World", GITHUB_REPOSITORY_ID: String(deployedAs.id) });
    assertSucceeded(renamed);
    assert.match(renamed.stdout, /route pr-7 has 2 copies in cluster default: orders--pr-7, web--pr-7/);

    const recreated = await runIntegrationTest({ "entrypoint-url": router.url }, { GITHUB_REPOSITORY_ID: String(deployedAs.id + 1) });
    assertSucceeded(recreated);
    assert.match(recreated.stdout, /route pr-7 has 0 copies in cluster default\n/);
    assert.match(recreated.stdout, /tests ran for pr-7/);
  });
});
