// Reap bench: a sweep of a 5,000-service cluster of which 1,000 copies are stale, against the ECS
// emulator throttling every call at 20/s (burst 50), as an account's token bucket would. Reports
// calls by operation, wall time and the lower bound (successful calls beyond the burst ÷ rate), then
// checks that exactly the stale copies are gone and nothing else was touched.
//   npm run bench -- reap
import { paginateListServices, paginateListTaskDefinitions } from "@aws-sdk/client-ecs";
import { MemoryLogger } from "../src/common/logger.js";
import { createTaggingClient } from "../src/ecs/tagged-revisions.js";
import { createEcsClient } from "../src/ecs/client.js";
import { MANAGED_BY, TAG } from "../src/ecs/tags.js";
import { createGitHubClient } from "../src/github/client.js";
import { tearDownRoute } from "../src/github/pull-request-experience.js";
import { reap, type ReapPlan, type TearDown } from "../src/reap/reap.js";
import { startEcsEmulator } from "../test/emulators/ecs/index.js";
import { startGitHubEmulator } from "../test/emulators/github/index.js";

const REPOSITORY = "Codertocat/Hello-World";
const TOKEN = "ghs_benchtoken";
const CLUSTER = "dev";
const BASES = 100;
/** pr-1 … pr-47 of this repository, plus shadow: 48 routes × 100 bases = 4,800 copies. */
const PULL_REQUESTS = 47;
/** pr-1 … pr-10 are closed (half merged): 10 × 100 = 1,000 stale copies. */
const CLOSED = 10;
const THROTTLE = { ratePerSecond: 20, burst: 50 };
const LATENCY_MS = 20;
const HOUR = 3_600_000;

export interface ReapBenchResult {
  services: number;
  stale: number;
  wallMs: number;
  lowerBoundMs: number;
  calls: Record<string, { ok: number; throttled: number; other: number }>;
  phasesMs: Record<string, number>;
  wrongDeletions: number;
  missedDeletions: number;
  wrongDeregistrations: number;
  missedDeregistrations: number;
}

function tagsOf(entries: Record<string, string | undefined>): { key: string; value: string }[] {
  return Object.entries(entries)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ({ key, value }));
}

