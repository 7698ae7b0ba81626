// Deploy benchmark, in one process against the ECS emulator (rollouts take `STABILIZATION_MS`):
// 1. overshoot: from the emulator's deploymentCompletedAt to deployRoute returning (median, p90),
//    with every push's rollout as long as the last, and with rollouts varying from push to push;
// 2. K = 1 and K = 5 services deployed by deployRoute (concurrently, one poller) versus the way
//    aws-actions/amazon-ecs-deploy-task-definition does it: one service per step, one after another,
//    each awaited with the SDK's waitUntilServicesStable (minDelay 15 s);
// 3. the poll budget: ECS calls of a one-service 30 s rollout, ours and the peer's;
// 4. ECS calls per deploy, by operation;
// 5. cold start of the committed bundle: process start to its first line.
// Calls src/deploy/deploy.ts directly (but for 5) so process start does not dominate the timings.
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../src/common/logger.js";
import { deployRoute } from "../src/deploy/deploy.js";
import type { DeployRouteOptions } from "../src/deploy/options.js";
import { FAST_POLL_MS } from "../src/deploy/wait.js";
import { DEFAULT_PRIORITIES } from "../src/routing/labels.js";
import { DEFAULT_SIGNAL_NAMES } from "../src/routing/signal.js";
import { seedBaseService } from "../test/helpers/deploy.js";
import { seededRandom } from "../test/emulators/ecs/faults.js";
import { startEcsEmulator, type EcsEmulator } from "../test/emulators/ecs/index.js";
import { runnerEnvironment } from "../test/helpers/action-runner.js";
import { pullRequestEvent } from "../test/helpers/webhooks.js";

