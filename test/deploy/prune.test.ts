// A route is the pull request's current change set (issue 10.4): the deploy-ephemeral bundle removes
// the route's copies it no longer lists, through the reaper's path, against the ECS (and tagging) and
// GitHub emulators; `prune: false` and shadow deploys leave them.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { runBundle, type BundleRun } from "../helpers/action-runner.js";
import { codeTexts, renderGfm } from "../helpers/markdown.js";
import { webhookExample } from "../helpers/webhooks.js";
import { activeRevisions, assertSucceeded, describeService, REPOSITORY, runDeployEphemeral, startRouteEmulators } from "../helpers/deploy.js";

const token = "ghs_pruneTestToken";
const emulators = await startRouteEmulators(token, ["orders", "payments"]);
const { ecs: emulator, github, client } = emulators;
after(() => emulators.close());

function servicesInput(services: string[]): string {
  return services.map((service) => `- service: ${service}\n  image: registry.example.com/${service}:pr`).join("\n");
}

function deployPullRequest(number: number, services: string[], inputs: Record<string, string> = {}): Promise<BundleRun> {
  const headSha = String(number).repeat(40).slice(0, 40);
  return runDeployEphemeral({ ecs: emulator, github }, { number, headSha, action: "synchronize" }, {
    "github-token": token,
    wait: "false",
    services: servicesInput(services),
    ...inputs,
  });
}


function botComment(number: number): string {
  const comments = github.comments(REPOSITORY, number).filter((comment) => comment.login === "github-actions[bot]");
  assert.equal(comments.length, 1);
  return comments[0]?.body ?? "";
}

describe("prune", () => {
  it("a deploy of only orders removes the route's payments copy, service and revisions, and says so in the log, the comment and the summary", async () => {
    assertSucceeded(await deployPullRequest(7, ["orders", "payments"]));
    assert.equal((await describeService(client, "payments--pr-7"))?.status, "ACTIVE");
    assert.notDeepEqual(await activeRevisions(client, "payments--pr-7"), []);

    const run = await deployPullRequest(7, ["orders"]);
    assertSucceeded(run);
    assert.notEqual((await describeService(client, "payments--pr-7"))?.status, "ACTIVE", "the payments copy is deleted");
    assert.deepEqual(await activeRevisions(client, "payments--pr-7"), [], "its revisions are deregistered");
    assert.equal((await describeService(client, "orders--pr-7"))?.status, "ACTIVE", "the deployed copy stays");
    assert.notDeepEqual(await activeRevisions(client, "orders--pr-7"), []);

    assert.match(run.stdout, /prune: removed payments--pr-7 \(not in this deploy's services \(prune\)/);
    assert.match(run.summary, /### Pruned/);
    assert.ok(codeTexts(renderGfm(run.summary)).includes("payments--pr-7"));
    const comment = botComment(7);
    assert.match(comment, /\*\*Pruned from the route\*\*/);
    assert.ok(codeTexts(renderGfm(comment)).includes("payments--pr-7"));
    assert.deepEqual(JSON.parse(run.outputs.services ?? "[]").map((service: { routeService: string }) => service.routeService), ["orders--pr-7"]);
  });

  it("a deploy that changes the same services prunes nothing and says nothing about it", async () => {
    const run = await deployPullRequest(7, ["orders"]);
    assertSucceeded(run);
    assert.doesNotMatch(run.stdout, /prune: removed/);
    assert.doesNotMatch(run.summary, /### Pruned/);
    assert.doesNotMatch(botComment(7), /Pruned from the route/);
  });

  it("with prune: false the route's other copies stay", async () => {
    assertSucceeded(await deployPullRequest(8, ["orders", "payments"]));
    const run = await deployPullRequest(8, ["orders"], { prune: "false" });
    assertSucceeded(run);
    assert.equal((await describeService(client, "payments--pr-8"))?.status, "ACTIVE");
    assert.notDeepEqual(await activeRevisions(client, "payments--pr-8"), []);
    assert.doesNotMatch(run.summary, /### Pruned/);
  });

  it("leaves the copies of other routes alone", async () => {
    assert.equal((await describeService(client, "payments--pr-8"))?.status, "ACTIVE");
    assertSucceeded(await deployPullRequest(9, ["orders"]));
    assert.equal((await describeService(client, "payments--pr-8"))?.status, "ACTIVE");
    assert.equal((await describeService(client, "orders--pr-7"))?.status, "ACTIVE");
  });

  it("a prune that cannot run is a warning: the deploy succeeds, the copy stays, the comment and summary say so", async () => {
    assertSucceeded(await deployPullRequest(10, ["orders", "payments"]));
    emulator.failCalls("GetResources", { after: 0, type: "AccessDeniedException", message: "User is not authorized to perform: tag:GetResources" });
    try {
      const run = await deployPullRequest(10, ["orders"]);
      assertSucceeded(run);
      assert.equal(run.warnings.filter((warning) => warning.startsWith("prune: could not remove the route's other copies")).length, 1, run.warnings.join("\n"));
      assert.equal((await describeService(client, "payments--pr-10"))?.status, "ACTIVE");
      assert.match(run.summary, /could not prune the route's other copies/);
      assert.match(botComment(10), /could not prune the route's other copies/);
      assert.doesNotMatch(botComment(10), /failed to deploy/);
    } finally {
      emulator.failCalls("GetResources", undefined);
    }
    const retried = await deployPullRequest(10, ["orders"]);
    assertSucceeded(retried);
    assert.notEqual((await describeService(client, "payments--pr-10"))?.status, "ACTIVE", "the next deploy prunes it");
  });

  it("a shadow deploy never prunes: a push deploys only the services it changed", async () => {
    const shadow = (services: string[]): Promise<BundleRun> =>
      runBundle("deploy-shadow", {
        inputs: { services: servicesInput(services), wait: "false" },
        event: { name: "push", payload: webhookExample("push") },
        // GitHub's example repository's default branch.
        env: { ...emulator.endpointEnv(), GITHUB_REF: "refs/heads/master" },
      });
    assertSucceeded(await shadow(["orders", "payments"]));
    assertSucceeded(await shadow(["orders"]));
    assert.equal((await describeService(client, "payments--shadow"))?.status, "ACTIVE");
    assert.notDeepEqual(await activeRevisions(client, "payments--shadow"), []);
  });
});