export async function runReapBench(): Promise<ReapBenchResult> {
  const ecsEmulator = await startEcsEmulator({ latencyMs: LATENCY_MS, clusters: [CLUSTER] });
  const github = await startGitHubEmulator();
  github.addRepository(REPOSITORY);
  github.addToken(TOKEN, { login: "github-actions[bot]", type: "Bot", installation: true });
  const now = Date.now();
  const expected = { deleted: new Set<string>(), kept: new Set<string>() };
  const seed = (name: string, tags: Record<string, string | undefined>): void => {
    const taskDefinition = {
      family: name,
      containerDefinitions: [{ name: "app", image: `registry.example/${name.split("--")[0]}:1`, essential: true, memory: 128 }],
    };
    ecsEmulator.seedService({
      cluster: CLUSTER,
      taskDefinition,
      service: { serviceName: name, cluster: CLUSTER, desiredCount: 1 },
      tags: tagsOf(tags),
      stable: true,
    });
  };
  const copyTags = (base: string, route: string, repository = REPOSITORY): Record<string, string | undefined> => {
    const pr = /^pr-(\d+)$/.exec(route)?.[1];
    return {
      [TAG.managedBy]: MANAGED_BY,
      [TAG.route]: route,
      [TAG.kind]: route === "shadow" ? "shadow" : "ephemeral",
      [TAG.baseService]: base,
      [TAG.repository]: repository,
      [TAG.cluster]: CLUSTER,
      [TAG.commit]: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
      [TAG.createdAt]: new Date(now - 24 * HOUR).toISOString(),
      [TAG.pullRequest]: pr,
      [TAG.expiresAt]: pr === undefined ? undefined : new Date(now + 48 * HOUR).toISOString(),
    };
  };
  for (let number = 1; number <= PULL_REQUESTS; number++) {
    github.addPullRequest(REPOSITORY, { number, state: number <= CLOSED ? "closed" : "open", merged: number <= CLOSED / 2 });
  }
  for (let index = 0; index < BASES; index++) {
    const base = `svc-${String(index).padStart(3, "0")}`;
    for (const route of ["shadow", ...Array.from({ length: PULL_REQUESTS }, (_, n) => `pr-${n + 1}`)]) {
      const name = `${base}--${route}`;
      seed(name, copyTags(base, route));
      const number = /^pr-(\d+)$/.exec(route)?.[1];
      (number !== undefined && Number(number) <= CLOSED ? expected.deleted : expected.kept).add(name);
    }
    // Never to be touched: another repository's copy of a closed PR's route, and an unmanaged look-alike.
    seed(`${base}-other--pr-1`, copyTags(base, "pr-1", "Codertocat/Other"));
    seed(`legacy-${base}--pr-1`, { [TAG.route]: "pr-1", [TAG.repository]: REPOSITORY });
    expected.kept.add(`${base}-other--pr-1`).add(`legacy-${base}--pr-1`);
  }

  const previousEndpoint = process.env.AWS_ENDPOINT_URL_ECS;
  process.env.AWS_ENDPOINT_URL_ECS = ecsEmulator.url;
  const previousTaggingEndpoint = process.env.AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API;
  process.env.AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API = ecsEmulator.url;
  process.env.AWS_REGION ??= "us-east-1";
  process.env.AWS_ACCESS_KEY_ID ??= "AKIDEXAMPLE";
  process.env.AWS_SECRET_ACCESS_KEY ??= "emulator-secret-key";
  const ecs = createEcsClient();
  const plan: ReapPlan = {
    cluster: CLUSTER,
    repository: { name: REPOSITORY, id: undefined },
    owner: "Codertocat",
    repo: "Hello-World",
    mode: { kind: "sweep", maxAgeMs: undefined },
    includeShadow: false,
    dryRun: false,
    maxDeletions: 1000,
    deleteTaskDefinitions: false,
    maxConcurrency: 10,
    now: new Date(now),
  };
  const octokit = createGitHubClient(TOKEN, github.url);
  const logger = new MemoryLogger();

  ecsEmulator.resetCalls();
  ecsEmulator.configure({ throttle: THROTTLE });
  const started = Date.now();
  const tearDown: TearDown = ({ route, pullRequest, removed, reason }) =>
    tearDownRoute({ octokit, owner: plan.owner, repo: plan.repo, pullRequest, route, logger, removed, reason });
  const report = await reap(plan, { ecs, tagging: createTaggingClient(), github: octokit, tearDown, logger });
  const wallMs = Date.now() - started;
  const calls = ecsEmulator.calls();
  ecsEmulator.configure({ throttle: undefined });

  const byOperation: ReapBenchResult["calls"] = {};
  const phaseEnds: Record<string, number> = {};
  for (const call of calls) {
    const entry = (byOperation[call.operation] ??= { ok: 0, throttled: 0, other: 0 });
    if (call.outcome === "ok") entry.ok++;
    else if (call.outcome === "throttled") entry.throttled++;
    else entry.other++;
    phaseEnds[call.operation] = Math.max(phaseEnds[call.operation] ?? 0, call.at - started);
  }
  const successful = calls.filter((call) => call.outcome === "ok").length;
  const lowerBoundMs = (Math.max(0, successful - THROTTLE.burst) / THROTTLE.ratePerSecond) * 1000;

  // Verification, unthrottled: which services and task-definition revisions are left.
  const remaining = new Set<string>();
  for await (const page of paginateListServices({ client: ecs, pageSize: 100 }, { cluster: CLUSTER })) {
    for (const arn of page.serviceArns ?? []) remaining.add(arn.split("/").pop() as string);
  }
  const activeFamilies = new Set<string>();
  for await (const page of paginateListTaskDefinitions({ client: ecs, pageSize: 100 }, { status: "ACTIVE" })) {
    for (const arn of page.taskDefinitionArns ?? []) activeFamilies.add((arn.split("/").pop() as string).replace(/:\d+$/, ""));
  }
  ecs.destroy();
  await Promise.all([ecsEmulator.close(), github.close()]);
  if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_ECS;
  else process.env.AWS_ENDPOINT_URL_ECS = previousEndpoint;
  if (previousTaggingEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API;
  else process.env.AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API = previousTaggingEndpoint;

  const count = (names: Set<string>, predicate: (name: string) => boolean): number => [...names].filter(predicate).length;
  const errors = logger.lines.filter((line) => line.level === "error");
  if (errors.length > 0) throw new Error(`reap logged ${errors.length} error(s), first: ${errors[0]?.message}`);
  if (report.tornDown.length !== CLOSED) throw new Error(`reap tore down ${report.tornDown.length} routes, expected ${CLOSED}`);
  if (report.deleted.length !== expected.deleted.size) {
    throw new Error(`reap reported ${report.deleted.length} deletions, expected ${expected.deleted.size}`);
  }
  return {
    services: expected.deleted.size + expected.kept.size,
    stale: expected.deleted.size,
    wallMs,
    lowerBoundMs,
    calls: byOperation,
    phasesMs: phaseEnds,
    wrongDeletions: count(expected.kept, (name) => !remaining.has(name)),
    missedDeletions: count(expected.deleted, (name) => remaining.has(name)),
    wrongDeregistrations: count(expected.kept, (name) => !activeFamilies.has(name)),
    missedDeregistrations: count(expected.deleted, (name) => activeFamilies.has(name)),
  };
}

export function formatReapBench(result: ReapBenchResult): string {
  const lines = [
    `reap sweep: ${result.services} services, ${result.stale} stale, emulator throttle ${THROTTLE.ratePerSecond}/s burst ${THROTTLE.burst}, latency ${LATENCY_MS} ms`,
    "  operation                   ok  throttled  other  last call at",
  ];
  let total = 0;
  let throttled = 0;
  for (const [operation, counts] of Object.entries(result.calls)) {
    total += counts.ok + counts.throttled + counts.other;
    throttled += counts.throttled;
    lines.push(
      `  ${operation.padEnd(26)}${String(counts.ok).padStart(4)}${String(counts.throttled).padStart(11)}${String(counts.other).padStart(7)}  ${((result.phasesMs[operation] ?? 0) / 1000).toFixed(1)} s`,
    );
  }
  const ratio = result.wallMs / result.lowerBoundMs;
  lines.push(
    `  calls: ${total} (${throttled} throttled)`,
    `  wall time ${(result.wallMs / 1000).toFixed(1)} s; lower bound ${(result.lowerBoundMs / 1000).toFixed(1)} s (successful calls beyond the burst ÷ rate); ${ratio.toFixed(2)}× (target ≤ 1.3×)`,
    `  wrong deletions ${result.wrongDeletions}, missed ${result.missedDeletions}; wrong deregistrations ${result.wrongDeregistrations}, missed ${result.missedDeregistrations}`,
  );
  return lines.join("\n");
}

/** `npm run bench -- reap`: prints the figures; a wrong or missed deletion fails the run. */
export async function benchReap(): Promise<void> {
  const result = await runReapBench();
  console.log(formatReapBench(result));
  if (result.wrongDeletions + result.missedDeletions + result.wrongDeregistrations + result.missedDeregistrations > 0) {
    process.exitCode = 1;
  }
}
