// Ownership end to end, through the committed deploy-ephemeral and reap bundles against the ECS
// (with its Resource Groups Tagging API) and GitHub emulators: a reap retires only the task-definition
// revisions its own cluster and repository registered (14.1), finds them by their tags even when no
// service leads to them, and a run killed at any step boundary is finished by the next (14.2).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ListTaskDefinitionsCommand, TagResourceCommand, UntagResourceCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";
import { runBundle, type BundleRun } from "../helpers/action-runner.js";
import { pullRequestEvent } from "../helpers/webhooks.js";
import { assertSucceeded, describeService, resourceTags, seedBaseService } from "../helpers/deploy.js";
import { ecsClient } from "../helpers/ecs.js";
import { TAG } from "../../src/ecs/tags.js";

const A = { name: "Codertocat/Hello-World", id: "186853002" };
const B = { name: "Codertocat/Other", id: "1000002" };
const TOKEN = "ghs_ownershipTestToken";
const HEAD = "7777777777777777777777777777777777777777";

let ecsEmulator: EcsEmulator;
let github: GitHubEmulator;
let ecs: ECSClient;

beforeEach(async () => {
  ecsEmulator = await startEcsEmulator({ stabilizationMs: 100, drainMs: 100, clusters: ["dev", "dev-a", "dev-b", "staging"] });
  github = await startGitHubEmulator();
  for (const repository of [A, B]) github.addRepository(repository.name);
  github.addToken(TOKEN, { login: "github-actions[bot]", type: "Bot", installation: true });
  ecs = ecsClient(ecsEmulator);
});

afterEach(async () => {
  ecs.destroy();
  await Promise.all([ecsEmulator.close(), github.close()]);
});

function repositoryEnv(repository: { name: string; id: string }): Record<string, string> {
  return { ...ecsEmulator.endpointEnv(), GITHUB_API_URL: github.url, GITHUB_REPOSITORY: repository.name, GITHUB_REPOSITORY_ID: repository.id };
}

function deploy(options: { repository?: typeof A; cluster: string; number: number; services?: string[]; killWhen?: Promise<unknown> }): Promise<BundleRun> {
  const repository = options.repository ?? A;
  github.addPullRequest(repository.name, { number: options.number, state: "open", headSha: HEAD });
  const services = options.services ?? ["orders"];
  return runBundle("deploy-ephemeral", {
    inputs: {
      cluster: options.cluster,
      services: services.map((service) => `- service: ${service}\n  image: registry.example.com/${service}:pr-${options.number}`).join("\n"),
      "github-token": TOKEN,
    },
    event: { name: "pull_request", payload: pullRequestEvent("opened", { number: options.number, headSha: HEAD }) },
    env: repositoryEnv(repository),
    ...(options.killWhen !== undefined ? { killWhen: options.killWhen } : {}),
  });
}

function reapClosed(options: { repository?: typeof A; cluster: string; number: number; inputs?: Record<string, string>; killWhen?: Promise<unknown> }): Promise<BundleRun> {
  const repository = options.repository ?? A;
  github.addPullRequest(repository.name, { number: options.number, state: "closed", headSha: HEAD });
  return runBundle("reap", {
    inputs: { cluster: options.cluster, "github-token": TOKEN, ...options.inputs },
    event: { name: "pull_request", payload: pullRequestEvent("closed", { number: options.number, headSha: HEAD }) },
    env: repositoryEnv(repository),
    ...(options.killWhen !== undefined ? { killWhen: options.killWhen } : {}),
  });
}

/** `family:revision` → status, for every revision of the families named. */
async function revisionStates(...families: string[]): Promise<Record<string, string>> {
  const states: Record<string, string> = {};
  for (const family of families) {
    for (const status of ["ACTIVE", "INACTIVE"] as const) {
      const listed = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status }));
      for (const arn of listed.taskDefinitionArns ?? []) states[arn.split("/").pop() as string] = status;
    }
  }
  return states;
}

