// Deploy and reap don't fight (issue 14.3), through the committed deploy-ephemeral and reap bundles:
// a deploy looks at its pull request before its first mutating call and again before it reports, so
// a route closed under it ends torn down (copies removed through the reaper's path, comment and
// deployment saying so), never "ready" on a closed pull request. The emulator's clock is held, so the
// rollout waits exactly until the test lets it finish.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { ManualClock, ecsClient } from "../helpers/ecs.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";
import { runBundle, type BundleRun } from "../helpers/action-runner.js";
import { pullRequestEvent } from "../helpers/webhooks.js";
import { REPOSITORY, activeRevisions, assertSucceeded, describeService, mutatingCalls, seedBaseService } from "../helpers/deploy.js";

const TOKEN = "ghs_closedMeanwhileToken";
const HEAD = "5555555555555555555555555555555555555555";
const STABILIZATION_MS = 1000;

let clock: ManualClock;
let ecsEmulator: EcsEmulator;
let github: GitHubEmulator;
let ecs: ECSClient;

beforeEach(async () => {
  clock = new ManualClock();
  ecsEmulator = await startEcsEmulator({ clock: clock.now, stabilizationMs: STABILIZATION_MS, drainMs: 100 });
  github = await startGitHubEmulator();
  github.addRepository(REPOSITORY);
  github.addToken(TOKEN, { login: "github-actions[bot]", type: "Bot", installation: true });
  ecs = ecsClient(ecsEmulator);
  seedBaseService(ecsEmulator, "orders");
});

afterEach(async () => {
  ecs.destroy();
  await Promise.all([ecsEmulator.close(), github.close()]);
});

const workspace = mkdtempSync(join(tmpdir(), "closed-meanwhile-workspace-"));
const env = () => ({ ...ecsEmulator.endpointEnv(), GITHUB_API_URL: github.url, GITHUB_WORKSPACE: workspace });

/** deploy-ephemeral for an `opened` event: the payload says open, GitHub says what the test set. */
function deploy(number: number, inputs: Record<string, string> = {}): Promise<BundleRun> {
  return runBundle("deploy-ephemeral", {
    inputs: { service: "orders", image: `registry.example.com/orders:pr-${number}`, "github-token": TOKEN, ...inputs },
    event: { name: "pull_request", payload: pullRequestEvent("opened", { number, headSha: HEAD }) },
    env: env(),
  });
}

function reapClosed(number: number, inputs: Record<string, string> = {}): Promise<BundleRun> {
  return runBundle("reap", {
    inputs: { "github-token": TOKEN, ...inputs },
    event: { name: "pull_request", payload: pullRequestEvent("closed", { number, headSha: HEAD }) },
    env: env(),
  });
}

/** An on-reap hook that records each run as `ROUTE|ROUTE_PULL_REQUEST|ROUTE_SERVICES|ROUTE_REAP_REASON`. */
function recordingHook(name: string): { script: string; runs: () => string[] } {
  const file = join(workspace, name);
  return {
    script: `echo "$ROUTE|$ROUTE_PULL_REQUEST|$ROUTE_SERVICES|$ROUTE_REAP_REASON" >> '${file}'`,
    runs: () => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []),
  };
}

/** Starts a deploy of `number` and closes the pull request once its copy is created; the rollout then finishes. */
async function deployClosedMeanwhile(number: number, inputs: Record<string, string>): Promise<BundleRun> {
  github.addPullRequest(REPOSITORY, { number, state: "open", headSha: HEAD });
  const created = ecsEmulator.nextCall((call) => call.operation === "CreateService" && call.outcome === "ok");
  const running = deploy(number, inputs);
  await created;
  close(number);
  clock.advance(STABILIZATION_MS + 1);
  return running;
}

function close(number: number): void {
  github.addPullRequest(REPOSITORY, { number, state: "closed", headSha: HEAD });
}

/** What the pull request shows: the comment's heading and every deployment's statuses, in order. */
function pullRequestSide(number: number): { heading: string | undefined; statuses: string[][] } {
  const body = github.comments(REPOSITORY, number)[0]?.body;
  return {
    heading: body?.split("\n").find((line) => line.startsWith("### ")),
    statuses: github
      .deployments(REPOSITORY)
      .filter((deployment) => deployment.environment === `pr-${number}`)
      .map((deployment) => deployment.statuses.map((status) => status.state)),
  };
}

