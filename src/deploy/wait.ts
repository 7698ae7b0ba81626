// The last step of a deploy: one poller for every copy until each is stable, failed or out of time.
import { DescribeTasksCommand, ListTasksCommand, type ECSClient, type Service } from "@aws-sdk/client-ecs";
import { setTimeout as sleep } from "node:timers/promises";
import { formatDuration } from "../common/duration.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { describeServices } from "../ecs/describe.js";

export const DEFAULT_POLL_INTERVAL_MS = 2_000;
/** The poll interval once a rollout is finishing: the median overshoot after COMPLETED is about half of it. */
export const FAST_POLL_MS = 1_250;
/** The longest wait between polls while tasks are provisioning is this many fast intervals (15 s, the peer's waiter delay). */
const SLOW_POLL_FACTOR = 12;
/** A poll aimed at the expected end of a rollout lands this much after it. */
const EXPECTED_END_OFFSET_MS = 250;

/** One route service to wait for, on the task definition this run registered. */
export interface WaitTarget {
  serviceName: string;
  taskDefinitionArn: string;
  /**
   * Epoch ms the rollout is expected to complete, when known: the moment the copy was created or
   * updated plus how long its (or its base's) last rollout took (`completedRolloutMs`).
   */
  expectedEnd?: number;
}

export type DeploymentState =
  | { state: "pending"; progress: string; /** running has reached desired: old tasks are stopping. */ finishing: boolean }
  | { state: "stable" }
  | { state: "failed"; reason: string };

export interface WaitOutcome {
  serviceName: string;
  status: "stable" | "failed" | "timeout";
  /** When the outcome was seen (epoch ms). */
  at: number;
  /** Why it failed: the rollout's message plus the stopped tasks' reasons. */
  reason?: string;
}

export interface WaitOptions {
  client: ECSClient;
  cluster: string;
  /** The whole deploy's budget (`timeout-minutes`), counted from `startedAt`. */
  timeoutMs: number;
  /** Epoch ms the deploy started; default now. */
  startedAt?: number;
  logger: Logger;
  /** The fast poll interval (FAST_POLL_MS); slow waits are multiples of it. Shorter only in tests. */
  intervalMs?: number;
  random?: () => number;
}

/**
 * Pure: where the rollout of `taskDefinitionArn` on `service` stands. Stable when the PRIMARY
 * deployment is ours and COMPLETED, or (for a service without rollout state) the only deployment
 * is ours with running = desired. Failed when our deployment is FAILED (the circuit breaker rolled
 * back) or another deployment has replaced it.
 */
export function deploymentState(service: Service, taskDefinitionArn: string): DeploymentState {
  if (service.status !== "ACTIVE") {
    return { state: "failed", reason: `the service is ${service.status ?? "gone"}` };
  }
  const deployments = service.deployments ?? [];
  const ours = deployments.find((deployment) => deployment.taskDefinition === taskDefinitionArn);
  const primary = deployments.find((deployment) => deployment.status === "PRIMARY");
  if (ours?.rolloutState === "FAILED") {
    return { state: "failed", reason: ours.rolloutStateReason ?? "the deployment failed" };
  }
  if (primary !== undefined && primary.taskDefinition !== taskDefinitionArn) {
    return { state: "failed", reason: `the deployment was replaced by ${primary.taskDefinition ?? "another task definition"}${ours === undefined ? " (rolled back)" : ""}` };
  }
  if (primary === undefined) {
    return { state: "pending", progress: "no primary deployment yet", finishing: false };
  }
  if (primary.rolloutState === "COMPLETED") return { state: "stable" };
  const running = primary.runningCount ?? 0;
  const desired = primary.desiredCount ?? 0;
  if (primary.rolloutState === undefined && deployments.length === 1 && running === desired) {
    return { state: "stable" };
  }
  return {
    state: "pending",
    progress: `${running}/${desired} running, ${primary.pendingCount ?? 0} pending, rollout ${primary.rolloutState ?? "unknown"}`,
    finishing: desired > 0 && running >= desired,
  };
}

/**
 * Pure: how long the service's current rollout took, if it has COMPLETED (ECS stamps the deployment's
 * updatedAt when it completes). A copy's next rollout, or a new copy of this base, likely takes as long.
 */
