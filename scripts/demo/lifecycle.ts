// The whole lifecycle against local emulators: a push to main, a pull request that changes one
// service (with its integration tests), and the pull request's close, each run through the root
// action.yml with the committed bundles exactly as the Actions runner would run them.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListServicesCommand, ListTasksCommand } from "@aws-sdk/client-ecs";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { runBundle, runnerEnvironment } from "../../test/helpers/action-runner.js";
import { runComposite, type CompositeRun } from "../../test/helpers/composite-runner.js";
import { pullRequestEvent, pushEvent } from "../../test/helpers/webhooks.js";
import { startEcsEmulator, type EcsEmulator } from "../../test/emulators/ecs/index.js";
import { startLogsEmulator, type LogsEmulator } from "../../test/emulators/logs/index.js";
import { startGitHubEmulator, type EmulatedDeployment, type GitHubEmulator } from "../../test/emulators/github/index.js";
import { selectRouter } from "../../test/traefik-simulator/table.js";
import { CLIENT_CREDENTIALS, DEMO_AUTHORIZATION, startAuthServer, type AuthServer } from "./auth.js";
import { BASE_SERVICES, CLUSTER, LOG_GROUP, OWNER_HEADER, baseServiceSeed, image, storeDir, type DemoEndpoints } from "./cluster.js";
import { STORE_DIR_VARIABLE, STORE_FILE, type ContainerAnswer, type StoredWrite } from "./containers.js";
import { DefaultTrafficWatch, type DefaultTrafficReport } from "./default-traffic.js";
import { demoSignals, formatRouting, observeRouting, send, waitForAnswer, type ObservedRow } from "./observe.js";
import { startDemoRouter, type DemoRouter } from "./router.js";
import { formatTable, renderMarkdown } from "./text.js";

const repositoryRoot = resolve(import.meta.dirname, "..", "..");
const REPOSITORY = "Codertocat/Hello-World";
const PULL_REQUEST = 2;
const ROUTE = `pr-${PULL_REQUEST}`;
const CHANGED_SERVICE = "orders";
const MAIN_SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const PR_HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
/** The Actions GITHUB_TOKEN of the demo's workflow run: an installation token of github-actions[bot]. */
const WORKFLOW_TOKEN = "ghs_demoInstallationToken0000000000000";

/** Emulator timings: long enough to show a rollout, short enough for the demo to end within a minute. */
const STABILIZATION_MS = 1500;
const DRAIN_MS = 300;
/**
 * The test task of `runner: ecs-task`: the ECS emulator plays its container (it does not run images),
 * printing these lines into CloudWatch Logs over its run time and exiting 0.
 */
const TEST_TASK_IMAGE = image("shop-tests", "1.4.0");
const TEST_TASK_COMMAND = "npm run test:integration";
const TEST_TASK_OUTPUT = [
  "> shop-tests@1.4.0 test:integration",
  `ok 1 - ${CHANGED_SERVICE} answers route ${ROUTE} for X-Route-Version: ${ROUTE}`,
  `ok 2 - web reaches ${CHANGED_SERVICE}--${ROUTE} downstream with baggage dynamic_route=${ROUTE}`,
  "# pass 2, fail 0",
];
const TEST_TASK_TIMING = { startMs: 400, runMs: 1200 };
/** Traefik's refreshSeconds is 15 by default; the demo's router reads the cluster every second. */
const ROUTER_REFRESH_MS = 1000;

export interface DemoOptions {
  /** Where the demo writes what a person reads; default: nowhere. */
  print?: (line: string) => void;
  /** Make the pull request's image crash on start, to show a failed rollout (the step fails, exit 1). */
  failPullRequestDeploy?: boolean;
}

export interface DemoStep {
  name: string;
  run: CompositeRun;
  seconds: number;
}

export interface DeletedService {
  service: string;
  route: string | null;
  reason: string;
}

/** One request to the service behind auth, with or without credentials, and what answered it. */
export interface AuthCheck {
  route: string;
  credentials: boolean;
  /** The router the demo router picked for it (its routing table). */
  router: string | undefined;
  status: number;
  /** The ECS service whose container answered; undefined when a middleware answered. */
  service: string | undefined;
  /** The path the container saw, after the stripPrefix middleware. */
  path: string | undefined;
  /** The response header the base's headers middleware sets. */
  ownerHeader: string | null;
}

