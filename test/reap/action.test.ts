// End to end through the bundle (dist/reap/index.js) against the ECS and GitHub emulators: what
// is deleted, what is never touched, and that a dry run makes no mutating call anywhere.
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  paginateListServices,
} from "@aws-sdk/client-ecs";
import { getOctokit } from "@actions/github";
import { KEPT_OUTPUT_ENTRIES } from "../../src/actions/reap/main.js";
import { runBundle, type BundleRun } from "../helpers/action-runner.js";
import { pullRequestEvent } from "../helpers/webhooks.js";
import { startEcsEmulator } from "../emulators/ecs/index.js";
import { ecsClient } from "../helpers/ecs.js";
import { startGitHubEmulator } from "../emulators/github/index.js";
import { MANAGED_BY, TAG } from "../../src/ecs/tags.js";
import { routeMarker } from "../../src/github/comment-body.js";

const REPOSITORY = "Codertocat/Hello-World";
const TOKEN = "ghs_reaptesttoken";
const CLUSTER = "dev";
const HOUR = 3_600_000;

type EcsEmulator = Awaited<ReturnType<typeof startEcsEmulator>>;
type GitHubEmulator = Awaited<ReturnType<typeof startGitHubEmulator>>;

let ecsEmulator: EcsEmulator;
let github: GitHubEmulator;
let ecs: ECSClient;

interface Copy {
  base: string;
  route: string;
  /** Tags beyond the defaults; `undefined` removes a default tag. */
  tags?: Record<string, string | undefined>;
  revisions?: number;
  /** Task-level cpu and memory; without them the task is its one container's 128 MiB. */
  size?: { cpu: string; memory: string };
}

/** A route copy as deploy-ephemeral / deploy-shadow leave it: the docs/design.md §4 tags on service and family. */
async function seedCopy(copy: Copy): Promise<void> {
  const now = Date.now();
  const pr = /^pr-(\d+)$/.exec(copy.route)?.[1];
  const defaults: Record<string, string | undefined> = {
    [TAG.managedBy]: MANAGED_BY,
    [TAG.route]: copy.route,
    [TAG.kind]: copy.route === "shadow" ? "shadow" : "ephemeral",
    [TAG.baseService]: copy.base,
    [TAG.repository]: REPOSITORY,
    [TAG.cluster]: CLUSTER,
    [TAG.commit]: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    [TAG.createdAt]: new Date(now - HOUR).toISOString(),
    [TAG.pullRequest]: pr,
    [TAG.expiresAt]: pr === undefined ? undefined : new Date(now + 71 * HOUR).toISOString(),
  };
  const tags = Object.entries({ ...defaults, ...copy.tags })
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ({ key, value }));
  const family = `${copy.base}--${copy.route}`;
  const taskDefinition = {
    family,
    containerDefinitions: [{ name: "app", image: `registry.example/${copy.base}:1`, essential: true, memory: 128 }],
    ...copy.size,
  };
  for (let revision = 1; revision < (copy.revisions ?? 1); revision++) {
    await ecs.send(new RegisterTaskDefinitionCommand({ ...taskDefinition, tags }));
  }
  ecsEmulator.seedService({
    cluster: CLUSTER,
    taskDefinition: { ...taskDefinition, tags },
    service: { serviceName: family, cluster: CLUSTER, desiredCount: 1 },
    tags,
    stable: true,
  });
}

async function serviceNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListServices({ client: ecs }, { cluster: CLUSTER })) {
    names.push(...(page.serviceArns ?? []).map((arn) => arn.split("/").pop() as string));
  }
  return names.sort();
}

async function activeRevisions(family: string): Promise<string[]> {
  const listed = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE" }));
  return (listed.taskDefinitionArns ?? []).filter((arn) => arn.split("/").pop()?.replace(/:\d+$/, "") === family);
}

function reapBundle(options: { inputs?: Record<string, string>; event: { name: string; payload: Record<string, unknown> | string } }): Promise<BundleRun> {
  return runBundle("reap", {
    inputs: { cluster: CLUSTER, "github-token": TOKEN, ...options.inputs },
    event: options.event,
    env: { ...ecsEmulator.endpointEnv(), GITHUB_API_URL: github.url },
  });
}

