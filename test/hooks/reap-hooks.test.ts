// The on-reap hook end to end: copies made by the deploy-ephemeral bundle, removed by the reap
// bundle on a pull request's close and by sweeps, and by the deploy's own prune, against the ECS (and
// tagging) and GitHub emulators.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runBundle, type BundleRun } from "../helpers/action-runner.js";
import { codeTexts, renderGfm } from "../helpers/markdown.js";
import { pullRequestEvent } from "../helpers/webhooks.js";
import { activeRevisions, assertSucceeded, describeService, mutatingCalls, REPOSITORY, startRouteEmulators } from "../helpers/deploy.js";

const token = "ghs_reapHookTestToken";
const emulators = await startRouteEmulators(token, ["orders", "payments"]);
const { ecs: emulator, github, client } = emulators;
const workspace = mkdtempSync(join(tmpdir(), "reap-hook-workspace-"));
after(() => emulators.close());

const headSha = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";

function runDeploy(number: number, services: string[], inputs: Record<string, string> = {}): Promise<BundleRun> {
  github.addPullRequest(REPOSITORY, { number, state: "open", headSha });
  return runBundle("deploy-ephemeral", {
    inputs: { "github-token": token, wait: "false", services: services.map((service) => `- service: ${service}`).join("\n"), ...inputs },
    event: { name: "pull_request", payload: pullRequestEvent("opened", { number, headSha }) },
    env: { ...emulator.endpointEnv(), GITHUB_API_URL: github.url, GITHUB_WORKSPACE: workspace },
  });
}

async function deployPullRequest(number: number, services: string[]): Promise<void> {
  assertSucceeded(await runDeploy(number, services));
}

/** The hook records each run as a line `ROUTE|ROUTE_PULL_REQUEST|ROUTE_SERVICES|ROUTE_REAP_REASON` in this file. */
const record = (file: string): string => `echo "$ROUTE|$ROUTE_PULL_REQUEST|$ROUTE_SERVICES|$ROUTE_REAP_REASON" >> '${file}'`;

function runs(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
}

function reapOnClose(number: number, inputs: Record<string, string>): Promise<BundleRun> {
  github.addPullRequest(REPOSITORY, { number, state: "closed", merged: true, headSha });
  return runBundle("reap", {
    inputs: { "github-token": token, ...inputs },
    event: { name: "pull_request", payload: pullRequestEvent("closed", { number, headSha, merged: true }) },
    env: { ...emulator.endpointEnv(), GITHUB_API_URL: github.url, GITHUB_WORKSPACE: workspace, ACTIONS_RUNTIME_TOKEN: "runtime-token-secret" },
  });
}

function sweep(inputs: Record<string, string>): Promise<BundleRun> {
  return runBundle("reap", {
    inputs: { "github-token": token, ...inputs },
    event: { name: "schedule", payload: { schedule: "17 3 * * *" } },
    env: { ...emulator.endpointEnv(), GITHUB_API_URL: github.url, GITHUB_WORKSPACE: workspace },
  });
}


