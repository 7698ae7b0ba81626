import assert from "node:assert/strict";
import { after, beforeEach, describe, it } from "node:test";
import { isConfigurationError } from "../../src/common/errors.js";
import { MemoryLogger } from "../../src/common/logger.js";
import { ecsConsoleUrl, routeMarker, type RouteCommentModel } from "../../src/github/comment-body.js";
import { beginRoute, tearDownRoute, type PullRequestExperienceOptions } from "../../src/github/pull-request-experience.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import type { GitHubEmulator } from "../emulators/github/index.js";
import { ACTIONS_TOKEN, client, HEAD_SHA, OWNER, PR, READ_ONLY_TOKEN, REPO, REPOSITORY, startFixture } from "../helpers/github.js";

const ENVIRONMENT_URL = "https://shop.dev.example.com/";

function model(status: "running" | "failed"): RouteCommentModel {
  return {
    route: "pr-123",
    repository: REPOSITORY,
    commit: HEAD_SHA,
    cluster: "dev",
    region: "eu-west-1",
    services: [
      {
        baseService: "orders",
        routeService: "orders--pr-123",
        image: "orders:sha-9f86d08",
        status,
        consoleUrl: ecsConsoleUrl("eu-west-1", "dev", "orders--pr-123"),
        ...(status === "failed" ? { reason: "Essential container in task exited" } : {}),
      },
    ],
    signal: DEFAULT_SIGNAL_NAMES,
    expiresAt: new Date("2026-11-25T18:00:00Z"),
    updatedAt: new Date(),
  };
}