describe("task-definition revisions are retired only by the cluster and repository that registered them (14.1)", () => {
  it("A in dev-a and B in dev-b both deploy PR 7 of orders: A's reap leaves B's revision, which B's copy runs", async () => {
    seedBaseService(ecsEmulator, "orders", { cluster: "dev-a" });
    seedBaseService(ecsEmulator, "orders", { cluster: "dev-b" });
    assertSucceeded(await deploy({ repository: A, cluster: "dev-a", number: 7 }));
    assertSucceeded(await deploy({ repository: B, cluster: "dev-b", number: 7 }));
    assert.deepEqual(await revisionStates("orders--pr-7"), { "orders--pr-7:1": "ACTIVE", "orders--pr-7:2": "ACTIVE" });
    const revision = await resourceTags(ecs, "arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-7:2");
    assert.equal(revision[TAG.cluster], "dev-b");
    assert.equal(revision[TAG.repositoryId], B.id);

    const run = await reapClosed({ repository: A, cluster: "dev-a", number: 7, inputs: { "delete-task-definitions": "true" } });

    assertSucceeded(run);
    assert.deepEqual(await revisionStates("orders--pr-7"), { "orders--pr-7:2": "ACTIVE" });
    assert.equal((await describeService(ecs, "orders--pr-7", "dev-b"))?.status, "ACTIVE");
    assert.notEqual((await describeService(ecs, "orders--pr-7", "dev-a"))?.status, "ACTIVE");
  });

  it("one repository with dev and staging: reaping dev with delete-task-definitions leaves staging's revision ACTIVE", async () => {
    seedBaseService(ecsEmulator, "orders", { cluster: "dev" });
    seedBaseService(ecsEmulator, "orders", { cluster: "staging" });
    assertSucceeded(await deploy({ cluster: "dev", number: 3 }));
    assertSucceeded(await deploy({ cluster: "staging", number: 3 }));
    assertSucceeded(await reapClosed({ cluster: "dev", number: 3, inputs: { "delete-task-definitions": "true" } }));
    assert.deepEqual(await revisionStates("orders--pr-3"), { "orders--pr-3:2": "ACTIVE" });
  });
});

