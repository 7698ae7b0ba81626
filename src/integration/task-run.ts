// Runs the integration tests as a one-off ECS task (runner: ecs-task, docs/design.md §5): registers
// the test task definition from the base service's, starts the task, streams its container's log
// stream from CloudWatch Logs into the step log while it runs, and stops it when the step is cancelled.
import { CloudWatchLogsClient, GetLogEventsCommand, ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type Task,
} from "@aws-sdk/client-ecs";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigurationError } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { INPUT } from "../config/action-io.js";
import type { TestTaskSettings } from "../config/integration-test-inputs.js";
import { describeServices } from "../ecs/describe.js";
import { clusterName, taskDefinitionFamily } from "../ecs/names.js";
import type { RepositoryIdentity } from "../ecs/ownership.js";
import { routeTags } from "../ecs/route-tags.js";
import type { Route } from "../routing/route.js";
import { runTestTaskRequest, TEST_CONTAINER, taskLogStream, testTaskDefinition, testTaskFamily, type TaskLogLocation } from "./test-task.js";

/** The CloudWatch Logs client; the SDK honours AWS_ENDPOINT_URL_CLOUDWATCH_LOGS (how tests reach the emulator). */
export function createLogsClient(region: string | undefined): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ ...(region !== undefined ? { region } : {}), retryMode: "adaptive", maxAttempts: 10 });
}

const CANCELLED_REASON = "integration-test step cancelled";

export interface TestTaskRunOptions {
  ecs: ECSClient;
  /** The CloudWatch Logs client for a region (the awslogs-region, else the cluster's). */
  logsClient: (region: string | undefined) => CloudWatchLogsClient;
  cluster: string;
  route: Route;
  repository: RepositoryIdentity;
  pullRequest: number | undefined;
  task: TestTaskSettings;
  command: string[];
  environment: Record<string, string>;
  logger: Logger;
  /** Aborted when the step is cancelled or times out: the task is stopped. */
  signal: AbortSignal;
  /** Each line of the container's output, as it is printed into the step log (tests, the bench). */
  onLogLine?: (line: string) => void;
  now?: () => number;
}

export interface TestTaskRun {
  taskArn: string;
  /** The test container's exit code; undefined when it never ran (e.g. the image could not be pulled). */
  exitCode: number | undefined;
  /** Why ECS stopped the task: hostile text (it may quote the image), for inert display only. */
  stoppedReason: string | undefined;
  /** From RunTask to the task's STOPPED. */
  durationMs: number;
  /** The step was cancelled and the task stopped for it. */
  cancelled: boolean;
}

/** Reads one log stream forward from its head, remembering where it got to. */
class LogStreamReader {
  private nextToken: string | undefined;

  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly group: string,
    private readonly stream: string,
  ) {}

  /** Every line printed since the last read; none while the stream does not exist yet. */
  async read(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      let answer;
      try {
        answer = await this.client.send(
          new GetLogEventsCommand({
            logGroupName: this.group,
            logStreamName: this.stream,
            startFromHead: true,
            ...(this.nextToken !== undefined ? { nextToken: this.nextToken } : {}),
          }),
        );
      } catch (error) {
        // awslogs creates the stream when the container starts.
        if (error instanceof ResourceNotFoundException) return lines;
        throw error;
      }
      for (const event of answer.events ?? []) lines.push(event.message ?? "");
      // The same forward token back means the end of what is there now.
      const reachedEnd = answer.nextForwardToken === undefined || answer.nextForwardToken === this.nextToken;
      this.nextToken = answer.nextForwardToken ?? this.nextToken;
      if (reachedEnd || (answer.events ?? []).length === 0) return lines;
    }
  }
}

async function baseOfTestTask(ecs: ECSClient, cluster: string, task: TestTaskSettings) {
  const base = (await describeServices(ecs, cluster, [task.baseService])).get(task.baseService);
  if (base?.status !== "ACTIVE" || base.taskDefinition === undefined) {
    throw new ConfigurationError(`no ACTIVE service '${task.baseService}' in cluster ${cluster}; name the base service the test task takes its network and logging from`, INPUT.taskBaseService);
  }
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: base.taskDefinition }));
  if (taskDefinition === undefined) throw new Error(`DescribeTaskDefinition of ${base.taskDefinition} answered no task definition`);
  return { base, taskDefinition };
}

