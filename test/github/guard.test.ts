import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWorkflowEvent, type WorkflowEvent } from "../../src/github/event.js";
import { pullRequestSkip } from "../../src/github/guard.js";
import { pullRequestEvent, pushEvent, webhookExample } from "../helpers/webhooks.js";

function event(name: string, payload: Record<string, unknown>): WorkflowEvent {
  return parseWorkflowEvent({ GITHUB_EVENT_NAME: name, GITHUB_REPOSITORY: "Codertocat/Hello-World", GITHUB_REF: "refs/heads/master" }, payload);
}

const defaults = { allowForks: false, skipDraft: false };

describe("pull request guard", () => {
  it("lets an opened pull request from the repository through", () => {
    assert.equal(pullRequestSkip(event("pull_request", pullRequestEvent("opened")), defaults), undefined);
    assert.equal(pullRequestSkip(event("pull_request", pullRequestEvent("synchronize")), { allowForks: false, skipDraft: true }), undefined);
  });

  it("skips a fork pull request and explains why and how to opt in", () => {
    const notice = pullRequestSkip(event("pull_request", pullRequestEvent("opened", { number: 7, fork: true })), defaults);
    assert.ok(notice !== undefined);
    assert.match(notice, /#7/);
    assert.match(notice, /forker\/Hello-World/);
    assert.match(notice, /fork's own workflow file with a read-only GITHUB_TOKEN and no secrets/);
    // allow-forks only where no fork code runs; never for a pull_request job holding a cloud role.
    assert.match(notice, /never give that job a cloud role/);
    assert.match(notice, /workflow_run or pull_request_target workflow that checks out no code of the pull request deploys it/);
    assert.match(notice, /only there set allow-forks: true/);
    assert.match(notice, /pull_request_target with a checkout of the pull request's head is not safe/);
    assert.doesNotMatch(notice, /self-hosted runner's role/);
  });

  it("deploys a fork pull request with allow-forks", () => {
    assert.equal(pullRequestSkip(event("pull_request", pullRequestEvent("opened", { fork: true })), { allowForks: true, skipDraft: false }), undefined);
  });

  it("skips a pull request whose fork was deleted", () => {
    const payload = pullRequestEvent("synchronize", { fork: true });
    (payload.pull_request as { head: { repo: unknown } }).head.repo = null;
    assert.match(pullRequestSkip(event("pull_request", payload), defaults) ?? "", /a fork that was deleted/);
  });

  it("skips a draft only with skip-draft", () => {
    const draft = event("pull_request", webhookExample("pull_request", "converted_to_draft"));
    assert.equal(draft.pullRequest?.draft, true);
    assert.equal(pullRequestSkip(draft, defaults), undefined);
    const notice = pullRequestSkip(draft, { allowForks: false, skipDraft: true });
    assert.match(notice ?? "", /is a draft and skip-draft is true/);
    assert.match(notice ?? "", /ready_for_review/);
    assert.match(pullRequestSkip(event("pull_request", pullRequestEvent("opened", { draft: true })), { allowForks: true, skipDraft: true }) ?? "", /draft/);
  });

  it("never skips an event without a pull request", () => {
    assert.equal(pullRequestSkip(event("push", pushEvent()), { allowForks: false, skipDraft: true }), undefined);
  });
});
