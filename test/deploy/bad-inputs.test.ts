// Every bad input ends deploy-ephemeral with one error line naming the input, exit 1, and no
// mutating ECS call: nothing half-made.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";
import { runBundle } from "../helpers/action-runner.js";
import { pullRequestEvent } from "../helpers/webhooks.js";
import { MANAGED_BY, TAG } from "../../src/ecs/tags.js";
import { mutatingCalls, seedBaseService } from "../helpers/deploy.js";

const token = "ghs_badInputsTestToken";
let emulator: EcsEmulator;
let github: GitHubEmulator;

before(async () => {
  github = await startGitHubEmulator();
  github.addRepository("Codertocat/Hello-World");
  github.addToken(token, { login: "github-actions[bot]", type: "Bot", installation: true });
  emulator = await startEcsEmulator({ stabilizationMs: 200 });
  seedBaseService(emulator, "orders");
  seedBaseService(emulator, "payments");
  seedBaseService(emulator, "catalog");
  // Someone's own service that happens to have a route copy's name, without the managed-by tag.
  seedBaseService(emulator, "catalog--pr-7");
  // Another repository's pull request #8 copy of payments, in the same shared cluster.
  emulator.seedService({
    taskDefinition: { family: "payments--pr-8", containerDefinitions: [{ name: "app", image: "registry.example.com/payments:other", essential: true, memory: 128 }] },
    service: { serviceName: "payments--pr-8", desiredCount: 1 },
    tags: [
      { key: TAG.managedBy, value: MANAGED_BY },
      { key: TAG.repository, value: "Codertocat/Other" },
      { key: TAG.route, value: "pr-8" },
    ],
    stable: true,
  });
});

after(async () => {
  await emulator.close();
  await github.close();
});

const manyTags = Array.from({ length: 45 }, (_, index) => `tag${index}=value`).join("\n");
// No credentials anywhere the SDK looks: no variables, an empty home, no instance metadata.
const noCredentials = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  HOME: mkdtempSync(join(tmpdir(), "no-aws-")),
  AWS_EC2_METADATA_DISABLED: "true",
};