describe("nothing is orphaned (14.2)", () => {
  it("a deploy killed between RegisterTaskDefinition and CreateService leaves a revision that the PR's reap finds by its tags", async () => {
    seedBaseService(ecsEmulator, "orders", { cluster: "dev" });
    const killed = await deploy({ cluster: "dev", number: 4, killWhen: ecsEmulator.haltAfter("RegisterTaskDefinition") });
    assert.equal(killed.killed, true);
    assert.equal(await describeService(ecs, "orders--pr-4", "dev"), undefined);
    assert.deepEqual(await revisionStates("orders--pr-4"), { "orders--pr-4:1": "ACTIVE" });

    const run = await reapClosed({ cluster: "dev", number: 4 });

    assertSucceeded(run);
    assert.deepEqual(await revisionStates("orders--pr-4"), { "orders--pr-4:1": "INACTIVE" });
    // The deployment the killed deploy had started is not left "in progress".
    assert.deepEqual(github.deployments(A.name).map((deployment) => deployment.statuses.at(-1)?.state), ["inactive"]);
  });

  it("a sweep finds an orphaned revision of a closed pull request too", async () => {
    seedBaseService(ecsEmulator, "orders", { cluster: "dev" });
    await deploy({ cluster: "dev", number: 6, killWhen: ecsEmulator.haltAfter("RegisterTaskDefinition") });
    github.addPullRequest(A.name, { number: 6, state: "closed" });
    const run = await runBundle("reap", {
      inputs: { cluster: "dev", "github-token": TOKEN },
      event: { name: "schedule", payload: { schedule: "0 3 * * *", repository: { id: Number(A.id), full_name: A.name } } },
      env: repositoryEnv(A),
    });
    assertSucceeded(run);
    assert.deepEqual(await revisionStates("orders--pr-6"), { "orders--pr-6:1": "INACTIVE" });
  });

  /** What a cluster and GitHub look like after a route's reap: compared between a clean run and a killed one. */
  async function endState(number: number): Promise<unknown> {
    return {
      services: await Promise.all(["orders", "payments"].map(async (base) => ((await describeService(ecs, `${base}--pr-${number}`, "dev"))?.status === "ACTIVE" ? "live" : "deleted"))),
      revisions: await revisionStates(`orders--pr-${number}`, `payments--pr-${number}`),
      comments: github.comments(A.name, number).map((comment) => comment.body.replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, "<time>").replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}( UTC)?/g, "<time>")),
      deployments: github.deployments(A.name).map((deployment) => deployment.statuses.at(-1)?.state),
    };
  }

  async function deployedRoute(number: number): Promise<void> {
    seedBaseService(ecsEmulator, "orders", { cluster: "dev" });
    seedBaseService(ecsEmulator, "payments", { cluster: "dev" });
    assertSucceeded(await deploy({ cluster: "dev", number, services: ["orders", "payments"] }));
  }

  let cleanEnd: unknown;
  it("a reap that is not interrupted: the reference end state", async () => {
    await deployedRoute(5);
    assertSucceeded(await reapClosed({ cluster: "dev", number: 5, inputs: { "delete-task-definitions": "true" } }));
    cleanEnd = await endState(5);
    assert.deepEqual((cleanEnd as { services: string[] }).services, ["deleted", "deleted"]);
    assert.match(JSON.stringify(cleanEnd), /torn down/i);
  });

  for (const [operation, nth] of [
    ["DeleteService", 1],
    ["DeleteService", 2],
    ["DeregisterTaskDefinition", 1],
    ["DeleteTaskDefinitions", 1],
  ] as const) {
    it(`a reap killed after ${operation} #${nth}, then run again, ends exactly as the uninterrupted one`, async () => {
      await deployedRoute(5);
      const killed = await reapClosed({ cluster: "dev", number: 5, inputs: { "delete-task-definitions": "true" }, killWhen: ecsEmulator.haltAfter(operation, nth) });
      assert.equal(killed.killed, true, killed.stdout);
      assertSucceeded(await reapClosed({ cluster: "dev", number: 5, inputs: { "delete-task-definitions": "true" } }));
      assert.deepEqual(await endState(5), cleanEnd);
    });
  }

  it("a GitHub teardown that fails with a 5xx keeps the route's revisions and fails the step; the re-run finishes it", async () => {
    await deployedRoute(8);
    github.failRequests({ method: "POST", path: /\/deployments\/\d+\/statuses$/ }, 502);
    const failed = await reapClosed({ cluster: "dev", number: 8 });
    assert.equal(failed.exitCode, 1);
    assert.match(failed.errors.join("\n"), /route\(s\) pr-8 \(the pull request's comment or deployment could not be updated\) could not be torn down completely; run the reap again/);
    assert.deepEqual(await revisionStates("orders--pr-8", "payments--pr-8"), { "orders--pr-8:1": "ACTIVE", "payments--pr-8:1": "ACTIVE" });

    assertSucceeded(await reapClosed({ cluster: "dev", number: 8 }));
    assert.deepEqual(await revisionStates("orders--pr-8", "payments--pr-8"), { "orders--pr-8:1": "INACTIVE", "payments--pr-8:1": "INACTIVE" });
    assert.deepEqual(github.deployments(A.name).map((deployment) => deployment.statuses.at(-1)?.state), ["inactive"]);
  });
});