const closed = (number: number, merged = false) => ({ name: "pull_request", payload: pullRequestEvent("closed", { number, merged }) });
const schedule = { name: "schedule", payload: { schedule: "0 3 * * *" } };

function parseList(text: string | undefined): { service: string; route: string | null; reason: string; dryRun?: boolean }[] {
  return JSON.parse(text ?? "null") as { service: string; route: string | null; reason: string; dryRun?: boolean }[];
}

/** Every copy a reaper must never touch, whatever it is asked: unmanaged, another repository's, shadow. */
async function seedUntouchables(): Promise<void> {
  await seedCopy({ base: "legacy", route: "pr-1", tags: { [TAG.managedBy]: undefined } });
  await seedCopy({ base: "billing", route: "pr-1", tags: { [TAG.managedBy]: "terraform" } });
  await seedCopy({ base: "web", route: "pr-1", tags: { [TAG.repository]: "Codertocat/Other" } });
  await seedCopy({ base: "orders", route: "shadow" });
  ecsEmulator.seedService({
    cluster: CLUSTER,
    taskDefinition: { family: "orders", containerDefinitions: [{ name: "app", image: "registry.example/orders:1", essential: true, memory: 128 }] },
    service: { serviceName: "orders", cluster: CLUSTER, desiredCount: 2 },
    stable: true,
  });
}
const UNTOUCHABLE = ["billing--pr-1", "legacy--pr-1", "orders", "orders--shadow", "web--pr-1"];

// Fresh emulators per test: every test deletes things.
beforeEach(async () => {
  ecsEmulator = await startEcsEmulator({ latencyMs: 0, clusters: [CLUSTER] });
  ecs = ecsClient(ecsEmulator);
  github = await startGitHubEmulator();
  github.addRepository(REPOSITORY);
  github.addToken(TOKEN, { login: "github-actions[bot]", type: "Bot", installation: true });
});

afterEach(async () => {
  ecs.destroy();
  await Promise.all([ecsEmulator.close(), github.close()]);
});

