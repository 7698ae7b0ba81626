import assert from "node:assert/strict";
import { after, beforeEach, describe, it } from "node:test";
import { deactivateRouteDeployments, finishRouteDeployment, startRouteDeployment } from "../../src/github/deployments.js";
import type { GitHubEmulator } from "../emulators/github/index.js";
import { ACTIONS_TOKEN, client, HEAD_SHA, OWNER, REPO, REPOSITORY, startFixture } from "../helpers/github.js";

describe("route deployments", () => {
  let github: GitHubEmulator;
  beforeEach(async () => {
    await github?.close();
    github = await startFixture();
  });
  after(() => github.close());

  const target = { owner: OWNER, repo: REPO };

  it("creates a transient deployment of the exact commit, in progress then success", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    const id = await startRouteDeployment(octokit, { ...target, environment: "pr-123", ref: HEAD_SHA, pullRequest: 123, description: "Route pr-123", logUrl: "https://github.com/run/1" });
    await finishRouteDeployment(octokit, { ...target, id, state: "success", environmentUrl: "https://shop.dev.example.com/" });
    const [deployment] = github.deployments(REPOSITORY);
    assert.ok(deployment !== undefined);
    assert.equal(deployment.id, id);
    assert.equal(deployment.environment, "pr-123");
    assert.equal(deployment.sha, HEAD_SHA);
    assert.equal(deployment.transient, true);
    assert.equal(deployment.production, false);
    assert.equal(deployment.autoMerge, false);
    assert.deepEqual(deployment.requiredContexts, []);
    assert.deepEqual(deployment.statuses, [
      { state: "in_progress", log_url: "https://github.com/run/1", description: "Route pr-123" },
      { state: "success", environment_url: "https://shop.dev.example.com/" },
    ]);
  });

  it("records a failure", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    const id = await startRouteDeployment(octokit, { ...target, environment: "pr-123", ref: HEAD_SHA, pullRequest: 123 });
    await finishRouteDeployment(octokit, { ...target, id, state: "failure", description: "orders failed" });
    assert.deepEqual(
      github.deployments(REPOSITORY)[0]?.statuses.map((status) => status.state),
      ["in_progress", "failure"],
    );
  });

  it("marks every deployment of the environment inactive, and only that environment", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    const ids: number[] = [];
    for (let push = 0; push < 3; push++) {
      const id = await startRouteDeployment(octokit, { ...target, environment: "pr-123", ref: HEAD_SHA, pullRequest: 123 });
      await finishRouteDeployment(octokit, { ...target, id, state: push === 1 ? "failure" : "success" });
      ids.push(id);
    }
    const other = await startRouteDeployment(octokit, { ...target, environment: "pr-7", ref: HEAD_SHA, pullRequest: 7 });
    assert.equal(await deactivateRouteDeployments(octokit, { ...target, environment: "pr-123", pullRequest: 123 }), 3);
    for (const deployment of github.deployments(REPOSITORY)) {
      const last = deployment.statuses.at(-1)?.state;
      assert.equal(last, deployment.id === other ? "in_progress" : "inactive", `deployment ${deployment.id}`);
    }
    // Already inactive: nothing more to write.
    assert.equal(await deactivateRouteDeployments(octokit, { ...target, environment: "pr-123", pullRequest: 123 }), 0);
    assert.equal(github.deployments(REPOSITORY).filter((deployment) => ids.includes(deployment.id)).every((deployment) => deployment.statuses.length === 3), true);
  });

  it("leaves the deployments another pull request made to the same route name", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    const mine = await startRouteDeployment(octokit, { ...target, environment: "demo", ref: HEAD_SHA, pullRequest: 7 });
    const theirs = await startRouteDeployment(octokit, { ...target, environment: "demo", ref: HEAD_SHA, pullRequest: 8 });
    assert.deepEqual(github.deployments(REPOSITORY).find((deployment) => deployment.id === mine)?.payload, { pull_request: 7 });
    assert.equal(await deactivateRouteDeployments(octokit, { ...target, environment: "demo", pullRequest: 7 }), 1);
    const last = (id: number): string | undefined => github.deployments(REPOSITORY).find((deployment) => deployment.id === id)?.statuses.at(-1)?.state;
    assert.equal(last(mine), "inactive");
    assert.equal(last(theirs), "in_progress");
  });
});
