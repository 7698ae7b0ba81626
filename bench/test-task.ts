// Test-task bench: integration-test with runner: ecs-task through its committed bundle, against the
// ECS and CloudWatch Logs emulators. Measures the time from the test task's start (its startedAt,
// when the container prints its first line) to that line in the step log, for several
// log-poll-interval values. The task is PENDING for a different time each run (0.6–1.4 s), so the
// start falls at a different phase of the poll each time, as a real task's does.
//   npm run bench -- test-task
import { DescribeTasksCommand, ListTasksCommand } from "@aws-sdk/client-ecs";
import { startEcsEmulator } from "../test/emulators/ecs/index.js";
import { ecsClient } from "../test/helpers/ecs.js";
import { startLogsEmulator } from "../test/emulators/logs/index.js";
import { runBundle } from "../test/helpers/action-runner.js";
import { pullRequestEvent } from "../test/helpers/webhooks.js";
import { loggingTaskDefinition, seedBaseService } from "../test/helpers/deploy.js";

const INTERVALS_SECONDS = [0.5, 1, 2, 5];
const RUNS = 5;
const FIRST_LINE = "first line of the tests";

export interface TestTaskBenchRow {
  intervalSeconds: number;
  /** Task start → first line in the step log, per run (ms). */
  latenciesMs: number[];
  /** GetLogEvents calls per run, median. */
  getLogEventsPerRun: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function runTestTaskBench(): Promise<TestTaskBenchRow[]> {
  const logs = await startLogsEmulator();
  const ecs = await startEcsEmulator({ logs });
  const client = ecsClient(ecs);
  seedBaseService(ecs, "orders", { desiredCount: 1, taskDefinition: loggingTaskDefinition("orders") });
  const rows: TestTaskBenchRow[] = [];
  try {
    for (const intervalSeconds of INTERVALS_SECONDS) {
      const latenciesMs: number[] = [];
      const logCalls: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const startMs = 600 + Math.round((800 * run) / (RUNS - 1));
        ecs.configure({ runTask: { startMs, runMs: 1000, exitCode: 0, logLines: [FIRST_LINE, "ok - 1", "ok - 2"] } });
        const callsBefore = logs.calls().length;
        let firstLineAt: number | undefined;
        const result = await runBundle("integration-test", {
          event: { name: "pull_request", payload: pullRequestEvent("opened", { number: 7 }) },
          inputs: { run: "npm test", runner: "ecs-task", "test-image": "ghcr.io/acme/shop-tests:1", "task-base-service": "orders", "log-poll-interval": String(intervalSeconds) },
          env: { AWS_ENDPOINT_URL_ECS: ecs.url, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.url },
          onStdout: (chunk) => {
            if (firstLineAt === undefined && chunk.split("\n").includes(FIRST_LINE)) firstLineAt = Date.now();
          },
        });
        if (result.exitCode !== 0 || firstLineAt === undefined) throw new Error(`bench run failed (exit ${result.exitCode}):\n${result.stdout}${result.stderr}`);
        const { taskArns = [] } = await client.send(new ListTasksCommand({ desiredStatus: "STOPPED", startedBy: "ecs-dynamic-routing" }));
        const tasks = (await client.send(new DescribeTasksCommand({ tasks: taskArns }))).tasks ?? [];
        const newest = tasks.reduce((latest, task) => ((task.startedAt?.getTime() ?? 0) > (latest?.startedAt?.getTime() ?? 0) ? task : latest), tasks[0]);
        const startedAt = newest?.startedAt?.getTime();
        if (startedAt === undefined) throw new Error("the bench's task has no startedAt");
        latenciesMs.push(firstLineAt - startedAt);
        logCalls.push(logs.calls().length - callsBefore);
      }
      rows.push({ intervalSeconds, latenciesMs, getLogEventsPerRun: median(logCalls) });
    }
  } finally {
    client.destroy();
    await ecs.close();
    await logs.close();
  }
  return rows;
}

export async function benchTestTask(): Promise<void> {
  const rows = await runTestTaskBench();
  console.log("| log-poll-interval | task start → first line in the step log: median | min | max | GetLogEvents per run (median) |");
  console.log("|---|---|---|---|---|");
  for (const row of rows) {
    const seconds = (ms: number): string => (ms / 1000).toFixed(2);
    console.log(
      `| ${row.intervalSeconds} s | ${seconds(median(row.latenciesMs))} s | ${seconds(Math.min(...row.latenciesMs))} s | ${seconds(Math.max(...row.latenciesMs))} s | ${row.getLogEventsPerRun} |`,
    );
  }
  console.log(`\n${RUNS} runs per interval; the task is PENDING 0.6–1.4 s, then prints its first line as it starts.`);
}