describe("reap action, one route", () => {
  it("deletes the route's services and deregisters exactly their families; pr-12 and the untouchables stay", async () => {
    github.addPullRequest(REPOSITORY, { number: 1, state: "closed", headRef: "changes" });
    await seedUntouchables();
    await seedCopy({ base: "orders", route: "pr-1", revisions: 3 });
    await seedCopy({ base: "payments", route: "pr-1" });
    await seedCopy({ base: "orders", route: "pr-12", revisions: 2 });
    github.addIssueComment(REPOSITORY, 1, { body: `${routeMarker("pr-1")}\nroute pr-1 is live`, login: "github-actions[bot]", type: "Bot" });
    const octokit = getOctokit(TOKEN, { baseUrl: github.url });
    const deployment = await octokit.rest.repos.createDeployment({
      owner: "Codertocat",
      repo: "Hello-World",
      ref: "changes",
      environment: "pr-1",
      auto_merge: false,
      required_contexts: [],
      transient_environment: true,
    });
    assert.equal(deployment.status, 201);

    const run = await reapBundle({ event: closed(1) });

    assert.equal(run.exitCode, 0, run.stdout);
    assert.deepEqual(
      parseList(run.outputs.deleted).map((entry) => [entry.service, entry.reason]),
      [
        ["orders--pr-1", "pull request #1 closed"],
        ["payments--pr-1", "pull request #1 closed"],
      ],
    );
    assert.deepEqual(await serviceNames(), [...UNTOUCHABLE, "orders--pr-12"].sort());
    assert.deepEqual(await activeRevisions("orders--pr-1"), []);
    assert.deepEqual(await activeRevisions("payments--pr-1"), []);
    assert.equal((await activeRevisions("orders--pr-12")).length, 2);
    assert.equal((await activeRevisions("orders--shadow")).length, 1);
    assert.equal((await activeRevisions("web--pr-1")).length, 1);
    assert.equal((await activeRevisions("legacy--pr-1")).length, 1);
    assert.match(github.comments(REPOSITORY, 1)[0]?.body ?? "", /torn down/i);
    assert.equal(github.deployments(REPOSITORY)[0]?.statuses.at(-1)?.state, "inactive");
    assert.match(run.summary, /orders--pr-1/);
    assert.match(run.summary, /pull request #1 closed/);
  });

  it("a pull request closed before anything was deployed is a quiet success", async () => {
    github.addPullRequest(REPOSITORY, { number: 99, state: "closed" });
    const run = await reapBundle({ event: closed(99) });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.deepEqual(parseList(run.outputs.deleted), []);
    assert.deepEqual(run.errors, []);
    assert.deepEqual(run.warnings, []);
    assert.match(run.stdout, /route pr-99 has no services in cluster dev: nothing was deployed/);
  });

  it("reaps route shadow only when include-shadow is set, and nothing of any other route", async () => {
    await seedUntouchables();
    await seedCopy({ base: "orders", route: "pr-12" });
    const run = await reapBundle({
      inputs: { route: "shadow", "include-shadow": "true" },
      event: { name: "workflow_dispatch", payload: { inputs: {} } },
    });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.deepEqual(parseList(run.outputs.deleted), [{ service: "orders--shadow", route: "shadow", reason: "route shadow asked for" }]);
    assert.deepEqual(await serviceNames(), ["billing--pr-1", "legacy--pr-1", "orders", "orders--pr-12", "web--pr-1"]);
    assert.deepEqual(await activeRevisions("orders--shadow"), []);
    assert.equal((await activeRevisions("orders")).length, 1);
  });

  it("on a pull_request event other than closed, says how to trigger it and deletes nothing", async () => {
    await seedCopy({ base: "orders", route: "pr-1" });
    const run = await reapBundle({ event: { name: "pull_request", payload: pullRequestEvent("opened", { number: 1 }) } });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.errors, [
      "Input 'route': runs on a pull_request 'opened' event; reap tears a route down when its pull request closes: use 'on: pull_request: types: [closed]', or set route",
    ]);
    assert.deepEqual(ecsEmulator.calls().filter((call) => call.mutating), []);
    assert.deepEqual(await serviceNames(), ["orders--pr-1"]);
  });

  it("refuses route shadow without include-shadow, in one line naming the input", async () => {
    const run = await reapBundle({ inputs: { route: "shadow" }, event: schedule });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.errors, ["Input 'include-shadow': route 'shadow' is main's copy; set include-shadow: true to really reap it"]);
  });
});

