import assert from "node:assert/strict";
import { after, beforeEach, describe, it } from "node:test";
import { MemoryLogger } from "../../src/common/logger.js";
import { routeMarker } from "../../src/github/comment-body.js";
import { commentAuthor, findStickyComment, upsertStickyComment } from "../../src/github/sticky-comment.js";
import type { GitHubEmulator } from "../emulators/github/index.js";
import { ACTIONS_TOKEN, client, OWNER, PAT, PR, REPO, REPOSITORY, startFixture } from "../helpers/github.js";

const MARKER = routeMarker("pr-123");

describe("sticky comment", () => {
  let github: GitHubEmulator;
  beforeEach(async () => {
    await github?.close();
    github = await startFixture();
  });
  after(() => github.close());

  const target = (body: string) => ({ owner: OWNER, repo: REPO, issueNumber: PR, marker: MARKER, body, logger: new MemoryLogger() });

  it("is created once, then updated in place", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    const first = await upsertStickyComment(octokit, target(`${MARKER}\nfirst`));
    const second = await upsertStickyComment(octokit, target(`${MARKER}\nsecond`));
    assert.equal(first.action, "created");
    assert.equal(second.action, "updated");
    assert.equal(second.id, first.id);
    assert.match(second.url, new RegExp(`/pull/${PR}#issuecomment-${first.id}$`));
    const comments = github.comments(REPOSITORY, PR);
    assert.equal(comments.length, 1);
    assert.equal(comments[0]?.body, `${MARKER}\nsecond`);
    assert.equal(comments[0]?.login, "github-actions[bot]");
  });

  it("adds the marker when the body lacks it, so the next run finds the comment", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    await upsertStickyComment(octokit, target("no marker"));
    assert.equal(github.comments(REPOSITORY, PR)[0]?.body, `${MARKER}\nno marker`);
    assert.equal((await upsertStickyComment(octokit, target("again"))).action, "updated");
  });

  it("finds ours among 150 comments, on the second page", async () => {
    for (let index = 0; index < 120; index++) {
      github.addIssueComment(REPOSITORY, PR, { body: `review note ${index}`, login: "octocat" });
    }
    const ours = github.addIssueComment(REPOSITORY, PR, { body: `${MARKER}\nold`, login: "github-actions[bot]", type: "Bot" });
    for (let index = 0; index < 29; index++) {
      github.addIssueComment(REPOSITORY, PR, { body: `later note ${index}`, login: "octocat" });
    }
    const octokit = client(github, ACTIONS_TOKEN);
    github.resetCalls();
    const result = await upsertStickyComment(octokit, target(`${MARKER}\nnew`));
    assert.deepEqual(result.action, "updated");
    assert.equal(result.id, ours);
    assert.equal(github.comments(REPOSITORY, PR).length, 150);
    assert.equal(github.comments(REPOSITORY, PR).find((comment) => comment.id === ours)?.body, `${MARKER}\nnew`);
    const pages = github.calls().filter((call) => call.method === "GET" && call.path.endsWith(`/issues/${PR}/comments`));
    assert.deepEqual(pages.map((call) => new URLSearchParams(call.query).get("page") ?? "1"), ["1", "2"]);
  });

  it("never edits a person's comment that quotes the marker", async () => {
    const quoted = `> ${MARKER}\n> the route comment said this`;
    const persons = github.addIssueComment(REPOSITORY, PR, { body: quoted, login: "octocat" });
    const octokit = client(github, ACTIONS_TOKEN);
    assert.equal(await findStickyComment(octokit, target("")), undefined);
    const result = await upsertStickyComment(octokit, target(`${MARKER}\nours`));
    assert.equal(result.action, "created");
    assert.notEqual(result.id, persons);
    const comments = github.comments(REPOSITORY, PR);
    assert.equal(comments.find((comment) => comment.id === persons)?.body, quoted);
    assert.equal(comments.length, 2);
  });

  it("ignores another route's comment", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    await upsertStickyComment(octokit, { ...target("shadow"), marker: routeMarker("feature-x") });
    assert.equal((await upsertStickyComment(octokit, target("pr"))).action, "created");
    assert.equal(github.comments(REPOSITORY, PR).length, 2);
  });

  it("works with a personal access token, whose identity GET /user names", async () => {
    const octokit = client(github, PAT);
    github.addIssueComment(REPOSITORY, PR, { body: `${MARKER}\nby the bot`, login: "github-actions[bot]", type: "Bot" });
    assert.equal(await commentAuthor(octokit), "platform-bot-user");
    assert.equal((await upsertStickyComment(octokit, target(`${MARKER}\n1`))).action, "created");
    assert.equal((await upsertStickyComment(octokit, target(`${MARKER}\n2`))).action, "updated");
    const mine = github.comments(REPOSITORY, PR).filter((comment) => comment.login === "platform-bot-user");
    assert.deepEqual(mine.map((comment) => comment.body), [`${MARKER}\n2`]);
  });

  it("finds its own comment with a GitHub App's installation token, whose comments are by <app>[bot]", async () => {
    github.addToken("ghs_appInstallationToken", { login: "shop-deployer[bot]", type: "Bot", installation: true });
    github.addIssueComment(REPOSITORY, PR, { body: `${MARKER}\nby the Actions token`, login: "github-actions[bot]", type: "Bot" });
    const octokit = client(github, "ghs_appInstallationToken");
    assert.equal(await commentAuthor(octokit), "shop-deployer[bot]");
    assert.equal((await upsertStickyComment(octokit, target(`${MARKER}\n1`))).action, "created");
    assert.equal((await upsertStickyComment(octokit, target(`${MARKER}\n2`))).action, "updated");
    const mine = github.comments(REPOSITORY, PR).filter((comment) => comment.login === "shop-deployer[bot]");
    assert.deepEqual(mine.map((comment) => comment.body), [`${MARKER}\n2`]);
  });

  it("asks who it is once per client", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    github.resetCalls();
    await upsertStickyComment(octokit, target("1"));
    await upsertStickyComment(octokit, target("2"));
    assert.equal(github.calls().filter((call) => call.path === "/user").length, 1);
    assert.equal(await commentAuthor(octokit), "github-actions[bot]");
  });
});