describe("pull request experience", () => {
  let github: GitHubEmulator;
  let logger: MemoryLogger;
  beforeEach(async () => {
    await github?.close();
    github = await startFixture();
    logger = new MemoryLogger();
  });
  after(() => github.close());

  const options = (token: string, overrides: Partial<PullRequestExperienceOptions> = {}): PullRequestExperienceOptions => ({
    octokit: client(github, token),
    owner: OWNER,
    repo: REPO,
    pullRequest: PR,
    route: "pr-123",
    commit: HEAD_SHA,
    comment: true,
    deployment: true,
    environmentUrl: ENVIRONMENT_URL,
    logUrl: "https://github.com/octo-org/shop/actions/runs/1",
    logger,
    ...overrides,
  });
  const warnings = () => logger.lines.filter((line) => line.level === "warning").map((line) => line.message);

  it("reports a deploy on the pull request: deployment in progress, then success and the sticky comment", async () => {
    const report = await beginRoute(options(ACTIONS_TOKEN));
    assert.deepEqual(github.deployments(REPOSITORY)[0]?.statuses.map((status) => status.state), ["in_progress"]);
    assert.equal(github.comments(REPOSITORY, PR).length, 0);

    const { commentUrl } = await report.finish(model("running"), true);
    const [deployment] = github.deployments(REPOSITORY);
    assert.equal(deployment?.id, report.deploymentId);
    assert.equal(deployment?.environment, "pr-123");
    assert.deepEqual(deployment?.statuses.at(-1), { state: "success", environment_url: ENVIRONMENT_URL, log_url: "https://github.com/octo-org/shop/actions/runs/1", description: "Route pr-123 is ready" });
    const [comment] = github.comments(REPOSITORY, PR);
    assert.ok(comment !== undefined);
    assert.equal(commentUrl, `https://github.com/${REPOSITORY}/pull/${PR}#issuecomment-${comment.id}`);
    assert.ok(comment.body.startsWith(routeMarker("pr-123")));
    assert.ok(comment.body.includes(`curl -H 'X-Route-Version: pr-123' ${ENVIRONMENT_URL}`));
    assert.deepEqual(warnings(), []);
  });

  it("reports a failed deploy and updates the same comment on the next push", async () => {
    await (await beginRoute(options(ACTIONS_TOKEN))).finish(model("failed"), false);
    assert.deepEqual(github.deployments(REPOSITORY)[0]?.statuses.map((status) => status.state), ["in_progress", "failure"]);
    assert.match(github.comments(REPOSITORY, PR)[0]?.body ?? "", /failed to deploy[\s\S]*Essential container in task exited/);

    await (await beginRoute(options(ACTIONS_TOKEN))).finish(model("running"), true);
    const comments = github.comments(REPOSITORY, PR);
    assert.equal(comments.length, 1);
    assert.match(comments[0]?.body ?? "", /Route `pr-123` is ready/);
    assert.equal(github.deployments(REPOSITORY).length, 2);
  });

  it("does only what is enabled", async () => {
    const report = await beginRoute(options(ACTIONS_TOKEN, { comment: false, deployment: false }));
    assert.equal(report.deploymentId, undefined);
    assert.deepEqual(await report.finish(model("running"), true), {});
    assert.deepEqual(github.deployments(REPOSITORY), []);
    assert.deepEqual(github.comments(REPOSITORY, PR), []);
  });

  it("warns with the permission to grant when the token is read-only, and does not fail", async () => {
    const report = await beginRoute(options(READ_ONLY_TOKEN));
    assert.equal(report.deploymentId, undefined);
    assert.deepEqual(await report.finish(model("running"), true), {});
    const [deployment, comment, ...rest] = warnings();
    assert.deepEqual(rest, []);
    assert.match(deployment ?? "", /GitHub deployment for environment pr-123: GitHub answered 403 "Resource not accessible by integration"/);
    assert.match(deployment ?? "", /`deployments: write`.*deployment: false/);
    assert.match(comment ?? "", /comment on pull request #123: GitHub answered 403/);
    assert.match(comment ?? "", /`pull-requests: write`.*comment: false/);
    assert.deepEqual(github.deployments(REPOSITORY), []);
    assert.deepEqual(github.comments(REPOSITORY, PR), []);
  });

  it("ends with one clear line naming github-token when GitHub rejects the token", async () => {
    await assert.rejects(beginRoute(options("ghp_revoked")), (error: unknown) => {
      assert.ok(isConfigurationError(error));
      assert.equal(error.input, "github-token");
      assert.match(error.message, /^GitHub rejected the token \(401 Bad credentials\)/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  it("tears down: our comment becomes a short note, every deployment of the route inactive", async () => {
    for (let push = 0; push < 2; push++) {
      await (await beginRoute(options(ACTIONS_TOKEN))).finish(model("running"), true);
    }
    const persons = github.addIssueComment(REPOSITORY, PR, { body: `> ${routeMarker("pr-123")}\n> quoted`, login: "octocat" });
    github.resetCalls();
    await tearDownRoute({ ...options(ACTIONS_TOKEN), removed: ["orders--pr-123"], reason: "pull request closed" });
    // The comments are read once: the comment found is the one rewritten.
    assert.equal(github.calls().filter((call) => call.method === "GET" && call.path.endsWith(`/issues/${PR}/comments`)).length, 1);

    const comments = github.comments(REPOSITORY, PR);
    assert.equal(comments.length, 2);
    const ours = comments.find((comment) => comment.login === "github-actions[bot]");
    assert.match(ours?.body ?? "", /^<!-- ecs-dynamic-routing route=pr-123 -->\n### 🧹 Route `pr-123` was torn down/);
    assert.match(ours?.body ?? "", /pull request closed: removed <code>orders--pr-123<\/code>/);
    assert.equal(comments.find((comment) => comment.id === persons)?.body, `> ${routeMarker("pr-123")}\n> quoted`);
    assert.deepEqual(github.deployments(REPOSITORY).map((deployment) => deployment.statuses.at(-1)?.state), ["inactive", "inactive"]);
  });

  it("tears down without creating a comment where there was none", async () => {
    await tearDownRoute({ ...options(ACTIONS_TOKEN), removed: [] });
    assert.deepEqual(github.comments(REPOSITORY, PR), []);
    assert.deepEqual(warnings(), []);
  });

  it("warns on tear-down with a read-only token", async () => {
    await (await beginRoute(options(ACTIONS_TOKEN))).finish(model("running"), true);
    await tearDownRoute({ ...options(READ_ONLY_TOKEN), removed: ["orders--pr-123"] });
    assert.equal(warnings().length, 2);
    assert.match(warnings()[0] ?? "", /`pull-requests: write`/);
    assert.match(warnings()[1] ?? "", /`deployments: write`/);
    assert.match(github.comments(REPOSITORY, PR)[0]?.body ?? "", /is ready/);
  });
});