/** One route's "database" of orders, as the demo found it. */
export interface StoreState {
  route: string;
  /** False when there is no store directory for the route (never made, or dropped by on-reap). */
  exists: boolean;
  writes: StoredWrite[];
}

/** The pull request's tests run once more as a one-off ECS task in the cluster (runner: ecs-task). */
export interface TestTaskReport {
  taskArn: string;
  clusterArn: string;
  /** The task's tags as ECS holds them (kind=test, route, repository, …). */
  tags: Record<string, string>;
  lastStatus: string | undefined;
  /** The test container's exit code as ECS reports it. */
  containerExitCode: number | undefined;
  /** The integration-test step's exit code and exit-code output. */
  stepExitCode: number;
  exitCodeOutput: string | undefined;
  /** Lines of the container's output, as the step printed them, streamed from CloudWatch Logs. */
  streamedLines: string[];
}

export interface DemoResult {
  routerUrl: string;
  /** The routing table observed through the router after each stage. */
  routing: { stage: "before" | "push" | "pull request" | "close"; rows: ObservedRow[] }[];
  steps: DemoStep[];
  /** The sticky comment after the deploy and after the close, and how many comments the bot wrote in all. */
  comment: { afterDeploy: string | undefined; afterClose: string | undefined; botComments: number };
  deployments: EmulatedDeployment[];
  deleted: DeletedService[];
  /** Services left in the cluster after the close, with their status. */
  servicesLeft: { name: string; status: string }[];
  defaultTraffic: DefaultTrafficReport;
  /** The stores of orders after the pull request's writes, and after its close. */
  stores: { afterWrites: StoreState[]; afterClose: StoreState[] };
  /** Requests to orders (behind auth) by default and by the pull request's route, without and with credentials. */
  auth: AuthCheck[];
  testTask: TestTaskReport;
  seconds: number;
}