export function completedRolloutMs(service: Service | undefined): number | undefined {
  const primary = service?.deployments?.find((deployment) => deployment.status === "PRIMARY");
  if (primary?.rolloutState !== "COMPLETED" || primary.createdAt === undefined || primary.updatedAt === undefined) return undefined;
  const duration = primary.updatedAt.getTime() - primary.createdAt.getTime();
  // A deployment scaled long after it completed has a later updatedAt: not a rollout time.
  return duration > 0 && duration <= 30 * 60_000 ? duration : undefined;
}

/** Where one pending target stands, for the poll schedule. */
export interface PollTargetState {
  /** Epoch ms its rollout is expected to complete, when known. */
  expectedEnd: number | undefined;
  finishing: boolean;
}

/**
 * Pure: how long to wait before the next poll (docs/design.md §7). Fast (`fastMs`) once a rollout is finishing
 * (running = desired) or due; while tasks are still provisioning, slow: aimed just after the expected
 * end, at most `SLOW_POLL_FACTOR` fast intervals apart, and without an expectation a third of the time
 * waited so far. A rollout past its expected end is polled fast for a grace of a quarter of it (at least
 * 4 fast intervals), then slowly again. `random` (0..1) jitters slow waits down by up to a quarter, so
 * many jobs do not poll in step. The soonest target decides: all are read by the same poll.
 */
export function nextPollDelay(targets: readonly PollTargetState[], now: number, startedAt: number, fastMs: number, random: number): number {
  const slowMs = fastMs * SLOW_POLL_FACTOR;
  const jittered = (ms: number): number => ms * (1 - random / 4);
  const delays = targets.map(({ expectedEnd, finishing }) => {
    if (finishing) return fastMs;
    if (expectedEnd !== undefined) {
      const untilDue = expectedEnd + EXPECTED_END_OFFSET_MS - now;
      if (untilDue > 0) return Math.min(untilDue, jittered(slowMs));
      const grace = Math.max(4 * fastMs, (expectedEnd - startedAt) / 4);
      if (-untilDue < grace) return fastMs;
    }
    return Math.max(fastMs, Math.min(jittered(slowMs), (now - startedAt) / 3));
  });
  return Math.min(...delays);
}

/** ECS answers throttling as a `ThrottlingException` error code; the SDK has no class for it. */
function isThrottling(error: unknown): boolean {
  return error instanceof Error && error.name === "ThrottlingException";
}

/**
/** ECS keeps stopped tasks about an hour; a rollout that failed for long has more than anyone reads. */
const STOPPED_TASK_PAGES = 10;

/**
 * Why tasks of the rollout stopped: each distinct `stoppedReason` and container reason of the
 * service's STOPPED tasks on our task definition (up to STOPPED_TASK_PAGES pages of 100: the first
 * page may hold only earlier deployments' tasks), and the service's latest event.
 */
export async function stoppedTaskReasons(client: ECSClient, cluster: string, target: WaitTarget, service: Service | undefined): Promise<string[]> {
  const reasons: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < STOPPED_TASK_PAGES; page++) {
    const listed = await client.send(new ListTasksCommand({ cluster, serviceName: target.serviceName, desiredStatus: "STOPPED", maxResults: 100, nextToken }));
    const taskArns = listed.taskArns ?? [];
    if (taskArns.length > 0) {
      const described = await client.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
      for (const task of described.tasks ?? []) {
        if (task.taskDefinitionArn !== undefined && task.taskDefinitionArn !== target.taskDefinitionArn) continue;
        if (task.stoppedReason !== undefined) reasons.push(`task stopped: ${task.stoppedReason}`);
        for (const container of task.containers ?? []) {
          const detail = [container.reason, container.exitCode !== undefined ? `exit code ${container.exitCode}` : undefined]
            .filter((part) => part !== undefined)
            .join(", ");
          if (detail !== "") reasons.push(`container ${container.name}: ${detail}`);
        }
      }
    }
    nextToken = listed.nextToken;
    if (nextToken === undefined) break;
  }
  const latestEvent = service?.events?.[0]?.message;
  if (latestEvent !== undefined) reasons.push(`latest event: ${latestEvent}`);
  return [...new Set(reasons)];
}