const cases: { name: string; inputs: Record<string, string>; env?: Record<string, string | undefined>; event?: string | Record<string, unknown>; error: RegExp }[] = [
  { name: "a ttl too long for a date", inputs: { service: "orders", ttl: "99999999999999999999d" }, error: /^Input 'ttl': '99999999999999999999d' is longer than 365d; give at most 365d/ },
  { name: "a timeout in hexadecimal", inputs: { service: "orders", "timeout-minutes": "0x10" }, error: /^Input 'timeout-minutes': '0x10' must be a number written in decimal digits/ },
  { name: "a route with '--'", inputs: { service: "orders", route: "b--c" }, error: /^Input 'route': 'b--c' contains '--', which separates the base service from the route/ },
  { name: "a cluster given empty", inputs: { service: "orders", cluster: "" }, error: /^Input 'cluster': is empty; name the ECS cluster \(e\.g\. cluster: dev\), or leave the input out/ },
  { name: "a cluster ARN that is not one", inputs: { service: "orders", cluster: "arn:aws:s3:::bucket" }, error: /^Input 'cluster': 'arn:aws:s3:::bucket' is not an ECS cluster name .* or cluster ARN/ },
  { name: "an environment-url that is not http(s)", inputs: { service: "orders", "environment-url": "javascript:alert(1)" }, error: /^Input 'environment-url': 'javascript:alert\(1\)' is not an http\(s\) URL without credentials/ },
  { name: "an environment-url with credentials", inputs: { service: "orders", "environment-url": "https://ci:secret@app.dev.example.com" }, error: /^Input 'environment-url': .* is not an http\(s\) URL without credentials/ },
  { name: "an event file that is not JSON", inputs: { service: "orders" }, event: "not json\n{", error: /^GITHUB_EVENT_PATH '.*event\.json' is not JSON; run the action from a workflow/ },
  { name: "a base service that does not exist", inputs: { service: "orderz" }, error: /^Input 'service': base service 'orderz' does not exist in cluster 'default'/ },
  {
    name: "one missing service among several",
    inputs: { services: "- service: orders\n- service: billing\n" },
    error: /^Input 'services': base service 'billing' does not exist/,
  },
  { name: "an unknown container", inputs: { service: "orders", container: "web" }, error: /^Input 'container': container 'web' is not in task definition orders:1; its containers are: app, log-router/ },
  { name: "a bad route", inputs: { service: "orders", route: "Feature/X" }, error: /^Input 'route': 'Feature\/X' is not a valid route/ },
  { name: "a bad header name", inputs: { service: "orders", header: "X Route" }, error: /^Input 'header': 'X Route' is not a valid name/ },
  { name: "invalid services YAML", inputs: { services: "- service: [orders\n" }, error: /^Input 'services': is not valid YAML/ },
  {
    name: "an image ECS cannot register, among valid ones",
    inputs: { services: "- service: orders\n  image: registry.example.com/orders:pr-7\n- service: payments\n  image: registry.example.com/payments:pr 7\n" },
    error: /^Input 'services': item 2: image 'registry\.example\.com\/payments:pr 7' is not an image reference/,
  },
  { name: "an unknown key in services", inputs: { services: "- service: orders\n  imgae: registry/orders:1\n" }, error: /^Input 'services': item 1: unknown key 'imgae'/ },
  { name: "too many tags", inputs: { service: "orders", tags: manyTags }, error: /^Input 'tags': gives 45 tags; .* over ECS's limit of 50; give at most 38/ },
  { name: "a tag value ECS does not allow", inputs: { service: "orders", tags: "team=payments\ncost-center=#42" }, error: /^Input 'tags': the value of tag 'cost-center' has a character ECS does not allow/ },
  { name: "a port the container does not map", inputs: { service: "orders", port: "9999" }, error: /^Input 'port': port 9999 is not a container port of 'app'/ },
  { name: "a match Traefik cannot parse", inputs: { service: "orders", match: "Host(orders)" }, error: /^Input 'match': Host\(orders\) is not a valid Traefik v3 rule/ },
  {
    name: "a route service name taken by a service this action did not make",
    inputs: { service: "catalog" },
    error: /^Input 'route-template': service 'catalog--pr-7' already exists in cluster 'default' without the tag dynamic-routing:managed-by=ecs-dynamic-routing/,
  },
  { name: "an unknown cluster", inputs: { service: "orders", cluster: "staging" }, error: /^Input 'cluster': cluster 'staging' does not exist/ },
  {
    name: "a route with another repository's copy on it (pull request 8 of both)",
    inputs: { service: "orders" },
    event: pullRequestEvent("opened", { number: 8 }),
    error: /^Input 'route-template': route pr-8 already has Codertocat\/Other's copy payments--pr-8 in cluster 'default'; give this repository routes of its own with route-template/,
  },
  { name: "no AWS region", inputs: { service: "orders" }, env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, HOME: noCredentials.HOME }, error: /no AWS region is set .*aws-actions\/configure-aws-credentials/ },
  { name: "an empty github-token", inputs: { service: "orders", "github-token": "" }, error: /^Input 'github-token': is empty/ },
  { name: "no AWS credentials", inputs: { service: "orders" }, env: noCredentials, error: /no AWS credentials found .*aws-actions\/configure-aws-credentials/ },
];

describe("deploy-ephemeral with a bad input", () => {
  for (const testCase of cases) {
    it(`fails on ${testCase.name} with one line and no change`, async () => {
      emulator.resetCalls();
      github.resetCalls();
      const run = await runBundle("deploy-ephemeral", {
        inputs: { "github-token": token, ...testCase.inputs },
        event: { name: "pull_request", payload: testCase.event ?? pullRequestEvent("opened", { number: 7 }) },
        env: { ...emulator.endpointEnv(), GITHUB_API_URL: github.url, ...testCase.env },
      });
      assert.equal(run.exitCode, 1, run.stdout);
      assert.equal(run.errors.length, 1, run.stdout);
      assert.match(run.errors[0] ?? "", testCase.error);
      assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, "no stack trace");
      assert.deepEqual(mutatingCalls(emulator), []);
      assert.deepEqual(github.calls(), [], "no comment or deployment for a deploy that never started");
    });
  }
});
