// Chaos bench: deploys and sweeps through the committed bundles, run as the runner runs them, against
// the ECS emulator under a stated fault mix; some runs are SIGKILLed at a random moment and run again,
// as a cancelled job or a lost runner is. Afterwards, with the faults off, it counts what must be 0:
// failed runs, duplicate services and revisions, orphans and wrong deletions.
//   npm run bench -- chaos            (CHAOS_ROUTES=<n> for more or fewer routes, CHAOS_SEED=<n>)
import { DescribeServicesCommand, ECSClient, paginateListServices, paginateListTaskDefinitions, type Service } from "@aws-sdk/client-ecs";
import pLimit from "p-limit";
import { MANAGED_BY, TAG } from "../src/ecs/tags.js";
import { seedBaseService } from "../test/helpers/deploy.js";
import { seededRandom } from "../test/emulators/ecs/faults.js";
import { startEcsEmulator, type EcsEmulator } from "../test/emulators/ecs/index.js";
import { runBundle, type BundleRun } from "../test/helpers/action-runner.js";
import { pullRequestEvent } from "../test/helpers/webhooks.js";

const ROUTES = Number(process.env.CHAOS_ROUTES ?? 12);
const SEED = Number(process.env.CHAOS_SEED ?? 14);
const BASES = ["orders", "payments"];
const FAULTS = { throttleFraction: 0.3, serverErrorRate: 0.05, serverErrorAfterRate: 0.05 };
/** Share of runs killed, and when: uniformly within this window after the process starts. */
const KILL_SHARE = 0.4;
const KILL_WINDOW_MS = [300, 4_000] as const;
/** A killed run is run again until one runs to its end; the last try is never killed. */
const MAX_TRIES = 3;
const CONCURRENT_RUNS = 3;
const OTHER_REPOSITORY = "Codertocat/Other";

interface Job {
  name: string;
  run: (killAfterMs: number | undefined) => Promise<BundleRun>;
}

