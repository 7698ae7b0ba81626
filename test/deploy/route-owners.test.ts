// A route has one owner (issue 10.3), end to end through the committed deploy-ephemeral and reap
// bundles against the ECS and GitHub emulators: repositories sharing one cluster keep their routes
// apart unless they share a {branch} route on purpose, and within one repository a route that an
// open pull request holds is refused to another.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";
import { ecsClient } from "../helpers/ecs.js";
import { runBundle, type BundleRun } from "../helpers/action-runner.js";
import { pullRequestEvent } from "../helpers/webhooks.js";
import { assertSucceeded, describeService, mutatingCalls, seedBaseService } from "../helpers/deploy.js";
import { inertText } from "../../src/common/inert-text.js";
import { fromEcsTags } from "../../src/ecs/route-tags.js";
import { TAG } from "../../src/ecs/tags.js";

const A = { name: "Codertocat/Hello-World", id: "186853002" };
const B = { name: "Codertocat/Storefront", id: "1000002" };
type Repository = typeof A;
const TOKEN = "ghs_routeOwnersTestToken";
const HEAD = "5555555555555555555555555555555555555555";
const CLUSTER = "dev";

let ecsEmulator: EcsEmulator;
let github: GitHubEmulator;
let ecs: ECSClient;

beforeEach(async () => {
  ecsEmulator = await startEcsEmulator({ stabilizationMs: 100, drainMs: 100, clusters: [CLUSTER] });
  github = await startGitHubEmulator();
  for (const repository of [A, B]) github.addRepository(repository.name);
  github.addToken(TOKEN, { login: "github-actions[bot]", type: "Bot", installation: true });
  ecs = ecsClient(ecsEmulator);
  // One cluster, two repositories: A deploys orders, B deploys payments.
  seedBaseService(ecsEmulator, "orders", { cluster: CLUSTER });
  seedBaseService(ecsEmulator, "payments", { cluster: CLUSTER });
});

afterEach(async () => {
  ecs.destroy();
  await Promise.all([ecsEmulator.close(), github.close()]);
});

function repositoryEnv(repository: Repository): Record<string, string> {
  return { ...ecsEmulator.endpointEnv(), GITHUB_API_URL: github.url, GITHUB_REPOSITORY: repository.name, GITHUB_REPOSITORY_ID: repository.id };
}

interface PullRequestRun {
  repository: Repository;
  number: number;
  service: string;
  branch?: string;
  inputs?: Record<string, string>;
}

function deploy(run: PullRequestRun): Promise<BundleRun> {
  const headRef = run.branch ?? `branch-${run.number}`;
  github.addPullRequest(run.repository.name, { number: run.number, state: "open", headSha: HEAD, headRef });
  return runBundle("deploy-ephemeral", {
    inputs: { cluster: CLUSTER, service: run.service, image: `registry.example.com/${run.service}:pr-${run.number}`, "github-token": TOKEN, ...run.inputs },
    event: { name: "pull_request", payload: pullRequestEvent("opened", { number: run.number, headSha: HEAD, headRef }) },
    env: repositoryEnv(run.repository),
  });
}

function reapClosed(run: Omit<PullRequestRun, "service">): Promise<BundleRun> {
  const headRef = run.branch ?? `branch-${run.number}`;
  github.addPullRequest(run.repository.name, { number: run.number, state: "closed", headSha: HEAD, headRef });
  return runBundle("reap", {
    inputs: { cluster: CLUSTER, "github-token": TOKEN, ...run.inputs },
    event: { name: "pull_request", payload: pullRequestEvent("closed", { number: run.number, headSha: HEAD, headRef }) },
    env: repositoryEnv(run.repository),
  });
}

async function status(service: string): Promise<string | undefined> {
  return (await describeService(ecs, service, CLUSTER))?.status;
}

/** The one error line of a refused run, after checking it was refused before any change. */
function refusal(run: BundleRun): string {
  assert.equal(run.exitCode, 1, `${run.stdout}\n${run.stderr}`);
  assert.equal(run.errors.length, 1, run.errors.join("\n"));
  return run.errors[0] as string;
}