function testContainer(task: Task | undefined) {
  return task?.containers?.find((container) => container.name === TEST_CONTAINER);
}

/** Registers the test task definition, runs the task and follows it to the end. */
export async function runTestTask(options: TestTaskRunOptions): Promise<TestTaskRun> {
  const { ecs, cluster, route, task, logger, signal } = options;
  const now = options.now ?? Date.now;
  const { base, taskDefinition: baseDefinition } = await baseOfTestTask(ecs, cluster, task);
  const tags = routeTags(
    {
      route,
      kind: "test",
      repository: options.repository.name,
      repositoryId: options.repository.id,
      cluster: clusterName(cluster),
      sharedRoute: false,
      commit: task.commit,
      pullRequest: options.pullRequest,
      expiresAt: undefined,
      userTags: {},
    },
    task.baseService,
    new Date(now()),
  );
  const family = testTaskFamily(taskDefinitionFamily(baseDefinition.taskDefinitionArn ?? "") ?? baseDefinition.family ?? task.baseService, route);
  const { definition, logs } = testTaskDefinition(baseDefinition, task, family, tags);
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(definition));
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn;
  if (taskDefinitionArn === undefined) throw new Error("RegisterTaskDefinition answered no task definition ARN");

  if (signal.aborted) throw new Error("cancelled before the test task started");
  const started = now();
  const run = await ecs.send(
    new RunTaskCommand(
      runTestTaskRequest({ cluster, base, task, taskDefinitionArn, command: options.command, environment: options.environment, tags }),
    ),
  );
  const taskArn = run.tasks?.[0]?.taskArn;
  if (taskArn === undefined) {
    const reasons = (run.failures ?? []).map((failure) => `${failure.reason ?? "unknown"}${failure.detail !== undefined ? ` (${failure.detail})` : ""}`);
    throw new Error(`ECS did not start the test task: ${reasons.join("; ") || "no task and no failure in the answer"}`);
  }
  logger.info(`test task ${taskArn} started (${taskDefinitionArn}); its output follows, from CloudWatch Logs ${logs.group} ${taskLogStream(logs, taskArn)}`);
  return followTask({ ...options, taskArn, logs, started, now });
}

async function followTask(
  options: TestTaskRunOptions & { taskArn: string; logs: TaskLogLocation; started: number; now: () => number },
): Promise<TestTaskRun> {
  const { ecs, cluster, taskArn, logs, signal, logger, now } = options;
  const reader = new LogStreamReader(options.logsClient(logs.region), logs.group, taskLogStream(logs, taskArn));
  const print = async (): Promise<void> => {
    for (const line of await reader.read()) {
      logger.info(line);
      options.onLogLine?.(line);
    }
  };
  for (;;) {
    if (signal.aborted) {
      // The runner kills the step a few seconds after cancelling it: stop the task, show what it
      // printed so far, and do not wait the minute ECS may take to report it STOPPED.
      logger.info(`the step was cancelled: stopping test task ${taskArn}`);
      await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason: CANCELLED_REASON }));
      await print();
      return { taskArn, exitCode: undefined, stoppedReason: CANCELLED_REASON, durationMs: now() - options.started, cancelled: true };
    }
    const [described] = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks ?? [];
    await print();
    if (described?.lastStatus === "STOPPED") {
      // awslogs may flush the last lines after the task is reported STOPPED: read once more.
      await print();
      return {
        taskArn,
        exitCode: testContainer(described)?.exitCode,
        stoppedReason: described.stoppedReason ?? testContainer(described)?.reason,
        durationMs: now() - options.started,
        cancelled: false,
      };
    }
    await sleep(options.task.pollIntervalMs, undefined, { signal }).catch(() => undefined);
  }
}