describe("deploy and reap don't fight (14.3)", () => {
  it("creates nothing for a pull request that is closed when the deploy starts, though the event says opened", async () => {
    close(60);
    ecsEmulator.resetCalls();
    const run = await deploy(60);
    assertSucceeded(run);
    assert.match(run.stdout, /::notice::Skipped pull request #60: it was closed before the deploy created anything/);
    assert.deepEqual(mutatingCalls(ecsEmulator), []);
    assert.deepEqual(pullRequestSide(60), { heading: undefined, statuses: [] });
    assert.equal(run.outputs.route, undefined);
  });

  it("a pull request closed while the rollout waits: the deploy removes its copy and the comment says torn down, not ready", async () => {
    github.addPullRequest(REPOSITORY, { number: 61, state: "open", headSha: HEAD });
    const created = ecsEmulator.nextCall((call) => call.operation === "CreateService" && call.outcome === "ok");
    const running = deploy(61);
    await created;
    close(61);
    clock.advance(STABILIZATION_MS + 1);

    const run = await running;

    assertSucceeded(run);
    assert.match(run.stdout, /::notice::pull request #61 was closed during the deploy: route pr-61 is torn down \(removed orders--pr-61\), not reported ready/);
    assert.notEqual((await describeService(ecs, "orders--pr-61"))?.status, "ACTIVE");
    assert.deepEqual(pullRequestSide(61), { heading: "### 🧹 Route `pr-61` was torn down", statuses: [["in_progress", "inactive"]] });
  });

  it("a reap that runs while the deploy waits stays the last word: comment torn down, deployment inactive, the deploy ends without a failure", async () => {
    github.addPullRequest(REPOSITORY, { number: 62, state: "open", headSha: HEAD });
    const created = ecsEmulator.nextCall((call) => call.operation === "CreateService" && call.outcome === "ok");
    const running = deploy(62);
    await created;
    close(62);
    assertSucceeded(await reapClosed(62));

    const run = await running;

    assertSucceeded(run);
    assert.match(run.stdout, /::notice::pull request #62 was closed during the deploy: route pr-62 is torn down/);
    assert.notEqual((await describeService(ecs, "orders--pr-62"))?.status, "ACTIVE");
    assert.deepEqual(pullRequestSide(62), { heading: "### 🧹 Route `pr-62` was torn down", statuses: [["in_progress", "inactive"]] });
  });

  it("the deploy's teardown of a route closed under it runs on-reap, told the reason closed", async () => {
    const hook = recordingHook("on-reap-63");
    const run = await deployClosedMeanwhile(63, { "on-reap": hook.script });

    assertSucceeded(run);
    assert.match(run.stdout, /::notice::pull request #63 was closed during the deploy: route pr-63 is torn down/);
    assert.deepEqual(hook.runs(), ["pr-63|63|orders|closed"]);
    assert.deepEqual(await activeRevisions(ecs, "orders--pr-63"), [], "torn down once the hook succeeded");
  });

  it("a failing on-reap in that teardown fails the step and leaves the route teardown pending; the reap on the close runs it again", async () => {
    const hook = recordingHook("on-reap-64");
    const run = await deployClosedMeanwhile(64, { "on-reap": `${hook.script}\necho "cannot drop schema route_$ROUTE" >&2\nexit 6` });

    assert.equal(run.exitCode, 1);
    assert.match(
      run.errors.at(-1) ?? "",
      /^pull request #64 was closed during the deploy, and its route pr-64 could not be torn down completely \(on-reap exited with code 6 \(last output: cannot drop schema route_pr-64\); .*\); the reap action \(on the close, or a sweep\) finishes it$/,
    );
    assert.ok(
      run.errors.some((error) => error.endsWith("; its task definitions are kept so that a re-run retries\nlast 1 line(s) of its output:\ncannot drop schema route_pr-64")),
      "the hook's last output lines are in the log",
    );
    assert.notEqual((await describeService(ecs, "orders--pr-64"))?.status, "ACTIVE", "the ECS teardown is done");
    assert.notDeepEqual(await activeRevisions(ecs, "orders--pr-64"), [], "the route stays teardown pending");
    assert.deepEqual(hook.runs(), ["pr-64|64|orders|closed"]);

    assertSucceeded(await reapClosed(64, { "on-reap": hook.script }));
    assert.deepEqual(hook.runs(), ["pr-64|64|orders|closed", "pr-64|64|orders|closed"]);
    assert.deepEqual(await activeRevisions(ecs, "orders--pr-64"), [], "torn down once the hook succeeded");
  });
});
