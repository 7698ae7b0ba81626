// Environment overrides and the on-deploy hook end to end: the committed deploy bundles, real
// webhook payloads, the ECS and GitHub emulators, and real bash hooks in a scratch workspace.
import { codeTexts, renderGfm } from "../helpers/markdown.js";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { KeyValuePair } from "@aws-sdk/client-ecs";
import { runBundle, type BundleRun } from "../helpers/action-runner.js";
import { pullRequestEvent, pushEvent } from "../helpers/webhooks.js";
import { assertSucceeded, describeService, describeTaskDefinition, mutatingCalls, REPOSITORY, startRouteEmulators } from "../helpers/deploy.js";

const token = "ghs_hookTestToken";
const emulators = await startRouteEmulators(token, ["orders", "payments", "catalog"]);
const { ecs: emulator, github, client } = emulators;
const workspace = mkdtempSync(join(tmpdir(), "hook-workspace-"));
after(() => emulators.close());

function deployPullRequest(number: number, inputs: Record<string, string>, headRef = "feature/orders-v2"): Promise<BundleRun> {
  const headSha = String(number).repeat(40).slice(0, 40);
  github.addPullRequest(REPOSITORY, { number, state: "open", headSha });
  return runBundle("deploy-ephemeral", {
    inputs: { "github-token": token, wait: "false", ...inputs },
    event: { name: "pull_request", payload: pullRequestEvent("opened", { number, headSha, headRef }) },
    env: {
      ...emulator.endpointEnv(),
      GITHUB_API_URL: github.url,
      GITHUB_WORKSPACE: workspace,
      // What the runner gives a JavaScript action and a hook must never see.
      ACTIONS_RUNTIME_TOKEN: "runtime-token-secret",
      DB_PASSWORD: "hunter2-db-password",
    },
  });
}

async function containerEnvironment(serviceName: string, container = "app"): Promise<Record<string, string>> {
  const service = await describeService(client, serviceName);
  const { taskDefinition } = await describeTaskDefinition(client, service?.taskDefinition ?? "");
  const definition = taskDefinition.containerDefinitions?.find((candidate) => candidate.name === container);
  return Object.fromEntries((definition?.environment ?? []).map((pair: KeyValuePair) => [pair.name ?? "", pair.value ?? ""]));
}

function botComment(number: number): string {
  const comments = github.comments(REPOSITORY, number).filter((comment) => comment.login === "github-actions[bot]");
  return comments.at(-1)?.body ?? "";
}

describe("environment overrides through deploy-ephemeral", () => {
  it("replaces {route}, {number}, {branch} and {service} on the routed container only", async () => {
    const run = await deployPullRequest(11, {
      services: [
        "- service: orders",
        "  environment:",
        '    DATABASE_SCHEMA: "orders_{number}"',
        '    QUEUE_NAME: "{service}-{route}"',
        '    BRANCH: "{branch}"',
        '    TEMPLATE: "${HOST}/{route}"',
        "- service: payments",
      ].join("\n"),
    });
    assertSucceeded(run);
    const orders = await containerEnvironment("orders--pr-11");
    assert.equal(orders.DATABASE_SCHEMA, "orders_11");
    assert.equal(orders.QUEUE_NAME, "orders-pr-11");
    assert.equal(orders.BRANCH, "feature/orders-v2");
    assert.equal(orders.TEMPLATE, "${HOST}/pr-11");
    assert.equal(orders.ROUTE_VERSION, "pr-11");
    // The sidecar, the other service's copy and the base keep their environment.
    assert.equal((await containerEnvironment("orders--pr-11", "log-router")).DATABASE_SCHEMA, undefined);
    assert.equal((await containerEnvironment("payments--pr-11")).DATABASE_SCHEMA, undefined);
    assert.deepEqual(await containerEnvironment("orders"), { OTEL_RESOURCE_ATTRIBUTES: "service.name=orders" });
  });

  it("refuses a Secrets Manager ARN with one line naming the input and saying to use secrets; nothing is created", async () => {
    emulator.resetCalls();
    const run = await deployPullRequest(12, { service: "orders", environment: "DB_PASSWORD=arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-db-AbCdEf" });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.errors, [
      "Input 'environment': DB_PASSWORD looks like a Secrets Manager or SSM parameter ARN; secrets never go in environment overrides: reference it in the task definition's 'secrets' (valueFrom)",
    ]);
    assert.deepEqual(mutatingCalls(emulator), []);
  });

  it("refuses an unknown placeholder naming the item; nothing is created", async () => {
    emulator.resetCalls();
    const run = await deployPullRequest(13, { services: "- service: orders\n- service: payments\n  environment:\n    SCHEMA: \"{pull_request}\"\n" });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.errors, [
      "Input 'services': item 2 (payments) environment: SCHEMA uses the unknown placeholder {pull_request}; use {route}, {number}, {branch}, {service}",
    ]);
    assert.deepEqual(mutatingCalls(emulator), []);
  });
});