describe("on-reap", () => {
  it("runs after the copies of a closed pull request are removed, with the route's environment", async () => {
    await deployPullRequest(31, ["orders", "payments"]);
    const file = join(workspace, "close-31");
    const environment = join(workspace, "close-31.env");
    const run = await reapOnClose(31, {
      "on-reap": `[ "$(pwd)" = "${workspace}" ]\n${record(file)}\nenv > '${environment}'`,
      header: "X-Preview",
      "baggage-key": "preview",
    });
    assertSucceeded(run);
    assert.deepEqual(runs(file), ["pr-31|31|orders payments|closed"]);
    const variables = Object.fromEntries(
      readFileSync(environment, "utf8").split("\n").filter((line) => line.includes("=")).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    assert.equal(variables.ROUTE_HEADER, "X-Preview: pr-31");
    assert.equal(variables.ROUTE_BAGGAGE, "preview=pr-31");
    assert.equal(variables.ROUTE_REPOSITORY, REPOSITORY);
    assert.equal(variables.ROUTE_HOOK, "on-reap");
    assert.equal(variables.ROUTE_ENV_FILE, undefined);
    assert.equal(variables.ACTIONS_RUNTIME_TOKEN, undefined, "the runner's token never reaches a hook");
    assert.equal(variables["INPUT_ON-REAP"], undefined, "nor the action's inputs");
    assert.notEqual((await describeService(client, "orders--pr-31"))?.status, "ACTIVE");
    assert.deepEqual(await activeRevisions(client, "orders--pr-31"), []);
  });

  it("runs on a sweep once for each stale route it removes", async () => {
    await deployPullRequest(32, ["orders"]);
    await deployPullRequest(33, ["payments"]);
    github.addPullRequest(REPOSITORY, { number: 32, state: "closed", headSha });
    github.addPullRequest(REPOSITORY, { number: 33, state: "closed", headSha });
    const file = join(workspace, "sweep-32-33");
    const run = await sweep({ "on-reap": record(file) });
    assertSucceeded(run);
    assert.deepEqual(runs(file).sort(), ["pr-32|32|orders|stale", "pr-33|33|payments|stale"]);
  });

  it("a failing on-reap fails the step but leaves the copies removed; the next sweep runs it again until it succeeds", async () => {
    await deployPullRequest(34, ["orders"]);
    const file = join(workspace, "retry-34");
    const failing = await reapOnClose(34, { "on-reap": `${record(file)}\necho "cannot drop schema route_$ROUTE" >&2\nexit 7` });
    assert.equal(failing.exitCode, 1);
    assert.match(failing.stdout, /on-reap exited with code 7 \(last output: cannot drop schema route_pr-34\)/);
    assert.notEqual((await describeService(client, "orders--pr-34"))?.status, "ACTIVE", "the ECS teardown is done");
    assert.notDeepEqual(await activeRevisions(client, "orders--pr-34"), [], "the route stays teardown pending");
    assert.match(failing.summary, /teardown pending/);

    const retried = await sweep({ "on-reap": record(file) });
    assertSucceeded(retried);
    assert.deepEqual(runs(file), ["pr-34|34|orders|closed", "pr-34|34|orders|stale"]);
    assert.deepEqual(await activeRevisions(client, "orders--pr-34"), [], "torn down once the hook succeeded");

    const again = await sweep({ "on-reap": record(file) });
    assertSucceeded(again);
    assert.equal(runs(file).length, 2, "a finished route is not hooked again");
  });

  it("dry-run runs no hook", async () => {
    await deployPullRequest(35, ["orders"]);
    const file = join(workspace, "dry-35");
    emulator.resetCalls();
    const closeRun = await reapOnClose(35, { "on-reap": record(file), "dry-run": "true" });
    assertSucceeded(closeRun);
    const sweepRun = await sweep({ "on-reap": record(file), "dry-run": "true" });
    assertSucceeded(sweepRun);
    assert.deepEqual(runs(file), []);
    assert.deepEqual(mutatingCalls(emulator), []);
    assert.equal((await describeService(client, "orders--pr-35"))?.status, "ACTIVE");
    rmSync(file, { force: true });
  });
});

describe("on-reap on a deploy's prune", () => {
  const botComment = (number: number): string =>
    github.comments(REPOSITORY, number).filter((comment) => comment.login === "github-actions[bot]").at(-1)?.body ?? "";

  it("runs once for the pruned copies only, told the reason prune, and not when nothing is pruned", async () => {
    const file = join(workspace, "prune-36");
    assertSucceeded(await runDeploy(36, ["orders", "payments"], { "on-reap": record(file) }));
    assert.deepEqual(runs(file), [], "a deploy that removes nothing runs no on-reap");

    const run = await runDeploy(36, ["orders"], { "on-reap": record(file) });
    assertSucceeded(run);
    assert.deepEqual(runs(file), ["pr-36|36|payments|prune"]);
    assert.notEqual((await describeService(client, "payments--pr-36"))?.status, "ACTIVE");
    assert.deepEqual(await activeRevisions(client, "payments--pr-36"), [], "the hook succeeded: the pruned copy's revisions are retired");
    assert.equal((await describeService(client, "orders--pr-36"))?.status, "ACTIVE", "the route lives on");
  });

  it("a failing on-reap fails the step with its exit code and last lines, leaves the copy removed and the route ready; the next deploy runs it again", async () => {
    const file = join(workspace, "prune-37");
    assertSucceeded(await runDeploy(37, ["orders", "payments"]));
    const failing = await runDeploy(37, ["orders"], {
      "on-reap": `${record(file)}\necho "dropping payments data of $ROUTE"\necho "cannot drop table $ROUTE-payments" >&2\nexit 9`,
    });
    assert.equal(failing.exitCode, 1);
    assert.equal(
      failing.errors.at(-1),
      "on-reap exited with code 9 (last output: cannot drop table pr-37-payments); the pruned copies payments--pr-37 are removed; their task definitions stay ACTIVE and the next deploy of route pr-37 runs on-reap again (or its teardown does)",
    );
    assert.match(failing.stdout, /last 2 line\(s\) of its output:\ndropping payments data of pr-37\ncannot drop table pr-37-payments/);
    assert.deepEqual(runs(file), ["pr-37|37|payments|prune"]);
    assert.notEqual((await describeService(client, "payments--pr-37"))?.status, "ACTIVE", "the ECS removal stays done");
    assert.notDeepEqual(await activeRevisions(client, "payments--pr-37"), [], "the pruned copy stays teardown pending");
    assert.equal(failing.outputs.route, "pr-37", "the deploy is reported");
    const comment = botComment(37);
    assert.doesNotMatch(comment, /failed to deploy/, "the copies were deployed");
    assert.match(comment, /on-reap failed for the removed copies: /);
    assert.ok(codeTexts(renderGfm(comment)).some((text) => text.startsWith("on-reap exited with code 9 (last output: cannot drop table pr-37-payments)")));
    assert.match(failing.summary, /on-reap failed for the removed copies/);

    const retried = await runDeploy(37, ["orders"], { "on-reap": record(file) });
    assertSucceeded(retried);
    assert.deepEqual(runs(file), ["pr-37|37|payments|prune", "pr-37|37|payments|prune"], "the next deploy's prune runs it again for the pending copy");
    assert.deepEqual(await activeRevisions(client, "payments--pr-37"), [], "then retires its revisions");

    assertSucceeded(await runDeploy(37, ["orders"], { "on-reap": record(file) }));
    assert.equal(runs(file).length, 2, "a finished prune is not hooked again");
  });
});