describe("reap action, sweep (schedule)", () => {
  async function seedSweep(): Promise<void> {
    const past = new Date(Date.now() - HOUR).toISOString();
    github.addPullRequest(REPOSITORY, { number: 2, state: "closed" });
    github.addPullRequest(REPOSITORY, { number: 3, state: "closed", merged: true });
    github.addPullRequest(REPOSITORY, { number: 4, state: "open" });
    github.addPullRequest(REPOSITORY, { number: 5, state: "open" });
    await seedUntouchables();
    await seedCopy({ base: "orders", route: "pr-2" });
    await seedCopy({ base: "orders", route: "pr-3" });
    await seedCopy({ base: "orders", route: "pr-4" });
    await seedCopy({ base: "orders", route: "pr-5", tags: { [TAG.expiresAt]: past } });
    await seedCopy({ base: "search", route: "feature-x", tags: { [TAG.createdAt]: new Date(Date.now() - 10 * 24 * HOUR).toISOString() } });
    await seedCopy({ base: "search", route: "pr-6", tags: { [TAG.expiresAt]: "tomorrow" } });
  }

  it("reaps closed, merged, expired and too old copies; keeps the rest with reasons", async () => {
    await seedSweep();
    const run = await reapBundle({ inputs: { "max-age": "7d" }, event: schedule });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.deepEqual(
      parseList(run.outputs.deleted).map((entry) => [entry.service, entry.reason.replace(/\d{4}-[^;\s)]+/g, "<time>")]),
      [
        ["orders--pr-2", "pull request #2 closed"],
        ["orders--pr-3", "pull request #3 merged"],
        ["orders--pr-5", "expired at <time>"],
        ["search--feature-x", "older than max-age (created <time>)"],
      ],
    );
    assert.deepEqual(
      parseList(run.outputs.kept).map((entry) => [entry.service, entry.reason.replace(/\d{4}-[^;\s)]+/g, "<time>")]),
      [
        ["orders--pr-4", "pull request #4 open; expires at <time>; created <time>"],
        ["orders--shadow", "shadow (set include-shadow: true to reap it)"],
        ["search--pr-6", 'expires-at tag "tomorrow" is not a timestamp'],
      ],
    );
    assert.deepEqual(await serviceNames(), [...UNTOUCHABLE, "orders--pr-4", "search--pr-6"].sort());
    // Each PR was asked about once, whatever the number of its copies.
    const pullReads = github.calls().filter((call) => call.method === "GET" && /\/pulls\/\d+$/.test(call.path));
    assert.deepEqual(pullReads.map((call) => call.path).sort(), ["2", "3", "4", "5"].map((n) => `/repos/${REPOSITORY}/pulls/${n}`));
  });

  it("says what the copies it leaves cost, by route from their task definitions, and names the most expensive and the oldest", async () => {
    github.addPullRequest(REPOSITORY, { number: 4, state: "open" });
    github.addPullRequest(REPOSITORY, { number: 6, state: "open" });
    github.addPullRequest(REPOSITORY, { number: 9, state: "closed" });
    const threeDaysAgo = new Date(Date.now() - 72 * HOUR).toISOString();
    const size = { cpu: "512", memory: "1024" };
    await seedCopy({ base: "orders", route: "pr-4", size, tags: { [TAG.createdAt]: threeDaysAgo } });
    await seedCopy({ base: "orders", route: "shadow", size });
    await seedCopy({ base: "search", route: "pr-6" });
    await seedCopy({ base: "payments", route: "pr-9", size });
    ecsEmulator.resetCalls();
    const run = await reapBundle({ inputs: { "price-vcpu-hour": "0.04", "price-gib-hour": "0.004" }, event: schedule });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.deepEqual(parseList(run.outputs.deleted).map((entry) => entry.service), ["payments--pr-9"]);

    assert.match(run.summary, /### What the copies cost/);
    assert.match(
      run.summary,
      /\| route \| copies \| tasks \| vCPU \| GiB \| vCPU-h per day \| GiB-h per day \| vCPU-h so far \| GiB-h so far \| amount per day \| amount so far \| age \|/,
    );
    // 0.5 vCPU and 1 GiB for three days: 36 vCPU-hours, 72 GiB-hours; a day is 12 × 0.04 + 24 × 0.004 = 0.58.
    assert.match(run.summary, /\| pr-4 \| 1 \| 1 \| 0\.5 \| 1 \| 12 \| 24 \| 36 \| 72 \| 0\.58 \| 1\.73 \| 3 days \|/);
    assert.match(run.summary, /\| shadow \| 1 \| 1 \| 0\.5 \| 1 \| 12 \| 24 \| 0\.5 \| 1 \| 0\.58 \| 0\.02 \| 1 h \|/);
    assert.match(run.summary, /\| pr-6 \| 1 \| 1 \| 0 \| 0\.13 \| 0 \| 3 \| /, "a task sized by its container's 128 MiB");
    assert.match(run.summary, /\| \*\*all\*\* \| 3 \| 3 \| 1 \| 2\.13 \| 24 \| 51 \| /);
    assert.doesNotMatch(run.summary, /\| pr-9 \|/, "what the sweep deleted costs nothing any more");
    assert.match(run.summary, /Most expensive route: pr-4 \(0\.58 per day\)\. Oldest route: pr-4 \(3 days, since /);
    // One task definition read per base service (orders, search), not one per copy.
    assert.equal(ecsEmulator.callCounts().DescribeTaskDefinition, 2);
  });

  it("dry-run reports what would happen and makes no mutating call to ECS or GitHub", async () => {
    await seedSweep();
    ecsEmulator.resetCalls();
    github.resetCalls();
    const run = await reapBundle({ inputs: { "max-age": "7d", "dry-run": "true" }, event: schedule });
    assert.equal(run.exitCode, 0, run.stdout);
    const deleted = parseList(run.outputs.deleted);
    assert.deepEqual(deleted.map((entry) => entry.service), ["orders--pr-2", "orders--pr-3", "orders--pr-5", "search--feature-x"]);
    assert.ok(deleted.every((entry) => entry.dryRun === true));
    assert.match(run.stdout, /would delete service orders--pr-2/);
    assert.match(run.stdout, /would deregister 1 revision\(s\) of orders--pr-2/);
    assert.match(run.summary, /Would delete \(4\)/);
    assert.deepEqual(ecsEmulator.calls().filter((call) => call.mutating), []);
    assert.ok(ecsEmulator.calls().some((call) => call.operation === "DescribeServices"));
    assert.deepEqual(github.calls().filter((call) => call.method !== "GET"), []);
    assert.equal((await serviceNames()).length, UNTOUCHABLE.length + 6);
  });

  it("past max-deletions deletes that many, keeps the rest with the reason, and fails the step", async () => {
    await seedSweep();
    const run = await reapBundle({ inputs: { "max-age": "7d", "max-deletions": "2" }, event: schedule });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(parseList(run.outputs.deleted).map((entry) => entry.service), ["orders--pr-2", "orders--pr-3"]);
    const over = parseList(run.outputs.kept).filter((entry) => entry.reason.startsWith("over max-deletions"));
    assert.deepEqual(over.map((entry) => entry.service), ["orders--pr-5", "search--feature-x"]);
    assert.deepEqual(run.errors, [
      "Input 'max-deletions': 2 more stale service(s) were kept after 2 deletions; review the 'kept' list, then raise max-deletions or run again",
    ]);
    assert.deepEqual(await serviceNames(), [...UNTOUCHABLE, "orders--pr-4", "orders--pr-5", "search--feature-x", "search--pr-6"].sort());
  });
});

