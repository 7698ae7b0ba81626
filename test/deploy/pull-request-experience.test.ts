// What a pull request shows, end to end through the deploy-ephemeral bundle with GitHub's own
// webhook payloads: one sticky comment across pushes, a person's comment left alone, the deployment
// statuses in order, each piece of the rendered comment, drafts and read-only tokens.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { routeMarker } from "../../src/github/comment-body.js";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";
import type { BundleRun } from "../helpers/action-runner.js";
import { codeTexts, renderGfm, withoutCode } from "../helpers/markdown.js";
import { seedBaseService, assertSucceeded, REPOSITORY as repository, runDeployEphemeral } from "../helpers/deploy.js";

const actionsToken = "ghs_pullRequestExperienceToken";
const readOnlyToken = "ghs_readOnlyForkToken";
const firstPush = "aaaaaaa111111111111111111111111111111111";
const secondPush = "bbbbbbb222222222222222222222222222222222";

let emulator: EcsEmulator;
let github: GitHubEmulator;

function deploy(number: number, headSha: string, options: { action?: string; draft?: boolean; token?: string; inputs?: Record<string, string> } = {}): Promise<BundleRun> {
  return runDeployEphemeral({ ecs: emulator, github }, { number, headSha, action: options.action, draft: options.draft }, {
    "github-token": options.token ?? actionsToken,
    service: "orders",
    image: `registry.example.com/orders:${headSha.slice(0, 7)}`,
    "environment-url": "https://app.dev.example.com",
    ...options.inputs,
  });
}

before(async () => {
  emulator = await startEcsEmulator({ stabilizationMs: 200 });
  github = await startGitHubEmulator();
  github.addRepository(repository);
  github.addToken(actionsToken, { login: "github-actions[bot]", type: "Bot", installation: true });
  github.addToken(readOnlyToken, {
    login: "github-actions[bot]",
    type: "Bot",
    installation: true,
    permissions: { issues: "read", pullRequests: "read", deployments: "read" },
  });
  seedBaseService(emulator, "orders");
});

after(async () => {
  await emulator.close();
  await github.close();
});