/** A step of the lifecycle failed; `output` is everything it printed. */
export class DemoStepFailure extends Error {
  constructor(
    readonly step: string,
    readonly output: string,
  ) {
    super(`${step} failed`);
    this.name = "DemoStepFailure";
  }
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

/** A step's log as the runner shows it: workflow commands rendered, debug lines hidden (no ACTIONS_STEP_DEBUG). */
function runnerLog(stdout: string): string {
  return stdout
    .split("\n")
    .filter((line) => !/^::(debug|add-mask)::/.test(line))
    .map((line) => {
      const command = /^::(error|warning|notice)[^:]*::(.*)$/.exec(line);
      if (command === null) return line;
      const level = (command[1] ?? "").replace(/^./, (first) => first.toUpperCase());
      return `${level}: ${(command[2] ?? "").replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%25/g, "%")}`;
    })
    .join("\n");
}

/** Everything the root action's steps printed, for a failed step's report. */
function stepOutput(run: CompositeRun): string {
  return run.steps
    .filter((step) => step.outcome !== "skipped")
    .map((step) => `── step ${step.id}: ${step.outcome}${step.exitCode === undefined ? "" : ` (exit code ${step.exitCode})`}\n${runnerLog(step.stdout ?? "")}`)
    .join("\n");
}

interface Lifecycle {
  storesDir: string;
  ecs: EcsEmulator;
  logs: LogsEmulator;
  github: GitHubEmulator;
  router: DemoRouter;
  client: ECSClient;
  workDir: string;
  print: (...lines: string[]) => void;
}

/** Runs the root action.yml for one event, as the runner would in a workflow of REPOSITORY. */
async function runRootAction(
  lifecycle: Lifecycle,
  name: string,
  event: { name: string; payload: Record<string, unknown>; ref: string; sha: string },
  inputs: Record<string, string>,
): Promise<DemoStep> {
  const started = Date.now();
  const runDir = join(lifecycle.workDir, name.replace(/[^a-z0-9]+/gi, "-"));
  mkdirSync(runDir);
  const eventPath = join(runDir, "event.json");
  const summaryPath = join(runDir, "summary.md");
  writeFileSync(eventPath, JSON.stringify(event.payload));
  writeFileSync(summaryPath, "");
  const env: Record<string, string> = {
    ...runnerEnvironment(runDir),
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? runDir,
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: event.ref,
    GITHUB_SHA: event.sha,
    GITHUB_WORKSPACE: runDir,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_API_URL: lifecycle.github.url,
    ...lifecycle.ecs.endpointEnv(),
  };
  const run = await runComposite(join(repositoryRoot, "action.yml"), {
    github: {
      event_name: event.name,
      event: event.payload,
      ref: event.ref,
      sha: event.sha,
      repository: REPOSITORY,
      token: WORKFLOW_TOKEN,
      api_url: lifecycle.github.url,
      server_url: "https://github.com",
    },
    with: inputs,
    env,
    actionPath: repositoryRoot,
    workspace: runDir,
  });
  if (run.steps.some((step) => step.outcome === "failure")) throw new DemoStepFailure(name, stepOutput(run));
  const ran = run.steps.filter((step) => step.outcome === "success" && step.inputs !== undefined).map((step) => step.id);
  const step = { name, run, seconds: seconds(started) };
  lifecycle.print(`  root action ran: ${ran.join(", ") || "nothing"} (step output ${run.outputs.step}) in ${step.seconds} s`);
  return step;
}

function printServicesOutput(lifecycle: Lifecycle, run: CompositeRun): void {
  const services = JSON.parse(run.outputs.services || "[]") as { routeService: string; status: string; taskDefinitionArn: string | null }[];
  lifecycle.print(
    ...formatTable(
      ["route service", "status", "task definition"],
      services.map((service) => [service.routeService, service.status, service.taskDefinitionArn?.split("/").at(-1) ?? "-"]),
    ),
  );
}

async function observe(lifecycle: Lifecycle, title: string): Promise<ObservedRow[]> {
  const rows = await observeRouting(lifecycle.router.url, demoSignals(ROUTE, DEFAULT_SIGNAL_NAMES), BASE_SERVICES);
  lifecycle.print("", `  ROUTING TABLE ${title}`, ...formatRouting(rows, BASE_SERVICES));
  for (const problem of lifecycle.router.table().problems) lifecycle.print(`  router: ${problem}`);
  const readError = lifecycle.router.lastError();
  if (readError !== undefined) lifecycle.print(`  router: the last read of the cluster failed (the previous table stays in use): ${readError}`);
  return rows;
}

/** Waits until the router routes `route` requests for each base service to `expected(service)`. */
async function waitUntilRouted(lifecycle: Lifecycle, route: string, expected: (service: string) => string): Promise<void> {
  await Promise.all(
    BASE_SERVICES.map((service) =>
      waitForAnswer(
        `${lifecycle.router.url}${service.path}/`,
        { ...CLIENT_CREDENTIALS, [DEFAULT_SIGNAL_NAMES.header]: route },
        (answer) => answer.service === expected(service.name),
        `${service.path}/ with ${DEFAULT_SIGNAL_NAMES.header}: ${route} answered by ${expected(service.name)}`,
      ),
    ),
  );
}

function botComments(lifecycle: Lifecycle): string[] {
  return lifecycle.github
    .comments(REPOSITORY, PULL_REQUEST)
    .filter((comment) => comment.login === "github-actions[bot]")
    .map((comment) => comment.body);
}

function printComment(lifecycle: Lifecycle, title: string, body: string | undefined): void {
  lifecycle.print("", `  ${title}`);
  if (body === undefined) {
    lifecycle.print("    (none)");
    return;
  }
  lifecycle.print("  ┌────");
  for (const line of renderMarkdown(body, "")) lifecycle.print(`  │ ${line}`.trimEnd());
  lifecycle.print("  └────");
}

function printDeployments(lifecycle: Lifecycle): EmulatedDeployment[] {
  const deployments = lifecycle.github.deployments(REPOSITORY);
  lifecycle.print("", "  GITHUB DEPLOYMENTS");
  lifecycle.print(
    ...formatTable(
      ["environment", "sha", "statuses (oldest first)", "environment url"],
      deployments.map((deployment) => [
        deployment.environment,
        deployment.sha.slice(0, 7),
        deployment.statuses.map((status) => status.state).join(" → "),
        deployment.statuses.findLast((status) => status.environment_url)?.environment_url ?? "-",
      ]),
    ),
  );
  return deployments;
}

async function servicesInCluster(client: ECSClient): Promise<{ name: string; status: string }[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListServicesCommand({ cluster: CLUSTER, nextToken }));
    arns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  const services: { name: string; status: string }[] = [];
  for (let start = 0; start < arns.length; start += 10) {
    const described = await client.send(new DescribeServicesCommand({ cluster: CLUSTER, services: arns.slice(start, start + 10) }));
    for (const service of described.services ?? []) services.push({ name: service.serviceName ?? "", status: service.status ?? "" });
  }
  return services.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The demo's hooks: on-deploy creates the route's store and seeds it (idempotent: it runs on every
 * deploy), on-reap drops it when the route goes, and keeps it on a prune (the route lives on with
 * its other copies). A real team's would create a schema, a table prefix or a queue.
 */
function hooks(storesDir: string): { "on-deploy": string; "on-reap": string } {
  return {
    "on-deploy": [
      `store="${storesDir}/$ROUTE"`,
      'mkdir -p "$store"',
      `[ -e "$store/${STORE_FILE}" ] || echo '{"service":"seed","route":"'"$ROUTE"'","body":"seed order"}' > "$store/${STORE_FILE}"`,
      'echo "store $store ready for $ROUTE_SERVICES"',
    ].join("\n"),
    "on-reap": [
      'if [ "$ROUTE_REAP_REASON" = prune ]; then echo "kept the store of $ROUTE: only $ROUTE_SERVICES pruned, the route lives on"; exit 0; fi',
      `rm -rf "${storesDir}/$ROUTE"`,
      'echo "dropped the store of $ROUTE ($ROUTE_REAP_REASON)"',
    ].join("\n"),
  };
}

/** Where a copy of orders writes: an override with {route}, so every route gets its own store. */
function storeOverride(storesDir: string): string {
  return `${STORE_DIR_VARIABLE}=${storesDir}/{route}`;
}

function readStore(storesDir: string, route: string): StoreState {
  const file = join(storeDir(storesDir, route), STORE_FILE);
  if (!existsSync(file)) return { route, exists: existsSync(storeDir(storesDir, route)), writes: [] };
  const writes = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as StoredWrite);
  return { route, exists: true, writes };
}