/**
 * Waits for all targets with one poller: one DescribeServices per 10 pending services per poll, on the
 * schedule of `nextPollDelay`, until each is stable, failed or the timeout passes. Failures and
 * timeouts carry the stopped tasks' reasons, never just "not in the state servicesStable". An error
 * reading the services (other than throttling, which costs one poll) fails the pending targets with
 * that error as their reason: the deploy still reports what it made.
 */
export async function waitForServices(targets: WaitTarget[], options: WaitOptions): Promise<Map<string, WaitOutcome>> {
  const fastMs = options.intervalMs ?? FAST_POLL_MS;
  const random = options.random ?? Math.random;
  const startedAt = options.startedAt ?? Date.now();
  const deadline = startedAt + options.timeoutMs;
  const outcomes = new Map<string, WaitOutcome>();
  const lastProgress = new Map<string, string>();
  const lastSeen = new Map<string, Service>();
  const finishing = new Set<string>();
  let pending = [...targets];

  const fail = async (target: WaitTarget, status: "failed" | "timeout", why: string): Promise<void> => {
    const service = lastSeen.get(target.serviceName);
    const reasons = await stoppedTaskReasons(options.client, options.cluster, target, service).catch((error: unknown) => [
      `(could not read stopped tasks: ${errorMessage(error)})`,
    ]);
    outcomes.set(target.serviceName, { serviceName: target.serviceName, status, at: Date.now(), reason: [why, ...reasons].join("; ") });
  };

  // Polls at least once, and once more at the deadline: a copy that became stable while an earlier
  // step (a DRAINING wait) used up the budget is stable, not timed out.
  for (let last = false; pending.length > 0 && !last; ) {
    const schedule = pending.map((target) => ({ expectedEnd: target.expectedEnd, finishing: finishing.has(target.serviceName) }));
    const remaining = deadline - Date.now();
    await sleep(Math.max(0, Math.min(remaining, nextPollDelay(schedule, Date.now(), startedAt, fastMs, random()))));
    last = Date.now() >= deadline;
    let services: Map<string, Service>;
    try {
      services = await describeServices(
        options.client,
        options.cluster,
        pending.map((target) => target.serviceName),
      );
    } catch (error) {
      // Throttling that outlasted the SDK's retries costs one poll, not the deploy (docs/design.md §7).
      if (isThrottling(error)) {
        options.logger.info("DescribeServices is throttled; polling again at the next interval");
        continue;
      }
      const why = `could not read the rollout: ${errorMessage(error).split("\n")[0] ?? "error"}`;
      for (const target of pending) outcomes.set(target.serviceName, { serviceName: target.serviceName, status: "failed", at: Date.now(), reason: why });
      return outcomes;
    }
    const stillPending: WaitTarget[] = [];
    const failures: Promise<void>[] = [];
    for (const target of pending) {
      const service = services.get(target.serviceName);
      if (service !== undefined) lastSeen.set(target.serviceName, service);
      const state: DeploymentState = service === undefined ? { state: "failed", reason: "the service is missing" } : deploymentState(service, target.taskDefinitionArn);
      if (state.state === "stable") {
        outcomes.set(target.serviceName, { serviceName: target.serviceName, status: "stable", at: Date.now() });
        options.logger.info(`${target.serviceName}: stable`);
      } else if (state.state === "failed") {
        failures.push(fail(target, "failed", state.reason));
      } else {
        if (lastProgress.get(target.serviceName) !== state.progress) {
          options.logger.info(`${target.serviceName}: ${state.progress}`);
          lastProgress.set(target.serviceName, state.progress);
        }
        if (state.finishing) finishing.add(target.serviceName);
        else finishing.delete(target.serviceName);
        stillPending.push(target);
      }
    }
    await Promise.all(failures);
    pending = stillPending;
  }
  await Promise.all(
    pending.map((target) =>
      fail(target, "timeout", `not stable within ${formatDuration(options.timeoutMs, "readable")} (${lastProgress.get(target.serviceName) ?? "no progress seen"})`),
    ),
  );
  return outcomes;
}
