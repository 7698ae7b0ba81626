// The last step of a deploy: one poller for every copy until each is stable, failed or out of time.
import { DescribeTasksCommand, ListTasksCommand, type ECSClient, type Service } from "@aws-sdk/client-ecs";
import { setTimeout as sleep } from "node:timers/promises";
import { formatDuration } from "../common/duration.js";
import type { Logger } from "../common/logger.js";
import { describeServices } from "../ecs/describe.js";

export const DEFAULT_POLL_INTERVAL_MS = 2_000;

/** One route service to wait for, on the task definition this run registered. */
export interface WaitTarget {
  serviceName: string;
  taskDefinitionArn: string;
}

export type DeploymentState = { state: "pending"; progress: string } | { state: "stable" } | { state: "failed"; reason: string };

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
  /** About 2 s; each wait is jittered down by up to a quarter so many jobs do not poll in step. */
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
    return { state: "pending", progress: "no primary deployment yet" };
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
  };
}

/** ECS answers throttling as a `ThrottlingException` error code; the SDK has no class for it. */
function isThrottling(error: unknown): boolean {
  return error instanceof Error && error.name === "ThrottlingException";
}

/**
 * Why tasks of the rollout stopped: each distinct `stoppedReason` and container reason of the
 * service's STOPPED tasks on our task definition, and the service's latest event.
 */
export async function stoppedTaskReasons(client: ECSClient, cluster: string, target: WaitTarget, service: Service | undefined): Promise<string[]> {
  const reasons: string[] = [];
  const listed = await client.send(new ListTasksCommand({ cluster, serviceName: target.serviceName, desiredStatus: "STOPPED", maxResults: 100 }));
  const taskArns = (listed.taskArns ?? []).slice(0, 100);
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
  const latestEvent = service?.events?.[0]?.message;
  if (latestEvent !== undefined) reasons.push(`latest event: ${latestEvent}`);
  return [...new Set(reasons)];
}

/**
 * Waits for all targets with one poller: every ~2 s one DescribeServices per 10 pending services,
 * until each is stable, failed or the timeout passes. Failures and timeouts carry the stopped
 * tasks' reasons, never just "not in the state servicesStable".
 */
export async function waitForServices(targets: WaitTarget[], options: WaitOptions): Promise<Map<string, WaitOutcome>> {
  const interval = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const random = options.random ?? Math.random;
  const deadline = (options.startedAt ?? Date.now()) + options.timeoutMs;
  const outcomes = new Map<string, WaitOutcome>();
  const lastProgress = new Map<string, string>();
  const lastSeen = new Map<string, Service>();
  let pending = [...targets];

  const fail = async (target: WaitTarget, status: "failed" | "timeout", why: string): Promise<void> => {
    const service = lastSeen.get(target.serviceName);
    const reasons = await stoppedTaskReasons(options.client, options.cluster, target, service).catch((error: unknown) => [
      `(could not read stopped tasks: ${error instanceof Error ? error.message : String(error)})`,
    ]);
    outcomes.set(target.serviceName, { serviceName: target.serviceName, status, at: Date.now(), reason: [why, ...reasons].join("; ") });
  };

  // Polls at least once, and once more at the deadline: a copy that became stable while an earlier
  // step (a DRAINING wait) used up the budget is stable, not timed out.
  for (let last = false; pending.length > 0 && !last; ) {
    const remaining = deadline - Date.now();
    await sleep(Math.max(0, Math.min(remaining, interval * (1 - random() / 4))));
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
      if (!isThrottling(error)) throw error;
      options.logger.info("DescribeServices is throttled; polling again at the next interval");
      continue;
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