function printStores(lifecycle: Lifecycle, title: string, stores: StoreState[]): void {
  lifecycle.print("", `  ${title}`);
  lifecycle.print(
    ...formatTable(
      ["store (route)", "rows: written by (route of the copy)"],
      stores.map((store) => [
        store.route,
        store.exists ? store.writes.map((write) => `${write.body} (${write.service === "seed" ? "on-deploy seed" : write.route})`).join(", ") || "(empty)" : "(dropped)",
      ]),
    ),
  );
}

/** POSTs an order to /orders for each route: each copy writes to its own store. */
async function writeOrders(lifecycle: Lifecycle, routes: readonly string[]): Promise<void> {
  for (const route of routes) {
    const headers: Record<string, string> = { ...CLIENT_CREDENTIALS, ...(route === "default" ? {} : { [DEFAULT_SIGNAL_NAMES.header]: route }) };
    const response = await fetch(`${lifecycle.router.url}/orders/`, {
      method: "POST",
      headers,
      body: `order via ${route === "default" ? "no signal" : `${DEFAULT_SIGNAL_NAMES.header}: ${route}`}`,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new DemoStepFailure(`POST /orders/ for ${route}`, text);
    const answer = JSON.parse(text) as ContainerAnswer;
    lifecycle.print(`  POST /orders/ (${route === "default" ? "no signal" : `route ${route}`}) → ${answer.service} wrote to ${answer.wroteTo ?? "-"}`);
  }
}

/** orders, behind forwardAuth: its copy must refuse and serve exactly as the default service does. */
async function checkAuth(lifecycle: Lifecycle, routes: readonly string[]): Promise<AuthCheck[]> {
  const checks: AuthCheck[] = [];
  for (const route of routes) {
    for (const credentials of [false, true]) {
      const headers: Record<string, string> = {
        ...(credentials ? CLIENT_CREDENTIALS : {}),
        ...(route === "default" ? {} : { [DEFAULT_SIGNAL_NAMES.header]: route }),
      };
      const selection = selectRouter(lifecycle.router.table(), {
        method: "GET",
        host: new URL(lifecycle.router.url).host,
        path: "/orders/",
        headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      });
      const answer = await send(`${lifecycle.router.url}/orders/`, headers);
      const body = typeof answer.body === "string" ? undefined : answer.body;
      checks.push({ route, credentials, router: selection?.router.name, status: answer.status, service: answer.service, path: body?.path, ownerHeader: answer.ownerHeader });
    }
  }
  lifecycle.print(
    ...formatTable(
      ["request to /orders/", "credentials", "router", "answer", "path the container saw", OWNER_HEADER],
      checks.map((check) => [
        check.route === "default" ? "no signal" : `${DEFAULT_SIGNAL_NAMES.header}: ${check.route}`,
        check.credentials ? `Authorization: ${DEMO_AUTHORIZATION.split(" ")[0]} …` : "none",
        check.router ?? "-",
        check.service === undefined ? `HTTP ${check.status} (forwardAuth)` : `HTTP ${check.status} from ${check.service}`,
        check.path ?? "-",
        check.ownerHeader ?? "-",
      ]),
    ),
  );
  return checks;
}

/**
 * Runs the committed integration-test bundle with `runner: ecs-task`, as a workflow step of the
 * pull request would: it registers the test task definition from orders', runs it in the cluster,
 * streams its log stream from CloudWatch Logs into the step log and exits with its exit code.
 */
async function runTestTaskStep(lifecycle: Lifecycle, payload: Record<string, unknown>): Promise<TestTaskReport> {
  lifecycle.ecs.configure({ runTask: { ...TEST_TASK_TIMING, exitCode: 0, logLines: TEST_TASK_OUTPUT } });
  const run = await runBundle("integration-test", {
    event: { name: "pull_request", payload },
    inputs: {
      run: TEST_TASK_COMMAND,
      runner: "ecs-task",
      "test-image": TEST_TASK_IMAGE,
      "task-base-service": CHANGED_SERVICE,
      cluster: CLUSTER,
      "log-poll-interval": "0.2",
    },
    env: { ...lifecycle.ecs.endpointEnv(), AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: lifecycle.logs.url, GITHUB_API_URL: lifecycle.github.url },
  });
  if (run.exitCode !== 0) throw new DemoStepFailure("integration-test with runner: ecs-task", runnerLog(run.stdout + run.stderr));
  // The task as ECS has it, found by the family the action gives test tasks (`<base>--test--<route>`).
  const { taskArns = [] } = await lifecycle.client.send(new ListTasksCommand({ cluster: CLUSTER, family: `${CHANGED_SERVICE}--test--${ROUTE}`, desiredStatus: "STOPPED" }));
  const { tasks = [] } = taskArns.length === 0 ? {} : await lifecycle.client.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns, include: ["TAGS"] }));
  const task = tasks.at(-1);
  if (task?.taskArn === undefined) throw new DemoStepFailure("integration-test with runner: ecs-task", `no stopped task of family ${CHANGED_SERVICE}--test--${ROUTE}\n${runnerLog(run.stdout)}`);
  const log = runnerLog(run.stdout).split("\n");
  // On success the container's lines are the last the step prints: after its "its output follows" line.
  const first = log.findIndex((line) => line.includes("its output follows"));
  if (first === -1) throw new DemoStepFailure("integration-test with runner: ecs-task", `the step never announced the task's output\n${log.join("\n")}`);
  const streamedLines = log.slice(first + 1).filter((line) => line !== "");
  const report: TestTaskReport = {
    taskArn: task.taskArn,
    clusterArn: task.clusterArn ?? "",
    tags: Object.fromEntries((task.tags ?? []).map((tag) => [tag.key ?? "", tag.value ?? ""])),
    lastStatus: task.lastStatus,
    containerExitCode: task.containers?.find((container) => container.name === "integration-test")?.exitCode,
    stepExitCode: run.exitCode,
    exitCodeOutput: run.outputs["exit-code"],
    streamedLines,
  };
  lifecycle.print(
    `  integration-test (runner: ecs-task) ran ${TEST_TASK_COMMAND} in ${TEST_TASK_IMAGE} as ECS task ${report.taskArn.split("/").at(-1)}`,
    `  in cluster ${report.clusterArn} (${task.launchType ?? "-"}, placed like ${CHANGED_SERVICE}; tags kind=${report.tags["dynamic-routing:kind"] ?? "-"}, route=${report.tags["dynamic-routing:route"] ?? "-"})`,
    `  (the ECS emulator plays the test container: it prints the lines below into CloudWatch Logs and exits 0)`,
    "",
    `  STREAMED FROM CLOUDWATCH LOGS ${LOG_GROUP} into the step log:`,
    ...streamedLines.map((line) => `    │ ${line}`),
    "",
    `  task ${report.lastStatus ?? "-"}, test container exit code ${report.containerExitCode ?? "-"}; the step exited ${report.stepExitCode} (output exit-code=${report.exitCodeOutput ?? "-"})`,
  );
  return report;
}

