// deploy-ephemeral end to end: the committed bundle, a real pull_request payload, the ECS emulator.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeleteServiceCommand, ListServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";
import { runBundle, type BundleRun } from "../helpers/action-runner.js";
import { codeTexts } from "../helpers/markdown.js";
import { pushEvent, webhookExample } from "../helpers/webhooks.js";
import { ecsClient } from "../helpers/ecs.js";
import { describeService, describeTaskDefinition, mutatingCalls, resourceTags, seedBaseService, assertSucceeded, REPOSITORY as repository, runDeployEphemeral } from "../helpers/deploy.js";

const headSha1 = "1111111111111111111111111111111111111111";
const headSha2 = "2222222222222222222222222222222222222222";

const token = "ghs_deployEphemeralTestToken";
const DRAIN_MS = 1500;

let emulator: EcsEmulator;
let github: GitHubEmulator;
let client: ReturnType<typeof ecsClient>;

function deploy(
  inputs: Record<string, string>,
  options: { number?: number; action?: string; headSha?: string; fork?: boolean } = {},
): Promise<BundleRun> {
  return runDeployEphemeral(
    { ecs: emulator, github },
    { number: options.number ?? 2, headSha: options.headSha ?? headSha1, action: options.action, fork: options.fork },
    { "github-token": token, ...inputs },
  );
}

before(async () => {
  emulator = await startEcsEmulator({ stabilizationMs: 200, drainMs: DRAIN_MS });
  github = await startGitHubEmulator();
  github.addRepository(repository);
  github.addToken(token, { login: "github-actions[bot]", type: "Bot", installation: true });
  client = ecsClient(emulator);
  for (const name of ["orders", "payments", "catalog", "shipping"]) seedBaseService(emulator, name);
});

after(async () => {
  client.destroy();
  await emulator.close();
  await github.close();
});