describe("on-deploy through deploy-ephemeral", () => {
  it("runs before the copies with the route's environment, minus runner tokens and inputs; its ROUTE_ENV_FILE lines reach every copy, a service's own override wins", async () => {
    const seen = join(workspace, "on-deploy-env.txt");
    const run = await deployPullRequest(14, {
      services: "- service: orders\n  environment:\n    SHARED: from-service\n- service: payments\n",
      "on-deploy": [
        `env | sort > '${seen}'`,
        'echo "DATABASE_SCHEMA=route_${ROUTE//-/_}" >> "$ROUTE_ENV_FILE"',
        'echo "SHARED=from-hook" >> "$ROUTE_ENV_FILE"',
      ].join("\n"),
    });
    assertSucceeded(run);
    const environment = Object.fromEntries(
      readFileSync(seen, "utf8")
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    assert.equal(environment.ROUTE, "pr-14");
    assert.equal(environment.ROUTE_HEADER, "X-Route-Version: pr-14");
    assert.equal(environment.ROUTE_BAGGAGE, "dynamic_route=pr-14");
    assert.equal(environment.ROUTE_PULL_REQUEST, "14");
    assert.equal(environment.ROUTE_REPOSITORY, REPOSITORY);
    assert.equal(environment.ROUTE_SERVICES, "orders payments");
    assert.equal(environment.ROUTE_HOOK, "on-deploy");
    assert.ok(environment.ROUTE_ENV_FILE?.startsWith(workspace) === false, "ROUTE_ENV_FILE is in RUNNER_TEMP, not the workspace");
    assert.equal(environment.PWD, workspace);
    assert.equal(environment["INPUT_GITHUB-TOKEN"], undefined);
    assert.equal(environment["INPUT_ON-DEPLOY"], undefined);

    const orders = await containerEnvironment("orders--pr-14");
    const payments = await containerEnvironment("payments--pr-14");
    assert.equal(orders.DATABASE_SCHEMA, "route_pr_14");
    assert.equal(payments.DATABASE_SCHEMA, "route_pr_14");
    assert.equal(orders.SHARED, "from-service");
    assert.equal(payments.SHARED, "from-hook");
    assert.equal((await containerEnvironment("orders--pr-14", "log-router")).DATABASE_SCHEMA, undefined);
    assert.match(run.stdout, /on-deploy: set on every copy: DATABASE_SCHEMA, SHARED/);
    assert.doesNotMatch(run.stdout, /route_pr_14/, "override values are not logged by the action");
  });

  it("a failing on-deploy stops the deploy before any mutating ECS call; exit code and last lines in the error and the comment, secrets scrubbed", async () => {
    emulator.resetCalls();
    const run = await deployPullRequest(15, {
      service: "orders",
      "on-deploy": 'echo "creating schema for $ROUTE"\necho "psql: connection refused (password $DB_PASSWORD)" >&2\nexit 3',
    });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.errors, [
      "on-deploy exited with code 3 (last output: psql: connection refused (password ***)); nothing was created or changed in ECS; fix the hook (it must be idempotent) and run again",
    ]);
    assert.deepEqual(mutatingCalls(emulator), []);
    assert.equal(await describeService(client, "orders--pr-15"), undefined);
    const comment = botComment(15);
    assert.match(comment, /failed to deploy/);
    assert.match(comment, /on-deploy exited with code 3/);
    // Outside text renders inert (one line of code each), so the tail's lines are joined by spaces.
    const shown = codeTexts(renderGfm(comment)).join("\n");
    assert.match(shown, /creating schema for pr-15 psql: connection refused \(password \*\*\*\)/);
    assert.doesNotMatch(comment, /hunter2/);
    assert.match(shown, /not deployed: on-deploy failed/);
    const deployment = github.deployments(REPOSITORY).find((candidate) => candidate.environment === "pr-15");
    assert.equal(deployment?.statuses.at(-1)?.state, "failure");
  });

  it("refuses a bad ROUTE_ENV_FILE line as on-deploy's mistake, before any mutating call", async () => {
    emulator.resetCalls();
    const run = await deployPullRequest(16, { service: "orders", "on-deploy": 'echo "not a variable" >> "$ROUTE_ENV_FILE"' });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.errors, [
      `Input 'on-deploy': line 1 of $ROUTE_ENV_FILE: is not NAME=value; write one variable a line, e.g. echo "DATABASE_SCHEMA=$ROUTE" >> "$ROUTE_ENV_FILE"`,
    ]);
    assert.deepEqual(mutatingCalls(emulator), []);
  });
});

describe("on-deploy and overrides through deploy-shadow", () => {
  function deployShadow(inputs: Record<string, string>): Promise<BundleRun> {
    return runBundle("deploy-shadow", {
      inputs: { wait: "false", ...inputs },
      event: { name: "push", payload: pushEvent({ branch: "master" }) },
      env: { ...emulator.endpointEnv(), GITHUB_REF: "refs/heads/master", GITHUB_WORKSPACE: workspace },
    });
  }

  it("runs on-deploy for route shadow (no pull request) and sets its overrides", async () => {
    const run = await deployShadow({
      service: "catalog",
      environment: "CACHE_PREFIX={service}:{route}:",
      "on-deploy": 'test -z "$ROUTE_PULL_REQUEST"\necho "DATABASE_SCHEMA=$ROUTE" >> "$ROUTE_ENV_FILE"',
    });
    assertSucceeded(run);
    const catalog = await containerEnvironment("catalog--shadow");
    assert.equal(catalog.DATABASE_SCHEMA, "shadow");
    assert.equal(catalog.CACHE_PREFIX, "catalog:shadow:");
  });

  it("refuses {number} on a deploy without a pull request, before the hook and any mutating call", async () => {
    emulator.resetCalls();
    const marker = join(workspace, "shadow-hook-ran");
    const run = await deployShadow({ service: "catalog", environment: "SCHEMA=pr_{number}", "on-deploy": `touch '${marker}'` });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.errors, ["Input 'environment': SCHEMA uses {number}, but this deploy is not for a pull request (use {route}, which every deploy has)"]);
    assert.deepEqual(mutatingCalls(emulator), []);
    assert.throws(() => readFileSync(marker), /ENOENT/, "the hook did not run");
  });
});