describe("reap action, a cluster of thousands of copies", () => {
  it("caps the 'kept' output and gives the count in the summary", async () => {
    const kept = KEPT_OUTPUT_ENTRIES + 5;
    for (let index = 0; index < kept; index++) await seedCopy({ base: `svc-${index}`, route: "feature-x" });
    const run = await reapBundle({ event: schedule });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(parseList(run.outputs.kept).length, KEPT_OUTPUT_ENTRIES);
    assert.match(run.summary, new RegExp(`Kept ${kept} services: 200 shown here, the first ${KEPT_OUTPUT_ENTRIES} in the 'kept' output \\(capped at ${KEPT_OUTPUT_ENTRIES}\\)`));
  });
});

describe("reap action, bad input", () => {
  const cases: { name: string; inputs: Record<string, string>; event?: { name: string; payload: Record<string, unknown> | string }; error: RegExp }[] = [
    { name: "a max-age too long for a date", inputs: { sweep: "true", "max-age": "99999999999999999999d" }, error: /^Input 'max-age': '99999999999999999999d' is longer than 365d/ },
    { name: "a cluster given empty", inputs: { sweep: "true", cluster: "" }, error: /^Input 'cluster': is empty; name the ECS cluster/ },
    { name: "a cluster ARN that is not one", inputs: { sweep: "true", cluster: "arn:partition:ecs" }, error: /^Input 'cluster': 'arn:partition:ecs' is not an ECS cluster name/ },
    { name: "an event file that is not JSON", inputs: {}, event: { name: "pull_request", payload: "{ not json" }, error: /^GITHUB_EVENT_PATH '.*' is not JSON; run the action from a workflow/ },
  ];
  for (const testCase of cases) {
    it(`fails on ${testCase.name} with one line, deleting nothing`, async () => {
      await seedCopy({ base: "orders", route: "pr-1" });
      ecsEmulator.resetCalls();
      const run = await reapBundle({ inputs: testCase.inputs, event: testCase.event ?? schedule });
      assert.equal(run.exitCode, 1, run.stdout);
      assert.equal(run.errors.length, 1, run.stdout);
      assert.match(run.errors[0] ?? "", testCase.error);
      assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, "no stack trace");
      assert.deepEqual(ecsEmulator.calls().filter((call) => call.mutating), []);
    });
  }
});
