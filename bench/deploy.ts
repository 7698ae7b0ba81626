// Deploy benchmark, in one process against the ECS emulator (rollouts take `STABILIZATION_MS`):
// 1. overshoot: from the emulator's deploymentCompletedAt to deployRoute returning (median);
// 2. K = 1 and K = 5 services deployed by deployRoute (concurrently, one poller) versus the way
//    aws-actions/amazon-ecs-deploy-task-definition does it: one service per step, one after another,
//    each awaited with the SDK's waitUntilServicesStable (minDelay 15 s);
// 3. ECS calls per deploy, by operation.
// Calls src/ecs/deploy.ts directly so process start does not dominate the timings.
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { silentLogger } from "../src/common/logger.js";
import { deployRoute } from "../src/deploy/deploy.js";
import type { DeployRouteOptions } from "../src/deploy/options.js";
import { DEFAULT_PRIORITIES } from "../src/routing/labels.js";
import { DEFAULT_SIGNAL_NAMES } from "../src/routing/signal.js";
import { seedBaseService } from "../test/deploy/fixtures.js";
import { startEcsEmulator, type EcsEmulator } from "../test/emulators/ecs/index.js";

const STABILIZATION_MS = 5_000;
const OVERSHOOT_RUNS = 7;
const BASES = ["orders", "payments", "catalog", "shipping", "billing"];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
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
    tags: { repository: "acme/shop", commit: image, pullRequest: 1, expiresAt: undefined, userTags: {} },
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

    console.log(`Emulated rollout time D = ${seconds(STABILIZATION_MS)}; poll interval 2 s with jitter.\n`);
    const overshoots: number[] = [];
    for (let run = 0; run < OVERSHOOT_RUNS; run++) {
      await deployRoute(options(client, "pr-1", ["orders"], `overshoot-${run}`));
      const returnedAt = Date.now();
      overshoots.push(returnedAt - (emulator.deploymentCompletedAt("default", "orders--pr-1") ?? returnedAt));
    }

    const rows: string[][] = [["measure", "deployRoute", "peer (waitUntilServicesStable, sequential)", "ratio peer / ours", "target"]];
    rows.push(["overshoot after COMPLETED, median", seconds(median(overshoots)), "", "", "≤ 1 s"]);
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
    printTable(rows);
    console.log(`\nOvershoot runs: ${overshoots.map((value) => seconds(value)).join(", ")}\n`);
    console.log(`ECS calls of one ${BASES.length}-service deployRoute (target: ≤ 5 non-polling calls per service):\n`);
    printTable(callTable(createCalls, updateCalls, BASES.length));
  } finally {
    client.destroy();
    await emulator.close();
  }
}