describe("the pull request's comment and deployment", () => {
  it("keeps one comment across two pushes, leaves a person's comment quoting the marker alone, and records the deployment statuses in order", async () => {
    const personsComment = `Copying the bot's line for the docs: ${routeMarker("pr-40")} (do not edit)`;
    const personsId = github.addIssueComment(repository, 40, { body: personsComment, login: "octocat", type: "User" });

    assertSucceeded(await deploy(40, firstPush));
    assertSucceeded(await deploy(40, secondPush, { action: "synchronize" }));

    const comments = github.comments(repository, 40);
    assert.equal(comments.length, 2, "the person's comment and one sticky comment");
    const persons = comments.find((comment) => comment.id === personsId);
    assert.equal(persons?.body, personsComment, "a person's comment is never edited");
    const ours = comments.filter((comment) => comment.login === "github-actions[bot]");
    assert.equal(ours.length, 1);
    assert.notEqual(ours[0]?.updatedAt, ours[0]?.createdAt, "updated in place on the second push");
    assert.match(ours[0]?.body ?? "", /bbbbbbb/, "the comment shows the latest commit");
    assert.doesNotMatch(ours[0]?.body ?? "", /aaaaaaa1/);

    const deployments = github.deployments(repository).filter((deployment) => deployment.environment === "pr-40");
    assert.deepEqual(
      deployments.map((deployment) => [deployment.sha, deployment.transient, deployment.statuses.map((status) => status.state)]),
      [
        [firstPush, true, ["in_progress", "success"]],
        [secondPush, true, ["in_progress", "success"]],
      ],
    );
    assert.equal(deployments[1]?.statuses[1]?.environment_url, "https://app.dev.example.com");
  });

  it("renders every piece a person needs to reach the route", async () => {
    const run = await deploy(41, firstPush, { inputs: { ttl: "48h" } });
    assertSucceeded(run);
    const [comment] = github.comments(repository, 41);
    const body = comment?.body ?? "";
    assert.ok(body.includes(routeMarker("pr-41")), "hidden marker");
    assert.match(body, /pr-41/, "route");
    // The service table: service, route service, image tag, status and the ECS console link.
    assert.match(body, /\| <code>orders<\/code> \| <code>orders--pr-41<\/code> \| <code>aaaaaaa<\/code> \| [^|]*running[^|]* \| \[console\]\(https:\/\/us-east-1\.console\.aws\.amazon\.com\/ecs\/v2\/clusters\/default\/services\/orders--pr-41\/health\?region=us-east-1\) \|/);
    assert.match(body, /curl -H 'X-Route-Version: pr-41' https:\/\/app\.dev\.example\.com/, "curl with the header");
    const cookieLines = body.split("\n").filter((line) => line.startsWith("document.cookie"));
    assert.equal(cookieLines.length, 1);
    assert.equal(
      cookieLines[0],
      'document.cookie = "x-route-version=pr-41; domain=dev.example.com; path=/; max-age=86400; SameSite=Lax; Secure"',
      "one-line browser cookie snippet for every host of the environment URL's domain",
    );
    assert.match(body, /baggage: dynamic_route=pr-41/, "the baggage entry for OpenTelemetry clients");
    assert.match(body, /[Mm]obile[^\n]*X-Route-Version[^\n]*pr-41/, "the header for mobile debug menus");
    const expires = /expires (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)/.exec(body)?.[1];
    assert.ok(expires, "expiry time");
    const hoursLeft = (Date.parse(expires) - Date.now()) / 3_600_000;
    assert.ok(hoursLeft > 47 && hoursLeft <= 48, `expires in ${hoursLeft} h, from ttl 48h`);
    assert.match(body, /aaaaaaa/, "the commit");
  });

  it("shows a stopped reason the PR's image shaped as text: no link, image, mention or HTML in the comment or the summary", async () => {
    const image = "registry.example.com/orders:hostile";
    emulator.failImage(image, "CannotPullContainerError: [log in](https://evil.example/) ![x](https://evil.example/i.png) @octo-org/admins <img src=x> see https://evil.example");
    const run = await deploy(45, firstPush, { inputs: { image } });
    assert.equal(run.exitCode, 1, run.stdout);
    const body = github.comments(repository, 45)[0]?.body ?? "";
    assert.ok(codeTexts(body).some((text) => text.includes("[log in](https://evil.example/) ![x](https://evil.example/i.png) @\u2060octo-org/admins <img src=x>")), body);
    for (const html of [renderGfm(body), renderGfm(run.summary)]) {
      assert.doesNotMatch(withoutCode(html), /evil|octo-org|<img/, html);
      assert.deepEqual(html.match(/<a [^>]*>/g)?.filter((link) => !link.includes("console.aws.amazon.com")) ?? [], []);
    }
  });

  it("shows what the route runs and costs, from the emulator's task definition, in the comment and the job summary", async () => {
    // The base task definition asks for 256 CPU units and 512 MiB; the copy runs 2 tasks of it.
    const run = await deploy(42, firstPush, { inputs: { "desired-count": "2", "price-vcpu-hour": "0.04048", "price-gib-hour": "0.004445" } });
    assertSucceeded(run);
    const body = github.comments(repository, 42)[0]?.body ?? "";
    for (const text of [body, run.summary]) {
      assert.match(text, /2 tasks in 1 copy: 0\.5 vCPU and 1 GiB in all\./);
      assert.match(text, /\| vCPU-hours \| GiB-hours \| amount \|/);
      // Per day: 0.5 vCPU × 24 h = 12 vCPU-hours, 1 GiB × 24 h = 24 GiB-hours; 12 × 0.04048 + 24 × 0.004445 = 0.59.
      assert.match(text, /\| per day \| 12 \| 24 \| 0\.59 \|/);
      // So far: the copy was created moments ago.
      assert.match(text, /\| so far \(since \d{4}-\d\d-\d\d \d\d:\d\d UTC\) \| 0 \| 0 \| 0\.00 \|/);
      assert.match(text, /Amounts at 0\.04048 per vCPU-hour and 0\.004445 per GiB-hour/);
    }
    const unpriced = await deploy(43, firstPush);
    assertSucceeded(unpriced);
    const plain = github.comments(repository, 43)[0]?.body ?? "";
    assert.match(plain, /1 task in 1 copy: 0\.25 vCPU and 0\.5 GiB in all\./);
    assert.match(plain, /\| per day \| 6 \| 12 \|\n/);
    assert.doesNotMatch(plain, /amount/, "no amounts without prices");
  });

  it("skips a draft pull request with skip-draft, creating nothing", async () => {
    emulator.resetCalls();
    github.resetCalls();
    const run = await deploy(42, firstPush, { draft: true, inputs: { "skip-draft": "true" } });
    assertSucceeded(run);
    assert.match(run.stdout, /::notice::.*draft/i);
    assert.deepEqual(emulator.calls(), []);
    assert.deepEqual(github.calls(), []);
    assert.equal(run.outputs.route, undefined, "a skipped step reports no route, so no tests run after it");
  });

  it("deploys a draft pull request without skip-draft", async () => {
    assertSucceeded(await deploy(43, firstPush, { draft: true }));
    assert.equal(github.comments(repository, 43).length, 1);
  });

  it("treats a read-only token as warnings naming the permission, not a failed deploy", async () => {
    const run = await deploy(44, firstPush, { token: readOnlyToken });
    assertSucceeded(run);
    assert.equal(JSON.parse(run.outputs.services ?? "[]")[0]?.status, "running");
    assert.ok(run.warnings.some((warning) => warning.includes("pull-requests: write")), run.warnings.join("\n"));
    assert.ok(run.warnings.some((warning) => warning.includes("deployments: write")), run.warnings.join("\n"));
    assert.equal(github.comments(repository, 44).length, 0);
    assert.equal(github.deployments(repository).filter((deployment) => deployment.environment === "pr-44").length, 0);
  });
});