const STABILIZATION_MS = 5_000;
const OVERSHOOT_RUNS = 20;
/** The varying runs: rollouts 0.8–1.2 × D, all new tasks running for the last 2 s of each. */
const VARYING_STEADY_STATE_MS = 2_000;
const BUDGET_ROLLOUT_MS = 30_000;
const COLD_START_RUNS = 5;
const BASES = ["orders", "payments", "catalog", "shipping", "billing"];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The value at or below which 90 % of the values lie. */
function p90(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.9) - 1)] as number;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  const line = (row: string[]): string => `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  console.log(line(rows[0] ?? []));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of rows.slice(1)) console.log(line(row));
}

function options(client: ECSClient, route: string, services: string[], image: string): DeployRouteOptions {
  return {
    client,
    cluster: "default",
    route,
    kind: "ephemeral",
    services: services.map((service) => ({ service, container: "app", image: `registry.example.com/${service}:${image}`, match: undefined, port: undefined, protocol: "http", environment: {}, input: "services" })),
    routing: {
      signal: DEFAULT_SIGNAL_NAMES,
      ruleSyntax: "v3",
      entrypoints: [],
      priority: DEFAULT_PRIORITIES.route,
      fallbackPriority: DEFAULT_PRIORITIES.shadowFallback,
      fallback: "default",
    },
    desiredCount: 1,
    wait: true,
    timeoutMs: 15 * 60_000,
    maxConcurrency: 5,
    tags: { repository: "acme/shop", repositoryId: "1296269", cluster: "default", sharedRoute: false, commit: image, pullRequest: 1, expiresAt: undefined, userTags: {} },
    logger: silentLogger,
  };
}

/** The fields the peer strips before registering (its index.js). */
const PEER_READ_ONLY_FIELDS = ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy", "deregisteredAt"];

/** What the peer action does for one service: register a new revision, update, wait with the SDK waiter. */
async function peerDeploy(client: ECSClient, service: string, image: string): Promise<void> {
  const current = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: service }));
  const definition: Record<string, unknown> & TaskDefinition = { ...current.taskDefinition };
  for (const field of PEER_READ_ONLY_FIELDS) delete definition[field];
  const containerDefinitions = (definition.containerDefinitions ?? []).map((container) => (container.name === "app" ? { ...container, image } : container));
  const registered = await client.send(new RegisterTaskDefinitionCommand({ ...(definition as RegisterTaskDefinitionCommandInput), containerDefinitions }));
  await client.send(new UpdateServiceCommand({ cluster: "default", service, taskDefinition: registered.taskDefinition?.taskDefinitionArn }));
  await waitUntilServicesStable({ client, maxWaitTime: 600, minDelay: 15 }, { cluster: "default", services: [service] });
}

/**
 * The committed bundle started as the runner starts it (a pull_request event, `wait: false`, no
 * comment): ms from spawning the process to its first line, as the peer's ≈ 0.30 s was measured.
 */
async function coldStart(emulator: EcsEmulator): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), "cold-start-"));
  const eventPath = join(workDir, "event.json");
  writeFileSync(eventPath, JSON.stringify(pullRequestEvent("opened", { number: 9 })));
  for (const file of ["output", "summary"]) writeFileSync(join(workDir, file), "");
  const inputs = { service: "orders", image: "registry.example.com/orders:cold", wait: "false", comment: "false", deployment: "false" };
  const env = {
    PATH: process.env.PATH,
    ...runnerEnvironment(workDir),
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_OUTPUT: join(workDir, "output"),
    GITHUB_STEP_SUMMARY: join(workDir, "summary"),
    AWS_ENDPOINT_URL_ECS: emulator.url,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  };
  const started = performance.now();
  const child = spawn(process.execPath, ["dist/deploy-ephemeral/index.js"], { env, stdio: ["ignore", "pipe", "inherit"] });
  const firstLine = await new Promise<number>((resolve) => child.stdout.once("data", () => resolve(performance.now() - started)));
  child.stdout.resume();
  const exitCode = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (exitCode !== 0) throw new Error(`the cold-start run exited with ${exitCode}`);
  return firstLine;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = Date.now();
  await run();
  return Date.now() - start;
}

/** ECS calls of the deploy just run, by operation; polling = DescribeServices after the last mutating call. */
function callsPerDeploy(emulator: EcsEmulator, services: number, waitMs: number): { operations: Map<string, number>; nonPolling: number; pollsPer2sPer10: number } {
  const calls = emulator.calls();
  const lastMutation = Math.max(...calls.filter((call) => call.mutating).map((call) => call.at));
  const polling = calls.filter((call) => call.operation === "DescribeServices" && call.at > lastMutation).length;
  const operations = new Map<string, number>();
  for (const call of calls) operations.set(call.operation, (operations.get(call.operation) ?? 0) + 1);
  return { operations, nonPolling: calls.length - polling, pollsPer2sPer10: polling / (waitMs / 2_000) / Math.ceil(services / 10) };
}

function callTable(create: ReturnType<typeof callsPerDeploy>, update: ReturnType<typeof callsPerDeploy>, services: number): string[][] {
  const names = [...new Set([...create.operations.keys(), ...update.operations.keys()])].sort();
  const perService = (count: number | undefined): string => ((count ?? 0) / services).toFixed(1);
  return [
    ["operation", "create (first push), per service", "update (next push), per service"],
    ...names.map((name) => [name, perService(create.operations.get(name)), perService(update.operations.get(name))]),
    ["non-polling calls", perService(create.nonPolling), perService(update.nonPolling)],
    ["DescribeServices polls per 2 s per 10 services", create.pollsPer2sPer10.toFixed(2), update.pollsPer2sPer10.toFixed(2)],
  ];
}

export async function benchDeploy(): Promise<void> {
  const emulator = await startEcsEmulator({ stabilizationMs: STABILIZATION_MS });
  process.env.AWS_ACCESS_KEY_ID ??= "AKIDEXAMPLE";
  process.env.AWS_SECRET_ACCESS_KEY ??= "emulator-secret-key";
  const client = new ECSClient({ region: "us-east-1", endpoint: emulator.url, retryMode: "adaptive", maxAttempts: 10 });
  try {
    for (const name of BASES) seedBaseService(emulator, name, { desiredCount: 1 });
    // Route services exist before the comparison: the peer can only update an existing service.
    await deployRoute({ ...options(client, "pr-1", BASES, "v0"), wait: false });

    console.log(`Emulated rollout time D = ${seconds(STABILIZATION_MS)}; fast poll interval ${seconds(FAST_POLL_MS)}.\n`);
    const overshoot = async (image: string): Promise<number> => {
      await deployRoute(options(client, "pr-1", ["orders"], image));
      const returnedAt = Date.now();
      return returnedAt - (emulator.deploymentCompletedAt("default", "orders--pr-1") ?? returnedAt);
    };
    const overshoots: number[] = [];
    for (let run = 0; run < OVERSHOOT_RUNS; run++) overshoots.push(await overshoot(`overshoot-${run}`));
    const varying: number[] = [];
    const rolloutFactor = seededRandom(11);
    emulator.configure({ steadyStateMs: VARYING_STEADY_STATE_MS });
    for (let run = 0; run < OVERSHOOT_RUNS; run++) {
      emulator.configure({ stabilizationMs: Math.round(STABILIZATION_MS * (0.8 + 0.4 * rolloutFactor())) });
      varying.push(await overshoot(`varying-${run}`));
    }
    emulator.configure({ stabilizationMs: STABILIZATION_MS, steadyStateMs: 0 });

    const rows: string[][] = [["measure", "deployRoute", "peer (waitUntilServicesStable, sequential)", "ratio peer / ours", "target"]];
    rows.push(["overshoot after COMPLETED, median", seconds(median(overshoots)), "", "", "≤ 1 s"]);
    rows.push(["overshoot after COMPLETED, p90", seconds(p90(overshoots)), "", "", "≤ 1.5 s"]);
    rows.push(["overshoot, rollouts varying ±20 %, median", seconds(median(varying)), "", "", ""]);
    rows.push(["overshoot, rollouts varying ±20 %, p90", seconds(p90(varying)), "", "", ""]);
    emulator.resetCalls();
    const createMs = await timed(() => deployRoute(options(client, "pr-2", BASES, "create")));
    const createCalls = callsPerDeploy(emulator, BASES.length, createMs);
    let updateCalls = createCalls;
    for (const count of [1, 5]) {
      const services = BASES.slice(0, count);
      emulator.resetCalls();
      const ours = await timed(() => deployRoute(options(client, "pr-1", services, `ours-${count}`)));
      if (count === 5) updateCalls = callsPerDeploy(emulator, count, ours);
      const peer = await timed(async () => {
        for (const service of services) await peerDeploy(client, `${service}--pr-1`, `registry.example.com/${service}:peer-${count}`);
      });
      rows.push([`K = ${count} service${count > 1 ? "s" : ""}, total`, seconds(ours), seconds(peer), `${(peer / ours).toFixed(1)}×`, count === 5 ? `≤ D + 2 s = ${seconds(STABILIZATION_MS + 2_000)}` : ""]);
    }

    // The poll budget: a PR's next push to a copy whose last rollout took 30 s, as the peer's 7 calls were measured.
    emulator.configure({ stabilizationMs: BUDGET_ROLLOUT_MS });
    await deployRoute(options(client, "pr-3", ["orders"], "budget-first"));
    emulator.resetCalls();
    await deployRoute(options(client, "pr-3", ["orders"], "budget-ours"));
    const budgetReturnedAt = Date.now();
    const oursBudget = emulator.calls().length;
    const budgetOvershoot = budgetReturnedAt - (emulator.deploymentCompletedAt("default", "orders--pr-3") ?? budgetReturnedAt);
    emulator.resetCalls();
    await peerDeploy(client, "orders--pr-3", "registry.example.com/orders:budget-peer");
    const peerBudget = emulator.calls().length;
    emulator.configure({ stabilizationMs: STABILIZATION_MS });
    rows.push([
      `ECS calls, one service, D = ${seconds(BUDGET_ROLLOUT_MS)}`,
      `${oursBudget} (overshoot ${seconds(budgetOvershoot)})`,
      String(peerBudget),
      `${(oursBudget / peerBudget).toFixed(2)}× of the peer's`,
      `≤ 1.5× the peer's = ${Math.floor(peerBudget * 1.5)}`,
    ]);
    printTable(rows);
    console.log(`\nOvershoot runs: ${overshoots.map((value) => seconds(value)).join(", ")}`);
    console.log(`Varying runs: ${varying.map((value) => seconds(value)).join(", ")}\n`);
    console.log(`ECS calls of one ${BASES.length}-service deployRoute (target: ≤ 5 non-polling calls per service):\n`);
    printTable(callTable(createCalls, updateCalls, BASES.length));
    const coldStarts: number[] = [];
    for (let run = 0; run < COLD_START_RUNS; run++) coldStarts.push(await coldStart(emulator));
    console.log(`\nCold start of dist/deploy-ephemeral/index.js, process start to its first line: median ${seconds(median(coldStarts))} of ${coldStarts.map((value) => seconds(value)).join(", ")}`);
  } finally {
    client.destroy();
    await emulator.close();
  }
}