interface JobOutcome {
  name: string;
  tries: number;
  killed: number;
  final: BundleRun;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs a job, killing it at a random moment with probability KILL_SHARE per try, until a try runs to its end. */
async function runWithKills(job: Job, random: () => number): Promise<JobOutcome> {
  let killed = 0;
  for (let tries = 1; ; tries++) {
    const kill = tries < MAX_TRIES && random() < KILL_SHARE;
    const killAfterMs = kill ? KILL_WINDOW_MS[0] + random() * (KILL_WINDOW_MS[1] - KILL_WINDOW_MS[0]) : undefined;
    const run = await job.run(killAfterMs);
    if (run.killed) {
      killed++;
      continue;
    }
    return { name: job.name, tries, killed, final: run };
  }
}

function deployJob(emulator: EcsEmulator, route: number, push: number, ttl: string): Job {
  const headSha = `${String(push).repeat(7)}${String(route).padStart(33, "0")}`.slice(0, 40);
  return {
    name: `deploy pr-${route} push ${push}`,
    run: (killAfterMs) =>
      runBundle("deploy-ephemeral", {
        inputs: {
          services: BASES.map((base) => `- service: ${base}\n  image: registry.example.com/${base}:pr-${route}-${push}`).join("\n"),
          ttl,
          comment: "false",
          deployment: "false",
          "timeout-minutes": "3",
        },
        event: { name: "pull_request", payload: pullRequestEvent(push === 1 ? "opened" : "synchronize", { number: route, headSha }) },
        env: { AWS_ENDPOINT_URL_ECS: emulator.url },
        ...(killAfterMs !== undefined ? { killAfterMs } : {}),
      }),
  };
}

function sweepJob(emulator: EcsEmulator, index: number): Job {
  return {
    name: `sweep ${index}`,
    run: (killAfterMs) =>
      runBundle("reap", {
        inputs: { sweep: "true", "max-deletions": "1000" },
        event: { name: "schedule", payload: {} },
        env: { AWS_ENDPOINT_URL_ECS: emulator.url },
        ...(killAfterMs !== undefined ? { killAfterMs } : {}),
      }),
  };
}

function tagsOf(service: Service): Record<string, string> {
  return Object.fromEntries((service.tags ?? []).map((tag) => [tag.key ?? "", tag.value ?? ""]));
}

interface ClusterState {
  /** ACTIVE and DRAINING services by name. */
  services: Map<string, Service>;
  /** ACTIVE revisions by family. */
  revisions: Map<string, string[]>;
}

async function readCluster(client: ECSClient): Promise<ClusterState> {
  const names: string[] = [];
  for await (const page of paginateListServices({ client }, { cluster: "default" })) {
    names.push(...(page.serviceArns ?? []).map((arn) => arn.slice(arn.lastIndexOf("/") + 1)));
  }
  const services = new Map<string, Service>();
  for (let start = 0; start < names.length; start += 10) {
    const answer = await client.send(new DescribeServicesCommand({ cluster: "default", services: names.slice(start, start + 10), include: ["TAGS"] }));
    for (const service of answer.services ?? []) if (service.status !== "INACTIVE") services.set(service.serviceName ?? "", service);
  }
  const revisions = new Map<string, string[]>();
  for await (const page of paginateListTaskDefinitions({ client }, { status: "ACTIVE" })) {
    for (const arn of page.taskDefinitionArns ?? []) {
      const familyRevision = arn.slice(arn.lastIndexOf("/") + 1);
      const family = familyRevision.slice(0, familyRevision.lastIndexOf(":"));
      revisions.set(family, [...(revisions.get(family) ?? []), familyRevision]);
    }
  }
  return { services, revisions };
}

export async function benchChaos(): Promise<void> {
  const random = seededRandom(SEED);
  const emulator = await startEcsEmulator({ stabilizationMs: 1_500, steadyStateMs: 500, drainMs: 500, seed: SEED });
  process.env.AWS_ACCESS_KEY_ID ??= "AKIDEXAMPLE";
  process.env.AWS_SECRET_ACCESS_KEY ??= "emulator-secret-key";
  const client = new ECSClient({ region: "us-east-1", endpoint: emulator.url });
  try {
    for (const base of BASES) seedBaseService(emulator, base, { desiredCount: 1 });
    // Bystanders no run may touch: another repository's copy and an unmanaged look-alike.
    emulator.seedService({
      taskDefinition: { family: "orders--pr-90", containerDefinitions: [{ name: "app", image: "registry.example.com/orders:other", essential: true, memory: 128 }] },
      service: { serviceName: "orders--pr-90", desiredCount: 1 },
      tags: [
        { key: TAG.managedBy, value: MANAGED_BY },
        { key: TAG.repository, value: OTHER_REPOSITORY },
        { key: TAG.route, value: "pr-90" },
        { key: TAG.expiresAt, value: new Date(Date.now() - 3_600_000).toISOString() },
      ],
      stable: true,
    });
    emulator.seedService({
      taskDefinition: { family: "payments--pr-91", containerDefinitions: [{ name: "app", image: "registry.example.com/payments:legacy", essential: true, memory: 128 }] },
      service: { serviceName: "payments--pr-91", desiredCount: 1 },
      stable: true,
    });
    const bystanders = ["orders", "payments", "orders--pr-90", "payments--pr-91"];

    // Odd routes live 1 s (the sweep must remove them), even ones 72 h (it must keep them); every third is pushed twice.
    const pushes = new Map<number, number>();
    const deploys: Job[] = [];
    for (let route = 1; route <= ROUTES; route++) {
      pushes.set(route, route % 3 === 0 ? 2 : 1);
      deploys.push(deployJob(emulator, route, 1, route % 2 === 1 ? "1s" : "72h"));
    }
    const secondPushes = [...pushes].filter(([, count]) => count === 2).map(([route]) => deployJob(emulator, route, 2, route % 2 === 1 ? "1s" : "72h"));

    emulator.configure(FAULTS);
    emulator.resetCalls();
    const started = Date.now();
    const limit = pLimit(CONCURRENT_RUNS);
    const outcomes: JobOutcome[] = [];
    outcomes.push(...(await Promise.all(deploys.map((job) => limit(() => runWithKills(job, random))))));
    outcomes.push(...(await Promise.all(secondPushes.map((job) => limit(() => runWithKills(job, random))))));
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the odd routes' ttl passes
    for (let index = 1; index <= 2; index++) outcomes.push(await runWithKills(sweepJob(emulator, index), random));
    const wallMs = Date.now() - started;
    const calls = emulator.calls();
    emulator.configure({ throttleFraction: 0, serverErrorRate: 0, serverErrorAfterRate: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // deleted copies finish DRAINING

    const state = await readCluster(client);
    const failedRuns = outcomes.filter((outcome) => outcome.final.exitCode !== 0);
    const findings = { failed: failedRuns.map((outcome) => `${outcome.name}: ${outcome.final.errors[0] ?? `exit code ${outcome.final.exitCode}`}`), duplicateServices: [] as string[], duplicateRevisions: [] as string[], orphans: [] as string[], wrongDeletions: [] as string[] };

    const copies = new Map<string, string[]>();
    for (const [name, service] of state.services) {
      const tags = tagsOf(service);
      if (tags[TAG.managedBy] !== MANAGED_BY || tags[TAG.repository] === OTHER_REPOSITORY) continue;
      const key = `${tags[TAG.baseService] ?? "?"} of ${tags[TAG.route] ?? "?"}`;
      copies.set(key, [...(copies.get(key) ?? []), name]);
    }
    for (const [key, names] of copies) if (names.length > 1) findings.duplicateServices.push(`${key}: ${names.join(", ")}`);

    for (let route = 1; route <= ROUTES; route++) {
      const swept = route % 2 === 1;
      for (const base of BASES) {
        const name = `${base}--pr-${route}`;
        const service = state.services.get(name);
        const revisions = state.revisions.get(name) ?? [];
        if (swept) {
          if (service !== undefined) findings.orphans.push(`service ${name} (${service.status}) of an expired route`);
          if (revisions.length > 0) findings.orphans.push(`${revisions.join(", ")}: ACTIVE revisions of an expired route`);
        } else {
          if (service?.status !== "ACTIVE") findings.wrongDeletions.push(`service ${name} of a live route is ${service?.status ?? "gone"}`);
          const expected = pushes.get(route) ?? 1;
          if (revisions.length > expected) findings.duplicateRevisions.push(`${name}: ${revisions.length} ACTIVE revisions for ${expected} push(es) (${revisions.join(", ")})`);
        }
      }
    }
    for (const name of bystanders) {
      if (state.services.get(name)?.status !== "ACTIVE") findings.wrongDeletions.push(`bystander service ${name} is ${state.services.get(name)?.status ?? "gone"}`);
      if ((state.revisions.get(name) ?? []).length === 0) findings.wrongDeletions.push(`bystander family ${name} has no ACTIVE revision`);
    }

    const count = (outcome: string, mutating?: boolean): number =>
      calls.filter((call) => call.outcome === outcome && (mutating === undefined || call.mutating === mutating)).length;
    const deployOutcomes = outcomes.filter((outcome) => outcome.name.startsWith("deploy"));
    const sweepOutcomes = outcomes.filter((outcome) => outcome.name.startsWith("sweep"));
    const killed = (list: JobOutcome[]): number => list.reduce((sum, outcome) => sum + outcome.killed, 0);
    console.log(
      `chaos: ${ROUTES} routes × ${BASES.length} services (odd routes ttl 1 s, swept; even ones kept; every third pushed twice), seed ${SEED}`,
    );
    console.log(
      `faults: ${FAULTS.throttleFraction * 100} % of calls throttled, ${FAULTS.serverErrorRate * 100} % answered 500 before taking effect, ` +
        `${FAULTS.serverErrorAfterRate * 100} % of mutating calls answered 500 after taking effect; ${KILL_SHARE * 100} % of runs SIGKILLed ` +
        `${seconds(KILL_WINDOW_MS[0])}–${seconds(KILL_WINDOW_MS[1])} after start and run again (at most ${MAX_TRIES - 1} kills a job)`,
    );
    console.log(
      `runs: ${deployOutcomes.length} deploy jobs (${killed(deployOutcomes)} runs killed), ${sweepOutcomes.length} sweeps (${killed(sweepOutcomes)} runs killed); ` +
        `${calls.length} ECS calls: ${count("throttled")} throttled, ${count("server-error")} 500 before effect, ${count("server-error-after-effect")} 500 after effect; wall ${seconds(wallMs)}`,
    );
    const rows: [string, string[]][] = [
      ["failed runs", findings.failed],
      ["duplicate services", findings.duplicateServices],
      ["duplicate revisions", findings.duplicateRevisions],
      ["orphans", findings.orphans],
      ["wrong deletions", findings.wrongDeletions],
    ];
    for (const [label, items] of rows) {
      console.log(`  ${label.padEnd(20)} ${items.length}`);
      for (const item of items) console.log(`    - ${item}`);
    }
    if (rows.some(([, items]) => items.length > 0)) process.exitCode = 1;
  } finally {
    client.destroy();
    await emulator.close();
  }
}
