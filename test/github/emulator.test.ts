import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { GitHubEmulator } from "../emulators/github/index.js";
import { ACTIONS_TOKEN, client, OWNER, PAT, PR, READ_ONLY_TOKEN, REPO, REPOSITORY, startFixture } from "../helpers/github.js";

function links(header: string | null): Record<string, URL> {
  const result: Record<string, URL> = {};
  for (const part of (header ?? "").split(",")) {
    const match = /<([^>]+)>;\s*rel="([a-z]+)"/.exec(part.trim());
    if (match !== null) result[match[2] as string] = new URL(match[1] as string);
  }
  return result;
}

describe("GitHub emulator", () => {
  let github: GitHubEmulator;
  before(async () => {
    github = await startFixture();
    for (let index = 0; index < 75; index++) {
      github.addIssueComment(REPOSITORY, PR, { body: `comment ${index}`, login: "octocat" });
    }
  });
  after(() => github.close());

  const get = (path: string, token = ACTIONS_TOKEN, scheme = "token"): Promise<Response> =>
    fetch(`${github.url}${path}`, { headers: { authorization: `${scheme} ${token}` } });

  it("pages issue comments 30 at a time by default with RFC 5988 Link headers", async () => {
    const first = await get(`/repos/${REPOSITORY}/issues/${PR}/comments`);
    assert.equal(first.status, 200);
    assert.equal(((await first.json()) as unknown[]).length, 30);
    const rels = links(first.headers.get("link"));
    assert.deepEqual(Object.keys(rels).sort(), ["last", "next"]);
    assert.equal(rels.next?.searchParams.get("page"), "2");
    assert.equal(rels.last?.searchParams.get("page"), "3");

    const last = await get(`${rels.last?.pathname}${rels.last?.search}`);
    const bodies = ((await last.json()) as { body: string }[]).map((comment) => comment.body);
    assert.deepEqual(bodies, Array.from({ length: 15 }, (_, index) => `comment ${60 + index}`));
    const lastRels = links(last.headers.get("link"));
    assert.deepEqual(Object.keys(lastRels).sort(), ["first", "prev"]);
    assert.equal(lastRels.prev?.searchParams.get("page"), "2");
  });

  it("caps per_page at 100 and answers one page without a Link header", async () => {
    const response = await get(`/repos/${REPOSITORY}/issues/${PR}/comments?per_page=500`);
    assert.equal(((await response.json()) as unknown[]).length, 75);
    assert.equal(response.headers.get("link"), null);
  });

  it("lets Octokit's paginate read every comment", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    const all = await octokit.paginate(octokit.rest.issues.listComments, { owner: OWNER, repo: REPO, issue_number: PR, per_page: 20 });
    assert.equal(all.length, 75);
    assert.equal(all[74]?.body, "comment 74");
  });

  it("answers 404 Not Found JSON for an unknown pull request, repository or path", async () => {
    for (const path of [`/repos/${REPOSITORY}/pulls/999`, "/repos/octo-org/nothing/pulls/1", `/repos/${REPOSITORY}/nope`]) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      const body = (await response.json()) as { message: string; documentation_url: string };
      assert.equal(body.message, "Not Found");
      assert.match(body.documentation_url, /^https:\/\/docs\.github\.com\//);
    }
    const octokit = client(github, ACTIONS_TOKEN);
    await assert.rejects(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 999 }), { status: 404 });
  });

  it("answers a known pull request with its head", async () => {
    const { data } = await client(github, ACTIONS_TOKEN).rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: PR });
    assert.equal(data.state, "open");
    assert.equal(data.head.ref, "feature/checkout");
  });

  it("accepts `token` and `Bearer` authorization, rejects an unknown token with 401 Bad credentials, hides private repositories from anonymous callers", async () => {
    assert.equal((await get(`/repos/${REPOSITORY}/pulls/${PR}`, ACTIONS_TOKEN, "Bearer")).status, 200);
    const bad = await get(`/repos/${REPOSITORY}/pulls/${PR}`, "ghp_unknown");
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { message: string }).message, "Bad credentials");
    // Without a token, a private repository does not exist (404); GET /user requires authentication.
    assert.equal((await fetch(`${github.url}/repos/${REPOSITORY}/pulls/${PR}`)).status, 404);
    const anonymous = await fetch(`${github.url}/user`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { message: string }).message, "Requires authentication");
  });

  it("answers GET /user for a PAT and 403 for an installation token", async () => {
    const user = await get("/user", PAT);
    assert.equal(((await user.json()) as { login: string }).login, "platform-bot-user");
    const installation = await get("/user", ACTIONS_TOKEN);
    assert.equal(installation.status, 403);
    assert.equal(((await installation.json()) as { message: string }).message, "Resource not accessible by integration");
  });

  it("refuses writes a token has no permission for", async () => {
    const octokit = client(github, READ_ONLY_TOKEN);
    await assert.rejects(
      octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: PR, body: "hi" }),
      (error: { status: number; message: string }) => error.status === 403 && error.message.includes("Resource not accessible by integration"),
    );
    await assert.rejects(octokit.rest.repos.createDeployment({ owner: OWNER, repo: REPO, ref: "feature/checkout" }), { status: 403 });
  });

  it("filters and pages deployments, newest first, and validates status states", async () => {
    const octokit = client(github, ACTIONS_TOKEN);
    for (const environment of ["pr-1", "pr-2", "pr-1"]) {
      await octokit.rest.repos.createDeployment({ owner: OWNER, repo: REPO, ref: "feature/checkout", environment, required_contexts: [] });
    }
    const pr1 = await octokit.paginate(octokit.rest.repos.listDeployments, { owner: OWNER, repo: REPO, environment: "pr-1", per_page: 1 });
    assert.equal(pr1.length, 2);
    assert.ok((pr1[0]?.id ?? 0) > (pr1[1]?.id ?? 0));
    assert.equal(pr1[0]?.sha, github.deployments(REPOSITORY)[0]?.sha);
    await assert.rejects(
      octokit.rest.repos.createDeploymentStatus({ owner: OWNER, repo: REPO, deployment_id: pr1[0]?.id ?? 0, state: "done" as "success" }),
      { status: 422 },
    );
    await assert.rejects(octokit.rest.repos.createDeployment({ owner: OWNER, repo: REPO, ref: "no-such-branch" }), { status: 422 });
    await assert.rejects(octokit.rest.repos.listDeploymentStatuses({ owner: OWNER, repo: REPO, deployment_id: 1 }), { status: 404 });
  });

  it("logs every call with its status", async () => {
    github.resetCalls();
    await get(`/repos/${REPOSITORY}/pulls/${PR}?x=1`);
    await get("/user");
    assert.deepEqual(
      github.calls().map(({ method, path, query, status }) => ({ method, path, query, status })),
      [
        { method: "GET", path: `/repos/${REPOSITORY}/pulls/${PR}`, query: "x=1", status: 200 },
        { method: "GET", path: "/user", query: "", status: 403 },
      ],
    );
  });
});