describe("deploy-ephemeral on one pull request", () => {
  it("creates the route service and task definition family <family>--pr-2 with tags, labels and environment", async () => {
    const run = await deploy({ service: "orders", image: "registry.example.com/orders:pr-2-1111111", tags: "team=payments" });
    assertSucceeded(run);
    assert.equal(run.outputs.route, "pr-2");
    assert.deepEqual(JSON.parse(run.outputs.headers ?? ""), { "X-Route-Version": "pr-2" });
    assert.equal(run.outputs.baggage, "dynamic_route=pr-2");
    const [result] = JSON.parse(run.outputs.services ?? "[]") as Record<string, string>[];
    assert.deepEqual(result, {
      baseService: "orders",
      routeService: "orders--pr-2",
      serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/default/orders--pr-2",
      taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-2:1",
      status: "running",
    });
    assert.deepEqual(JSON.parse(run.outputs["task-definition-arns"] ?? ""), ["arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-2:1"]);

    const service = await describeService(client, "orders--pr-2");
    assert.equal(service?.status, "ACTIVE");
    assert.equal(service?.desiredCount, 1);
    assert.equal(service?.launchType, "FARGATE");
    assert.equal(service?.propagateTags, "SERVICE");
    assert.equal(service?.enableECSManagedTags, true);
    assert.deepEqual(service?.deploymentConfiguration?.deploymentCircuitBreaker, { enable: true, rollback: true });
    assert.deepEqual(service?.loadBalancers ?? [], []);
    const tags = await resourceTags(client, service?.serviceArn ?? "");
    assert.equal(tags["dynamic-routing:managed-by"], "ecs-dynamic-routing");
    assert.equal(tags["dynamic-routing:route"], "pr-2");
    assert.equal(tags["dynamic-routing:kind"], "ephemeral");
    assert.equal(tags["dynamic-routing:base-service"], "orders");
    assert.equal(tags["dynamic-routing:repository"], "Codertocat/Hello-World");
    assert.equal(tags["dynamic-routing:commit"], headSha1);
    assert.equal(tags["dynamic-routing:pull-request"], "2");
    assert.equal(tags.team, "payments");
    const expiresIn = Date.parse(tags["dynamic-routing:expires-at"] ?? "") - Date.parse(tags["dynamic-routing:created-at"] ?? "");
    assert.equal(expiresIn, 72 * 3_600_000);

    const { taskDefinition, tags: taskDefinitionTags } = await describeTaskDefinition(client, "orders--pr-2");
    assert.equal(taskDefinition.family, "orders--pr-2");
    assert.equal(taskDefinitionTags["dynamic-routing:route"], "pr-2");
    const [app, logRouter] = taskDefinition.containerDefinitions ?? [];
    assert.equal(app?.image, "registry.example.com/orders:pr-2-1111111");
    const labels = app?.dockerLabels ?? {};
    assert.equal(labels["traefik.http.routers.orders.rule"], undefined, "the base router is not copied");
    assert.match(labels["traefik.http.routers.orders--pr-2.rule"] ?? "", /^Host\(`orders\.dev\.internal`\) && \(Header\(`X-Route-Version`, `pr-2`\) \|\| /);
    assert.equal(labels["traefik.http.routers.orders--pr-2.priority"], "30000");
    assert.equal(labels["traefik.http.services.orders--pr-2.loadbalancer.server.port"], "8080");
    assert.equal(labels["traefik.http.middlewares.orders--pr-2-served.headers.customresponseheaders.X-Served-By-Route"], "pr-2");
    assert.deepEqual(logRouter?.dockerLabels, { "traefik.enable": "false" });
    assert.deepEqual(app?.environment, [
      { name: "ROUTE_VERSION", value: "pr-2" },
      { name: "OTEL_RESOURCE_ATTRIBUTES", value: "service.name=orders,deployment.route=pr-2" },
    ]);
    assert.match(run.summary, /\| <code>orders--pr-2<\/code> \| <code>pr-2-1111111<\/code> \| running \(created\) \| \d+\.\d s \|/);
    assert.match(run.summary, /X-Route-Version: pr-2/);
    // The token is handed to the runner's masker and appears nowhere else.
    assert.ok(run.stdout.includes(`::add-mask::${token}`), "github-token is masked");
    assert.equal(`${run.stdout}${run.stderr}${run.summary}`.split(token).length - 1, 1, "github-token appears only in its add-mask command");

    const [comment, ...more] = github.comments(repository, 2);
    assert.equal(more.length, 0);
    assert.equal(comment?.login, "github-actions[bot]");
    assert.match(comment?.body ?? "", /orders--pr-2/);
    const [deployment] = github.deployments(repository);
    assert.equal(deployment?.environment, "pr-2");
    assert.equal(deployment?.sha, headSha1);
    assert.deepEqual(deployment?.statuses.map((status) => status.state), ["in_progress", "success"]);
  });

  it("updates the same service in place on the next push, with a new revision of the route family only", async () => {
    const before = await describeService(client, "orders--pr-2");
    const createdAt = (await resourceTags(client, before?.serviceArn ?? ""))["dynamic-routing:created-at"];
    emulator.resetCalls();
    const run = await deploy({ service: "orders", image: "registry.example.com/orders:pr-2-2222222" }, { action: "synchronize", headSha: headSha2 });
    assertSucceeded(run);
    const counts = emulator.callCounts();
    assert.equal(counts.CreateService, undefined);
    assert.equal(counts.UpdateService, 1);
    assert.equal(counts.TagResource, 1);
    const service = await describeService(client, "orders--pr-2");
    assert.equal(service?.serviceArn, before?.serviceArn);
    assert.equal(service?.taskDefinition, "arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-2:2");
    const { taskDefinition } = await describeTaskDefinition(client, "orders--pr-2");
    assert.equal(taskDefinition.containerDefinitions?.[0]?.image, "registry.example.com/orders:pr-2-2222222");
    assert.equal((await describeTaskDefinition(client, "orders")).taskDefinition.revision, 1, "the base family gets no new revision");
    const tags = await resourceTags(client, service?.serviceArn ?? "");
    assert.equal(tags["dynamic-routing:commit"], headSha2);
    assert.equal(tags["dynamic-routing:created-at"], createdAt);
    assert.match(run.summary, /running \(updated\)/);
    assert.equal(github.comments(repository, 2).length, 1, "the sticky comment is updated, not added");
  });

  it("changes nothing else when the same step runs again", async () => {
    const servicesBefore = (await client.send(new ListServicesCommand({ cluster: "default" }))).serviceArns?.length;
    emulator.resetCalls();
    const run = await deploy({ service: "orders", image: "registry.example.com/orders:pr-2-2222222" }, { action: "synchronize", headSha: headSha2 });
    assertSucceeded(run);
    assert.equal(emulator.callCounts().CreateService, undefined);
    assert.equal((await client.send(new ListServicesCommand({ cluster: "default" }))).serviceArns?.length, servicesBefore);
    assert.equal((await describeService(client, "orders--pr-2"))?.status, "ACTIVE");
  });
});

describe("deploy-ephemeral on a fork's pull request", () => {
  it("skips with a notice and success, creating nothing", async () => {
    emulator.resetCalls();
    github.resetCalls();
    const run = await deploy({ service: "orders", image: "registry.example.com/orders:fork" }, { number: 6, fork: true });
    assertSucceeded(run);
    assert.match(run.stdout, /::notice::Skipped pull request #6: it comes from the fork forker\/Hello-World/);
    assert.deepEqual(emulator.calls(), []);
    assert.deepEqual(github.calls(), []);
  });
});

describe("deploy-ephemeral on a closed pull request", () => {
  it("skips with a notice: reap owns closed pull requests", async () => {
    emulator.resetCalls();
    github.resetCalls();
    const run = await deploy({ service: "orders" }, { number: 8, action: "closed" });
    assertSucceeded(run);
    assert.match(run.stdout, /::notice::Skipped pull request #8: it is closed/);
    assert.deepEqual(emulator.calls(), []);
    assert.deepEqual(github.calls(), []);
  });
});

describe("deploy-ephemeral outside a pull request", () => {
  function runFor(event: { name: string; payload: Record<string, unknown> }, ref: string): Promise<BundleRun> {
    return runBundle("deploy-ephemeral", {
      inputs: { "github-token": token, service: "payments", image: "registry.example.com/payments:branch" },
      event,
      env: { ...emulator.endpointEnv(), GITHUB_API_URL: github.url, GITHUB_REF: ref },
    });
  }

  it("routes a push by its branch: a hashed slug for a name that is not one already, no pull request, no comment", async () => {
    github.resetCalls();
    const run = await runFor({ name: "push", payload: pushEvent({ branch: "feature/Login-Page" }) }, "refs/heads/feature/Login-Page");
    assertSucceeded(run);
    assert.match(run.outputs.route ?? "", /^feature-login-page-[0-9a-f]{6}$/);
    const service = await describeService(client, `payments--${run.outputs.route}`);
    const tags = await resourceTags(client, service?.serviceArn ?? "");
    assert.equal(tags["dynamic-routing:kind"], "ephemeral");
    assert.equal(tags["dynamic-routing:pull-request"], undefined);
    assert.ok(tags["dynamic-routing:expires-at"] !== undefined, "a branch copy expires like a pull request's");
    assert.deepEqual(github.calls(), [], "no pull request to comment on");
  });

  it("routes a workflow_dispatch by the branch it was run on", async () => {
    const run = await runFor({ name: "workflow_dispatch", payload: webhookExample("workflow_dispatch") }, "refs/heads/release-2");
    assertSucceeded(run);
    assert.equal(run.outputs.route, "release-2");
  });

  it("refuses an event whose GITHUB_REF is the default branch rather than the code under test, creating nothing", async () => {
    emulator.resetCalls();
    const run = await runFor({ name: "issue_comment", payload: webhookExample("issue_comment", "created") }, "refs/heads/main");
    assert.equal(run.exitCode, 1);
    assert.equal(run.errors.length, 1, run.stdout);
    assert.match(run.errors[0] ?? "", /^Input 'route': an 'issue_comment' event names no pull request or branch under test; set the route input/);
    assert.deepEqual(mutatingCalls(emulator), []);
  });
});

describe("deploy-ephemeral with several services", () => {
  it("deploys three services in one step from the services YAML", async () => {
    emulator.resetCalls();
    const run = await deploy(
      {
        services: [
          "- service: orders",
          "  image: registry.example.com/orders:pr-3",
          "- service: payments",
          "  container: app",
          "  image: registry.example.com/payments:pr-3",
          "- service: catalog",
          "  port: 8080",
        ].join("\n"),
      },
      { number: 3 },
    );
    assertSucceeded(run);
    const results = JSON.parse(run.outputs.services ?? "[]") as { routeService: string; status: string }[];
    assert.deepEqual(
      results.map((result) => [result.routeService, result.status]),
      [
        ["orders--pr-3", "running"],
        ["payments--pr-3", "running"],
        ["catalog--pr-3", "running"],
      ],
    );
    assert.equal(emulator.callCounts().CreateService, 3);
    const catalog = await describeTaskDefinition(client, "catalog--pr-3");
    assert.equal(catalog.taskDefinition.containerDefinitions?.[0]?.image, "registry.example.com/catalog:main-1", "no image keeps the base image");
    assert.match(run.stdout, /catalog--pr-3: no image given; the copy runs the base image registry\.example\.com\/catalog:main-1/);
  });

  it("refreshes the tags before updating: a failed TagResource leaves the old code with its old tags", async () => {
    assertSucceeded(await deploy({ service: "payments", image: "registry.example.com/payments:pr-10-a" }, { number: 10 }));
    const before = await describeService(client, "payments--pr-10");
    emulator.failCalls("TagResource", { after: 0, type: "AccessDeniedException", message: "not authorized to perform: ecs:TagResource" });
    let run: BundleRun;
    try {
      run = await deploy({ service: "payments", image: "registry.example.com/payments:pr-10-b" }, { number: 10, headSha: headSha2, action: "synchronize" });
    } finally {
      emulator.failCalls("TagResource", undefined);
    }
    assert.equal(run.exitCode, 1, run.stdout);
    assert.match(run.errors[0] ?? "", /payments--pr-10 failed: not authorized to perform: ecs:TagResource/);
    const after = await describeService(client, "payments--pr-10");
    assert.equal(after?.taskDefinition, before?.taskDefinition, "not updated");
    assert.deepEqual(after?.tags, before?.tags);
  });

  it("still writes its outputs, summary and comment when reading the rollout fails for another reason than throttling", async () => {
    // The two reads before anything is made succeed; every poll after fails (e.g. the role's session expired).
    emulator.failCalls("DescribeServices", { after: 2, type: "ExpiredTokenException", message: "The security token included in the request is expired" });
    let run: BundleRun;
    try {
      run = await deploy({ service: "catalog", image: "registry.example.com/catalog:pr-9" }, { number: 9 });
    } finally {
      emulator.failCalls("DescribeServices", undefined);
    }
    assert.equal(run.exitCode, 1, run.stdout);
    assert.deepEqual(run.errors, ["route pr-9: catalog--pr-9 failed: could not read the rollout: The security token included in the request is expired"]);
    assert.equal(run.outputs.route, "pr-9");
    const [service] = JSON.parse(run.outputs.services ?? "[]") as { routeService: string; status: string; serviceArn: string | null }[];
    assert.equal(service?.routeService, "catalog--pr-9");
    assert.equal(service?.status, "failed");
    assert.match(service?.serviceArn ?? "", /service\/default\/catalog--pr-9$/);
    assert.ok(codeTexts(run.summary).includes("could not read the rollout: The security token included in the request is expired"), run.summary);
    assert.match(github.comments(repository, 9)[0]?.body ?? "", /failed to deploy/);
  });

  it("fails the step with the stopped tasks' reason in the error line and the summary when an image cannot start", async () => {
    const reason = "CannotPullContainerError: pull image manifest has been retried 1 time(s): manifest unknown";
    emulator.failImage("registry.example.com/shipping:pr-4-broken", reason);
    const run = await deploy({ service: "shipping", image: "registry.example.com/shipping:pr-4-broken" }, { number: 4 });
    assert.equal(run.exitCode, 1);
    assert.equal(run.errors.length, 1, run.stdout);
    assert.match(run.errors[0] ?? "", /^route pr-4: shipping--pr-4 failed: ECS deployment circuit breaker: tasks failed to start\.; task stopped: CannotPullContainerError/);
    assert.ok(codeTexts(run.summary).some((text) => text.includes(reason)), run.summary);
    assert.match(run.summary, /\| <code>shipping--pr-4<\/code> \| <code>pr-4-broken<\/code> \| failed \(created\) \|/);
    assert.equal(JSON.parse(run.outputs.services ?? "[]")[0]?.status, "failed");
    assert.ok(github.comments(repository, 4)[0]?.body.includes("CannotPullContainerError"));
    const deployment = github.deployments(repository).find((candidate) => candidate.environment === "pr-4");
    assert.equal(deployment?.statuses.at(-1)?.state, "failure");
  });

  it("waits for a DRAINING copy of the same name to be gone, then creates the new one", async () => {
    seedBaseService(emulator, "orders--pr-5", { desiredCount: 1 });
    await client.send(new UpdateServiceCommand({ cluster: "default", service: "orders--pr-5", desiredCount: 0 }));
    // DRAINING until the test ends it, however long the bundle takes to start.
    emulator.configure({ drainMs: 3_600_000 });
    await client.send(new DeleteServiceCommand({ cluster: "default", service: "orders--pr-5", force: true }));
    emulator.configure({ drainMs: DRAIN_MS });
    assert.equal((await describeService(client, "orders--pr-5"))?.status, "DRAINING");
    emulator.resetCalls();
    const running = deploy({ service: "orders", image: "registry.example.com/orders:pr-5" }, { number: 5 });
    // The deploy registered the task definition and then looked at the DRAINING copy: it is waiting.
    const waiting = emulator.nextCall((call, calls) => call.operation === "DescribeServices" && calls.some((earlier) => earlier.operation === "RegisterTaskDefinition"));
    await Promise.race([waiting, running]);
    emulator.finishDraining("default", "orders--pr-5");
    const run = await running;
    assertSucceeded(run);
    assert.match(run.stdout, /orders--pr-5: an earlier copy is DRAINING; waiting until it is gone/);
    assert.equal(emulator.callCounts().CreateService, 1);
    const service = await describeService(client, "orders--pr-5");
    assert.equal(service?.status, "ACTIVE");
    // Revision 1 of orders--pr-5 is the drained copy's own; this run registered revision 2.
    assert.equal(service?.taskDefinition, "arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-5:2");
    assert.match(run.summary, /running \(replaced\)/);
  });
});