describe("a torn-down route stays done (14.2)", () => {
  function sweep(inputs: Record<string, string> = {}): Promise<BundleRun> {
    return runBundle("reap", {
      inputs: { cluster: "dev", "github-token": TOKEN, ...inputs },
      event: { name: "schedule", payload: { schedule: "0 3 * * *", repository: { id: Number(A.id), full_name: A.name } } },
      env: repositoryEnv(A),
    });
  }
  const writes = () => github.calls().filter((call) => call.method !== "GET");

  it("a second sweep reports nothing for a route the first one tore down: its revisions are INACTIVE, it is done", async () => {
    seedBaseService(ecsEmulator, "orders", { cluster: "dev" });
    seedBaseService(ecsEmulator, "payments", { cluster: "dev" });
    assertSucceeded(await deploy({ cluster: "dev", number: 11, services: ["orders", "payments"] }));
    github.addPullRequest(A.name, { number: 11, state: "closed", headSha: HEAD });

    const first = await sweep();
    assertSucceeded(first);
    assert.deepEqual(JSON.parse(first.outputs.deleted ?? "[]").map((entry: { service: string }) => entry.service), ["orders--pr-11", "payments--pr-11"]);
    assert.match(first.summary, /marked torn down: pr-11/);
    assert.deepEqual(await revisionStates("orders--pr-11", "payments--pr-11"), { "orders--pr-11:1": "INACTIVE", "payments--pr-11:1": "INACTIVE" });

    github.resetCalls();
    const second = await sweep();
    assertSucceeded(second);
    assert.deepEqual(JSON.parse(second.outputs.deleted ?? "[]"), []);
    assert.doesNotMatch(second.summary, /torn down/);
    assert.match(second.summary, /deregistered 0 revision\(s\) of 0 families/);
    assert.deepEqual(writes(), [], "the second sweep writes nothing to GitHub");
  });

  it("a later sweep with delete-task-definitions deletes a done route's INACTIVE revisions without tearing the route down again", async () => {
    seedBaseService(ecsEmulator, "orders", { cluster: "dev" });
    assertSucceeded(await deploy({ cluster: "dev", number: 12 }));
    assertSucceeded(await reapClosed({ cluster: "dev", number: 12 }));
    assert.deepEqual(await revisionStates("orders--pr-12"), { "orders--pr-12:1": "INACTIVE" });

    github.resetCalls();
    const run = await sweep({ "delete-task-definitions": "true" });
    assertSucceeded(run);
    assert.deepEqual(await revisionStates("orders--pr-12"), {});
    assert.match(run.summary, /deregistered 0 revision\(s\) of 1 family, deleted 1/);
    assert.doesNotMatch(run.summary, /torn down/);
    assert.deepEqual(writes(), []);
  });
});

describe("the repository is known by its id as well as its name (14.2)", () => {
  it("a renamed repository still reaps its copies; a new repository under the old name does not", async () => {
    seedBaseService(ecsEmulator, "orders", { cluster: "dev" });
    assertSucceeded(await deploy({ cluster: "dev", number: 9 }));
    const impostor = { name: A.name, id: "999" };
    github.addPullRequest(A.name, { number: 9, state: "closed" });
    assertSucceeded(await reapClosed({ repository: impostor, cluster: "dev", number: 9 }));
    assert.equal((await describeService(ecs, "orders--pr-9", "dev"))?.status, "ACTIVE");

    const renamed = { name: "Codertocat/Renamed", id: A.id };
    github.addRepository(renamed.name);
    assertSucceeded(await reapClosed({ repository: renamed, cluster: "dev", number: 9 }));
    assert.notEqual((await describeService(ecs, "orders--pr-9", "dev"))?.status, "ACTIVE");
  });

  it("a copy tagged before ids were recorded is matched by name, and a sweep that keeps it records the id", async () => {
    seedBaseService(ecsEmulator, "orders", { cluster: "dev" });
    assertSucceeded(await deploy({ cluster: "dev", number: 10 }));
    const arn = (await describeService(ecs, "orders--pr-10", "dev"))?.serviceArn ?? "";
    await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: [TAG.repositoryId] }));
    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: TAG.expiresAt, value: new Date(Date.now() + 3_600_000).toISOString() }] }));
    const run = await runBundle("reap", {
      inputs: { cluster: "dev", "github-token": TOKEN },
      event: { name: "schedule", payload: { schedule: "0 3 * * *" } },
      env: repositoryEnv(A),
    });
    assertSucceeded(run);
    assert.equal((await resourceTags(ecs, arn))[TAG.repositoryId], A.id);
  });
});