describe("repositories sharing one cluster", () => {
  it("the same pull-request number in a second repository is refused, naming the first repository's copy and the fix", async () => {
    assertSucceeded(await deploy({ repository: A, number: 5, service: "orders" }));
    ecsEmulator.resetCalls();

    const run = await deploy({ repository: B, number: 5, service: "payments" });

    const line = refusal(run);
    assert.match(line, /^Input 'route-template': route pr-5 already has Codertocat\/Hello-World's copy orders--pr-5 in cluster 'dev'/);
    assert.match(line, /\{repository\}-pr-\{number\}/);
    assert.deepEqual(mutatingCalls(ecsEmulator), []);
    assert.equal(await status("payments--pr-5"), undefined);
    assert.deepEqual(github.comments(B.name, 5), []);
    assert.deepEqual(github.deployments(B.name), []);
  });

  it("with route-template {repository}-pr-{number} each repository's pull request 5 gets a route of its own", async () => {
    const inputs = { "route-template": "{repository}-pr-{number}" };
    const first = await deploy({ repository: A, number: 5, service: "orders", inputs });
    const second = await deploy({ repository: B, number: 5, service: "payments", inputs });

    assertSucceeded(first);
    assertSucceeded(second);
    assert.equal(first.outputs.route, "hello-world-pr-5");
    assert.equal(second.outputs.route, "storefront-pr-5");
    assert.equal(await status("orders--hello-world-pr-5"), "ACTIVE");
    assert.equal(await status("payments--storefront-pr-5"), "ACTIVE");

    // The reap takes the same template and so the same route.
    assertSucceeded(await reapClosed({ repository: B, number: 5, inputs }));
    assert.notEqual(await status("payments--storefront-pr-5"), "ACTIVE");
    assert.equal(await status("orders--hello-world-pr-5"), "ACTIVE");
  });

  it("two repositories share a {branch} route on purpose; each close removes only its own copies", async () => {
    const inputs = { "route-template": "feature-{branch}" };
    const branch = "Checkout/V2";
    assertSucceeded(await deploy({ repository: A, number: 3, service: "orders", branch, inputs }));
    const second = await deploy({ repository: B, number: 12, service: "payments", branch, inputs });

    assertSucceeded(second);
    assert.equal(second.outputs.route, "feature-checkout-v2");
    for (const service of ["orders--feature-checkout-v2", "payments--feature-checkout-v2"]) {
      assert.equal(fromEcsTags((await describeService(ecs, service, CLUSTER))?.tags)[TAG.sharedRoute], "true", service);
    }
    // B's comment lists every copy on the route, A's with A's repository.
    const commentOfB = github.comments(B.name, 12)[0]?.body ?? "";
    assert.match(commentOfB, /Every copy on route `feature-checkout-v2` in this cluster/);
    assert.ok(commentOfB.includes(`| ${inertText("orders--feature-checkout-v2")} | ${inertText(A.name)} | ${inertText("#3")} |`), commentOfB);
    assert.ok(commentOfB.includes(`| ${inertText("payments--feature-checkout-v2")} | ${inertText(B.name)} | ${inertText("#12")} |`), commentOfB);

    assertSucceeded(await reapClosed({ repository: A, number: 3, branch, inputs }));
    assert.notEqual(await status("orders--feature-checkout-v2"), "ACTIVE");
    assert.equal(await status("payments--feature-checkout-v2"), "ACTIVE");
    assert.match(github.comments(A.name, 3)[0]?.body ?? "", /torn down/);
    assert.doesNotMatch(github.comments(B.name, 12)[0]?.body ?? "", /torn down/);

    assertSucceeded(await reapClosed({ repository: B, number: 12, branch, inputs }));
    assert.notEqual(await status("payments--feature-checkout-v2"), "ACTIVE");
  });

  it("two repositories sharing a route still cannot both copy the same base service onto it", async () => {
    const inputs = { "route-template": "feature-{branch}" };
    assertSucceeded(await deploy({ repository: A, number: 3, service: "orders", branch: "checkout-v2", inputs }));
    ecsEmulator.resetCalls();

    const run = await deploy({ repository: B, number: 12, service: "orders", branch: "checkout-v2", inputs });

    assert.match(
      refusal(run),
      /^Input 'route-template': service 'orders--feature-checkout-v2' is Codertocat\/Hello-World's copy of 'orders' for route feature-checkout-v2, not Codertocat\/Storefront's, and a route has one copy of a service/,
    );
    assert.deepEqual(mutatingCalls(ecsEmulator), []);
  });

  it("a shared route is refused to a repository whose template is not shared", async () => {
    const branch = "checkout-v2";
    assertSucceeded(await deploy({ repository: A, number: 3, service: "orders", branch, inputs: { "route-template": "{branch}" } }));
    ecsEmulator.resetCalls();

    const run = await deploy({ repository: B, number: 12, service: "payments", branch, inputs: { route: "checkout-v2" } });

    assert.match(refusal(run), /^Input 'route': route checkout-v2 already has Codertocat\/Hello-World's copy orders--checkout-v2/);
    assert.deepEqual(mutatingCalls(ecsEmulator), []);
  });
});

describe("one repository: a route that an open pull request holds", () => {
  it("PR 7 deploying with route pr-5 is refused, naming pull request #5; PR 5's copy stays as it was", async () => {
    assertSucceeded(await deploy({ repository: A, number: 5, service: "orders" }));
    ecsEmulator.resetCalls();

    const run = await deploy({ repository: A, number: 7, service: "orders", inputs: { route: "pr-5" } });

    assert.match(refusal(run), /^Input 'route': pr-5 is pull request #5's route/);
    assert.deepEqual(mutatingCalls(ecsEmulator), []);
    assert.equal(fromEcsTags((await describeService(ecs, "orders--pr-5", CLUSTER))?.tags)[TAG.pullRequest], "5");
  });

  it("PR 7 and PR 8 on route demo: PR 8 is refused while PR 7 is open; once PR 7 is closed PR 8 takes the route, and PR 7's reap leaves PR 8's copy and comment", async () => {
    const inputs = { route: "demo" };
    assertSucceeded(await deploy({ repository: A, number: 7, service: "orders", inputs }));
    ecsEmulator.resetCalls();

    const refused = await deploy({ repository: A, number: 8, service: "orders", inputs });

    assert.match(refusal(refused), /^Input 'route': route demo belongs to pull request #7, which is open \(orders--demo\); choose another route, or close #7 first/);
    assert.deepEqual(mutatingCalls(ecsEmulator), []);
    assert.deepEqual(github.comments(A.name, 8), []);

    // PR 7 closes; PR 8 deploys before PR 7's reap ran, and takes the copy over.
    github.addPullRequest(A.name, { number: 7, state: "closed", headSha: HEAD });
    assertSucceeded(await deploy({ repository: A, number: 8, service: "orders", inputs }));
    assert.equal(fromEcsTags((await describeService(ecs, "orders--demo", CLUSTER))?.tags)[TAG.pullRequest], "8");
    const commentOf8 = github.comments(A.name, 8)[0]?.body;

    assertSucceeded(await reapClosed({ repository: A, number: 7, inputs }));

    assert.equal(await status("orders--demo"), "ACTIVE");
    assert.equal(github.comments(A.name, 8)[0]?.body, commentOf8);
    assert.match(github.comments(A.name, 7)[0]?.body ?? "", /torn down/);
    const lastStates = (number: number): (string | undefined)[] =>
      github
        .deployments(A.name)
        .filter((deployment) => (deployment.payload as { pull_request?: number } | null)?.pull_request === number)
        .map((deployment) => deployment.statuses.at(-1)?.state);
    assert.deepEqual(lastStates(8), ["success"]);
    assert.deepEqual(lastStates(7), ["inactive"]);
  });

  it("without a github-token the state of the pull request holding the route is unknown, and the route is refused", async () => {
    assertSucceeded(await deploy({ repository: A, number: 7, service: "orders", inputs: { route: "demo" } }));
    ecsEmulator.resetCalls();

    const run = await deploy({ repository: A, number: 8, service: "orders", inputs: { route: "demo", "github-token": "", comment: "false", deployment: "false" } });

    assert.match(refusal(run), /route demo has copies of pull request #7 \(orders--demo\) and GitHub could not say whether it is open \(no github-token to ask\)/);
    assert.deepEqual(mutatingCalls(ecsEmulator), []);
  });
});