function heading(lifecycle: Lifecycle, text: string): void {
  lifecycle.print("", `━━ ${text} ${"━".repeat(Math.max(3, 96 - text.length))}`);
}

/** Runs the lifecycle; throws DemoStepFailure (with the step's output) when a step fails. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = (...lines: string[]): void => lines.forEach((line) => options.print?.(line));
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), "ecs-dynamic-routing-demo-"));
  // The default services' "database", made by hand like the services themselves.
  const storesDir = join(workDir, "stores");
  mkdirSync(storeDir(storesDir, "default"), { recursive: true });
  const logs = await startLogsEmulator();
  const ecs = await startEcsEmulator({ clusters: [CLUSTER], stabilizationMs: STABILIZATION_MS, drainMs: DRAIN_MS, logs });
  const github = await startGitHubEmulator();
  const client = new ECSClient({
    endpoint: ecs.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "emulator-secret-key" },
  });
  let router: DemoRouter | undefined;
  let auth: AuthServer | undefined;
  let watch: DefaultTrafficWatch | undefined;
  try {
    auth = await startAuthServer();
    router = await startDemoRouter({ ecs: client, cluster: CLUSTER, refreshMs: ROUTER_REFRESH_MS });
    const endpoints: DemoEndpoints = { routerUrl: router.url, authAddress: auth.address };
    const lifecycle: Lifecycle = { storesDir, ecs, logs, github, router, client, workDir, print };
    github.addRepository(REPOSITORY);
    github.addToken(WORKFLOW_TOKEN, { login: "github-actions[bot]", type: "Bot", installation: true });
    github.addPullRequest(REPOSITORY, { number: PULL_REQUEST, state: "open", headSha: PR_HEAD_SHA, headRef: "changes" });

    print("ecs-dynamic-routing demo: the root action's whole lifecycle against local ECS and GitHub API emulators");
    print(...formatTable(
      ["part", "address", "what"],
      [
        ["ECS emulator", ecs.url, `cluster ${CLUSTER}, the real ECS JSON protocol (AWS_ENDPOINT_URL_ECS)`],
        ["CloudWatch Logs emulator", logs.url, `log group ${LOG_GROUP}: what one-off tasks print (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS)`],
        ["GitHub API emulator", github.url, `${REPOSITORY}, pull request #${PULL_REQUEST} (GITHUB_API_URL)`],
        ["router", router.url, `Traefik's ECS provider, modelled: reads task labels every ${ROUTER_REFRESH_MS / 1000} s`],
        ["auth server", auth.address, "the team's forwardAuth: a request passes with its token, or to /health"],
      ],
    ));

    heading(lifecycle, "0. The cluster: three default services, deployed by hand, each with its own Traefik router");
    for (const service of BASE_SERVICES) ecs.seedService(baseServiceSeed(service, endpoints, storesDir));
    print(...formatTable(
      ["service", "router rule", "middlewares", "calls"],
      BASE_SERVICES.map((service) => [
        service.name,
        `PathPrefix(\`${service.path}\`)`,
        service.behindAuth === true ? `forwardAuth, stripPrefix ${service.path}, headers ${OWNER_HEADER}` : "-",
        service.calls ?? "-",
      ]),
    ));
    await waitUntilRouted(lifecycle, "shadow", (service) => service);
    const routing: DemoResult["routing"] = [{ stage: "before", rows: await observe(lifecycle, "(no copies yet: every request reaches the default services)") }];
    watch = new DefaultTrafficWatch(router.url, BASE_SERVICES);

    heading(lifecycle, "1. push to main: shadow copies of every service");
    const push = pushEvent({ branch: "main", after: MAIN_SHA });
    (push.repository as { default_branch: string }).default_branch = "main";
    const shadow = await runRootAction(lifecycle, "push to main", { name: "push", payload: push, ref: "refs/heads/main", sha: MAIN_SHA }, {
      cluster: CLUSTER,
      services: BASE_SERVICES.map(
        (service) =>
          `- service: ${service.name}\n  image: ${image(service.name, `main-${MAIN_SHA.slice(0, 7)}`)}` +
          (service.store === true ? `\n  environment:\n    ${storeOverride(storesDir).replace("=", ": ")}` : ""),
      ).join("\n"),
      "on-deploy": hooks(storesDir)["on-deploy"],
    });
    printServicesOutput(lifecycle, shadow.run);
    await waitUntilRouted(lifecycle, "shadow", (service) => `${service}--shadow`);
    routing.push({ stage: "push", rows: await observe(lifecycle, "after the push") });

    heading(lifecycle, `2. pull request #${PULL_REQUEST} opened, changes ${CHANGED_SERVICE}: its copy, comment, deployment and tests`);
    const probeUrl = `${router.url}/${CHANGED_SERVICE}/health`;
    const testCommand = [
      `curl -fsS -H "$ROUTE_HEADER" -H "Authorization: ${DEMO_AUTHORIZATION}" ${router.url}/${CHANGED_SERVICE}/ | grep -q "\\"route\\":\\"$ROUTE\\""`,
      `echo "ok - ${CHANGED_SERVICE} answers route $ROUTE for $ROUTE_HEADER"`,
      `curl -fsS -H "baggage: $ROUTE_BAGGAGE" -H "Authorization: ${DEMO_AUTHORIZATION}" ${router.url}/web/ | grep -q '"service":"${CHANGED_SERVICE}--'"$ROUTE"'"'`,
      `echo "ok - web reaches ${CHANGED_SERVICE}--$ROUTE downstream with baggage $ROUTE_BAGGAGE"`,
    ].join("\n");
    const pullRequestImage = image(CHANGED_SERVICE, `pr-${PULL_REQUEST}-${PR_HEAD_SHA.slice(0, 7)}`);
    if (options.failPullRequestDeploy === true) {
      ecs.failImage(pullRequestImage, "Essential container in task exited: orders exited with code 1 on start");
      print(`  (--fail-deploy: every task of ${pullRequestImage} exits on start)`);
    }
    const opened = pullRequestEvent("opened", { number: PULL_REQUEST, headSha: PR_HEAD_SHA, headRef: "changes" });
    const pullRequest = await runRootAction(
      lifecycle,
      `pull request #${PULL_REQUEST} opened`,
      { name: "pull_request", payload: opened, ref: `refs/pull/${PULL_REQUEST}/merge`, sha: PR_HEAD_SHA },
      {
        cluster: CLUSTER,
        service: CHANGED_SERVICE,
        image: pullRequestImage,
        "environment-url": `${router.url}/web/`,
        run: testCommand,
        "probe-urls": probeUrl,
        "probe-interval": "0.5",
        "probe-timeout": "30",
        environment: storeOverride(storesDir),
        ...hooks(storesDir),
      },
    );
    printServicesOutput(lifecycle, pullRequest.run);
    const testStep = pullRequest.run.steps.find((step) => step.id === "test");
    print("", `  INTEGRATION TESTS (exit code ${pullRequest.run.outputs["test-exit-code"] ?? "-"}), probe ${probeUrl}`);
    for (const line of (testStep?.stdout ?? "").split("\n").filter((candidate) => /^ok - |^not ok/.test(candidate))) print(`    ${line}`);
    await waitUntilRouted(lifecycle, ROUTE, (service) => (service === CHANGED_SERVICE ? `${service}--${ROUTE}` : `${service}--shadow`));
    routing.push({ stage: "pull request", rows: await observe(lifecycle, `with ${CHANGED_SERVICE}--${ROUTE} running`) });
    const afterDeploy = botComments(lifecycle).at(-1);
    printComment(lifecycle, `PULL REQUEST COMMENT (sticky, by github-actions[bot])`, afterDeploy);
    printDeployments(lifecycle);

    heading(lifecycle, `Tests inside the cluster: integration-test with runner: ecs-task runs them as a one-off ECS task`);
    const testTask = await runTestTaskStep(lifecycle, opened);

    heading(lifecycle, `Auth: ${CHANGED_SERVICE}--${ROUTE} runs the middlewares of ${CHANGED_SERVICE} (forwardAuth, stripPrefix, headers)`);
    const authChecks = await checkAuth(lifecycle, ["default", ROUTE]);

    heading(lifecycle, `Data: each route writes to its own store (on-deploy made it, ${STORE_DIR_VARIABLE} points at it)`);
    const storeRoutes = ["default", "shadow", ROUTE];
    await writeOrders(lifecycle, storeRoutes);
    const afterWrites = storeRoutes.map((route) => readStore(storesDir, route));
    printStores(lifecycle, "STORES OF ORDERS", afterWrites);

    heading(lifecycle, `3. pull request #${PULL_REQUEST} merged and closed: the reaper`);
    github.addPullRequest(REPOSITORY, { number: PULL_REQUEST, state: "closed", merged: true, headSha: PR_HEAD_SHA, headRef: "changes" });
    const closed = pullRequestEvent("closed", { number: PULL_REQUEST, headSha: PR_HEAD_SHA, headRef: "changes", merged: true });
    const reap = await runRootAction(
      lifecycle,
      `pull request #${PULL_REQUEST} closed`,
      { name: "pull_request", payload: closed, ref: `refs/pull/${PULL_REQUEST}/merge`, sha: PR_HEAD_SHA },
      { cluster: CLUSTER, "on-reap": hooks(storesDir)["on-reap"] },
    );
    const deleted = JSON.parse(reap.run.outputs.deleted || "[]") as DeletedService[];
    print("", "  THE REAPER DELETED");
    print(...formatTable(["service", "route", "reason"], deleted.map((entry) => [entry.service, entry.route ?? "-", entry.reason])));
    await waitUntilRouted(lifecycle, ROUTE, (service) => `${service}--shadow`);
    const servicesLeft = await servicesInCluster(client);
    print("", `  SERVICES LEFT IN CLUSTER ${CLUSTER}`);
    print(...formatTable(["service", "status"], servicesLeft.map((service) => [service.name, service.status])));
    routing.push({ stage: "close", rows: await observe(lifecycle, `after the close (${ROUTE} falls back to shadow)`) });
    const storesAfterClose = storeRoutes.map((route) => readStore(storesDir, route));
    printStores(lifecycle, `STORES OF ORDERS after the close (on-reap dropped ${ROUTE}'s)`, storesAfterClose);
    const afterClose = botComments(lifecycle).at(-1);
    printComment(lifecycle, "PULL REQUEST COMMENT after the close", afterClose);
    const deployments = printDeployments(lifecycle);

    const defaultTraffic = await watch.stop();
    watch = undefined;
    heading(lifecycle, "Default services");
    print(
      defaultTraffic.unexpected.length === 0
        ? `  ${defaultTraffic.requests} requests without a routing signal during the lifecycle: every one answered by web → orders → payments, the default services.`
        : `  ${defaultTraffic.unexpected.length} of ${defaultTraffic.requests} requests without a routing signal were NOT answered by the default services:`,
    );
    for (const line of defaultTraffic.unexpected.slice(0, 10)) print(`    ${line}`);
    if (defaultTraffic.unexpected.length > 0) throw new DemoStepFailure("requests without a routing signal", defaultTraffic.unexpected.join("\n"));
    const result: DemoResult = {
      routerUrl: router.url,
      routing,
      steps: [shadow, pullRequest, reap],
      comment: { afterDeploy, afterClose, botComments: botComments(lifecycle).length },
      deployments,
      deleted,
      servicesLeft,
      defaultTraffic,
      stores: { afterWrites, afterClose: storesAfterClose },
      auth: authChecks,
      testTask,
      seconds: seconds(started),
    };
    print("", `Done in ${result.seconds} s.`);
    return result;
  } finally {
    await watch?.stop();
    await router?.close();
    await auth?.close();
    client.destroy();
    await Promise.all([ecs.close(), logs.close(), github.close()]);
    rmSync(workDir, { recursive: true, force: true });
  }
}
