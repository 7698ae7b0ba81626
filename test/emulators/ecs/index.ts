/**
 * Amazon ECS emulator: an HTTP server speaking ECS's JSON 1.1 protocol, so the real `ECSClient` of
 * @aws-sdk/client-ecs works against it through `endpoint` or `AWS_ENDPOINT_URL_ECS`.
 *
 * Time is evaluated lazily from timestamps, with no timers: every read replays what happened since the
 * last one. A deployment runs its tasks up over `stabilizationMs` and is then COMPLETED (older deployments
 * and their tasks go). A deployment started while one of its essential images is marked with `failImage`
 * launches tasks that keep stopping; with the circuit breaker enabled it turns FAILED `stabilizationMs`
 * after it started (after max(3, desiredCount / 2) failed tasks) and, with rollback, a new PRIMARY
 * deployment of the last completed task definition starts. A deleted service is DRAINING for `drainMs`,
 * then INACTIVE; INACTIVE services are purged an hour later.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback, readBody } from "../listen.js";
import { setTimeout as delay } from "node:timers/promises";
import type { CreateServiceRequest, RegisterTaskDefinitionRequest } from "@aws-sdk/client-ecs";
import type { LogSink } from "../logs/index.js";
import { EcsApiError } from "./errors.js";
import { seededRandom, TokenBucket } from "./faults.js";
import { operations, unknownOperation } from "./operations.js";
import { EcsModel, type ModelSettings, type RunTaskOutcome } from "./services.js";
import { TaskDefinitionStore } from "./task-definitions.js";
import { mergeTags } from "./tags.js";
import { TAGGING_TARGET_PREFIX, taggingOperations } from "../tagging/operations.js";

export interface EcsEmulatorOptions {
  /** 0 = random (default). */
  port?: number;
  /** Default us-east-1. */
  region?: string;
  /** Default 123456789012. */
  accountId?: string;
  /** Added to every call (default 0). */
  latencyMs?: number;
  /**
   * Token bucket over all calls; off when undefined. ECS keeps a bucket per action family, so operations
   * named in `perOperation` (e.g. a tight RegisterTaskDefinition) get their own bucket instead of the shared one.
   */
  throttle?: { ratePerSecond: number; burst: number; perOperation?: Record<string, { ratePerSecond: number; burst: number }> };
  /** 0..1 fraction of calls answered 500 (default 0), deterministic with `seed`. */
  serverErrorRate?: number;
  /**
   * 0..1 fraction of calls answered ThrottlingException at random (default 0), deterministic with
   * `seed`: the account's rate shared with other jobs, unlike the `throttle` bucket of this client's own calls.
   */
  throttleFraction?: number;
  /** 0..1 fraction of mutating calls answered 500 after they took effect (default 0), deterministic with `seed`. */
  serverErrorAfterRate?: number;
  /** Time at the end of each rollout with all new tasks running before it is COMPLETED (default 0). */
  steadyStateMs?: number;
  seed?: number;
  /** Time a deployment takes IN_PROGRESS -> COMPLETED (default 1000). */
  stabilizationMs?: number;
  /** DRAINING -> INACTIVE after delete (default 1000). */
  drainMs?: number;
  /** Created at start (default ["default"]). */
  clusters?: string[];
  /** Epoch ms now (default Date.now): a test that moves it itself never races the wall clock. */
  clock?: () => number;
  /**
   * How tasks started by RunTask from now on go (default: 0 ms to start, 1000 ms running, exit code 0):
   * RUNNING after startMs, then STOPPED with the essential container's exitCode after runMs; its
   * logLines go to `logs`.
   */
  runTask?: Partial<RunTaskOutcome>;
  /** The CloudWatch Logs emulator (or any sink) one-off tasks print into, at the streams of their awslogs configuration. */
  logs?: LogSink;
}

export interface EcsCall {
  operation: string;
  at: number;
  mutating: boolean;
  /** server-error-after-effect: the call took effect, then was answered 500. */
  outcome: "ok" | "error" | "throttled" | "server-error" | "server-error-after-effect";
  errorType?: string;
}

export interface SeedServiceInput {
  cluster?: string;
  taskDefinition: RegisterTaskDefinitionRequest;
  service: Omit<CreateServiceRequest, "taskDefinition">;
  tags?: { key: string; value: string }[];
  /** Already COMPLETED (its rollout finished `stabilizationMs` ago). */
  stable?: boolean;
}

export interface EcsEmulator {
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
  /** Changes knobs at run time; stabilizationMs and drainMs apply to deployments and deletions that start later. */
  configure(options: Partial<EcsEmulatorOptions>): void;
  /** Deployments started from now on whose essential containers use `image` fail: their tasks keep stopping. */
  failImage(image: string, stoppedReason?: string): void;
  /** The next `times` calls of `operation` take effect, then are answered 500, as a lost response would be: the caller must retry idempotently. */
  failAfterEffect(operation: string, times: number): void;
  /** Answers every call of `operation` after the first `after` with an error of `type` (HTTP `statusCode`, default 400); undefined stops. */
  failCalls(operation: string, failure: { after: number; type: string; message: string; statusCode?: number } | undefined): void;
  calls(): EcsCall[];
  /** Answered calls by operation, errors included. */
  callCounts(): Record<string, number>;
  resetCalls(): void;
  /**
   * Resolves once a call is answered for which `matches(call, callsSoFar)` holds: a test waits for
   * what a client did, never for an amount of time.
   */
  nextCall(matches: (call: EcsCall, calls: readonly EcsCall[]) => boolean): Promise<void>;
  /** Ends a deleted service's DRAINING now (set drainMs long to keep it DRAINING until then). */
  finishDraining(cluster: string, service: string): void;
  /** Epoch ms the latest PRIMARY deployment became COMPLETED. */
  deploymentCompletedAt(cluster: string, service: string): number | undefined;
  /**
   * The `nth` next call of `operation` takes effect and is never answered, as if the caller were killed
   * right after that step; resolves when it has happened (the test then kills the caller).
   */
  haltAfter(operation: string, nth?: number): Promise<void>;
  /** The variables that point the AWS SDK's ECS and Resource Groups Tagging API clients here. */
  endpointEnv(): { AWS_ENDPOINT_URL_ECS: string; AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: string };
  /** Registers the task definition and creates the service directly, without HTTP. */
  seedService(input: SeedServiceInput): { serviceArn: string; taskDefinitionArn: string };
}

const TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";

export async function startEcsEmulator(options: EcsEmulatorOptions = {}): Promise<EcsEmulator> {
  const settings: ModelSettings = {
    region: options.region ?? "us-east-1",
    accountId: options.accountId ?? "123456789012",
    stabilizationMs: options.stabilizationMs ?? 1000,
    steadyStateMs: options.steadyStateMs ?? 0,
    drainMs: options.drainMs ?? 1000,
    runTask: { startMs: 0, runMs: 1000, exitCode: 0, ...options.runTask },
    ...(options.logs !== undefined ? { logs: options.logs } : {}),
  };
  const clock = options.clock ?? Date.now;
  const model = new EcsModel(settings, new TaskDefinitionStore(settings.region, settings.accountId));
  for (const name of options.clusters ?? ["default"]) model.createCluster({ clusterName: name });

  let latencyMs = options.latencyMs ?? 0;
  let serverErrorRate = options.serverErrorRate ?? 0;
  let throttleFraction = options.throttleFraction ?? 0;
  let serverErrorAfterRate = options.serverErrorAfterRate ?? 0;
  const failingOperations = new Map<string, { after: number; seen: number; error: EcsApiError }>();
  const failingAfterEffect = new Map<string, number>();
  let random = seededRandom(options.seed ?? 1);
  let buckets = throttleBuckets(options.throttle, clock());
  let callLog: EcsCall[] = [];
  const halts: { operation: string; remaining: number; halted: () => void }[] = [];

  let waiters: { matches: (call: EcsCall, calls: readonly EcsCall[]) => boolean; resolve: () => void }[] = [];
  const record = (call: EcsCall): void => {
    callLog.push(call);
    const met = waiters.filter((waiter) => waiter.matches(call, callLog));
    waiters = waiters.filter((waiter) => !met.includes(waiter));
    for (const waiter of met) waiter.resolve();
  };

  const answer = (
    response: ServerResponse,
    statusCode: number,
    body: unknown,
    errorType?: string,
  ): void => {
    const payload = JSON.stringify(body);
    response.writeHead(statusCode, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(payload),
      "x-amzn-requestid": randomUUID(),
      ...(errorType ? { "x-amzn-errortype": errorType } : {}),
    });
    response.end(payload);
  };

  const sendError = (response: ServerResponse, error: EcsApiError): void => {
    answer(response, error.statusCode, { __type: error.type, message: error.message }, error.type);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    if (latencyMs > 0) await delay(latencyMs);
    const target = String(request.headers["x-amz-target"] ?? "");
    const operationName = [TARGET_PREFIX, TAGGING_TARGET_PREFIX].reduce((name, prefix) => (name.startsWith(prefix) ? name.slice(prefix.length) : name), target);
    const taggingOperation = target.startsWith(TAGGING_TARGET_PREFIX) ? taggingOperations[operationName] : undefined;
    const operation = taggingOperation !== undefined ? { mutating: false, handle: taggingOperation } : operations[operationName];
    const at = clock();
    const mutating = operation?.mutating ?? false;
    const fail = (outcome: EcsCall["outcome"], error: EcsApiError): void => {
      record({ operation: operationName, at, mutating, outcome, errorType: error.type });
      sendError(response, error);
    };

    if (request.method !== "POST") return fail("error", unknownOperation(operationName));
    if (!request.headers.authorization) {
      return fail("error", new EcsApiError("MissingAuthenticationTokenException", "Missing Authentication Token"));
    }
    if (!operation) return fail("error", unknownOperation(operationName));
    const bucket = buckets && (buckets.perOperation.get(operationName) ?? buckets.shared);
    if ((bucket && !bucket.take(at)) || (throttleFraction > 0 && random() < throttleFraction)) {
      return fail("throttled", new EcsApiError("ThrottlingException", "Rate exceeded"));
    }
    const failing = failingOperations.get(operationName);
    if (failing !== undefined && ++failing.seen > failing.after) return fail("error", failing.error);
    if (serverErrorRate > 0 && random() < serverErrorRate) {
      return fail("server-error", new EcsApiError("ServerException", "Service unavailable. Try again later.", 500));
    }
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = body.length === 0 ? {} : JSON.parse(body);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      input = parsed as Record<string, unknown>;
    } catch {
      return fail("error", new EcsApiError("SerializationException", "Request body is not a JSON object."));
    }
    try {
      const output = operation.handle(model, input, at);
      const lostAnswers = failingAfterEffect.get(operationName) ?? 0;
      if (lostAnswers > 0) failingAfterEffect.set(operationName, lostAnswers - 1);
      if (lostAnswers > 0 || (mutating && serverErrorAfterRate > 0 && random() < serverErrorAfterRate)) {
        // The change is made, but the caller never hears so: it must retry idempotently.
        return fail("server-error-after-effect", new EcsApiError("ServerException", "Service unavailable. Try again later.", 500));
      }
      record({ operation: operationName, at, mutating, outcome: "ok" });
      const halt = halts.find((entry) => entry.operation === operationName);
      if (halt !== undefined && --halt.remaining === 0) {
        halts.splice(halts.indexOf(halt), 1);
        halt.halted();
        return;
      }
      answer(response, 200, output);
    } catch (error) {
      if (error instanceof EcsApiError) return fail(error.statusCode >= 500 ? "server-error" : "error", error);
      fail("server-error", new EcsApiError("ServerException", error instanceof Error ? error.message : String(error), 500));
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, new EcsApiError("ServerException", String(error), 500));
    });
  });
  // The SDK keeps connections alive; do not let idle ones hold close() open.
  server.keepAliveTimeout = 1000;
  const { url, close } = await listenOnLoopback(server, options.port);

  return {
    url,
    close,
    configure(changes) {
      if (changes.latencyMs !== undefined) latencyMs = changes.latencyMs;
      if (changes.serverErrorRate !== undefined) serverErrorRate = changes.serverErrorRate;
      if (changes.throttleFraction !== undefined) throttleFraction = changes.throttleFraction;
      if (changes.serverErrorAfterRate !== undefined) serverErrorAfterRate = changes.serverErrorAfterRate;
      if (changes.steadyStateMs !== undefined) settings.steadyStateMs = changes.steadyStateMs;
      if (changes.seed !== undefined) random = seededRandom(changes.seed);
      if ("throttle" in changes) buckets = throttleBuckets(changes.throttle, clock());
      if (changes.stabilizationMs !== undefined) settings.stabilizationMs = changes.stabilizationMs;
      if (changes.drainMs !== undefined) settings.drainMs = changes.drainMs;
      if (changes.runTask !== undefined) settings.runTask = { ...settings.runTask, ...changes.runTask };
      for (const name of changes.clusters ?? []) model.createCluster({ clusterName: name });
    },
    failImage: (image, stoppedReason) => model.failImage(image, stoppedReason),
    failAfterEffect: (operation, times) => {
      failingAfterEffect.set(operation, times);
    },
    failCalls: (operation, failure) => {
      if (failure === undefined) failingOperations.delete(operation);
      else failingOperations.set(operation, { after: failure.after, seen: 0, error: new EcsApiError(failure.type, failure.message, failure.statusCode ?? 400) });
    },
    calls: () => [...callLog],
    callCounts: () => {
      const counts: Record<string, number> = {};
      for (const call of callLog) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
      return counts;
    },
    resetCalls: () => {
      callLog = [];
    },
    nextCall: (matches) =>
      new Promise<void>((resolve) => {
        waiters.push({ matches, resolve });
      }),
    finishDraining: (cluster, service) => model.finishDraining(cluster, service, clock()),
    deploymentCompletedAt: (cluster, service) => model.deploymentCompletedAt(cluster, service, clock()),
    haltAfter: (operation, nth = 1) =>
      new Promise<void>((halted) => {
        halts.push({ operation, remaining: nth, halted });
      }),
    endpointEnv: () => ({ AWS_ENDPOINT_URL_ECS: url, AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: url }),
    seedService(input) {
      const now = clock();
      const taskDefinition = model.taskDefinitions.register(input.taskDefinition, now);
      const tags = mergeTags(input.service.tags as { key: string; value: string }[] | undefined ?? [], input.tags);
      const service = model.createService(
        { ...input.service, cluster: input.cluster ?? input.service.cluster, taskDefinition: taskDefinition.arn, tags },
        now,
        input.stable ? { launchedAt: now - settings.stabilizationMs } : {},
      );
      return { serviceArn: service.arn, taskDefinitionArn: taskDefinition.arn };
    },
  };
}

/** Buckets full at `now`, on the emulator's clock like every other timing of the emulator. */
function throttleBuckets(
  throttle: EcsEmulatorOptions["throttle"],
  now: number,
): { shared: TokenBucket; perOperation: Map<string, TokenBucket> } | undefined {
  if (!throttle) return undefined;
  return {
    shared: new TokenBucket(throttle.ratePerSecond, throttle.burst, now),
    perOperation: new Map(
      Object.entries(throttle.perOperation ?? {}).map(([operation, limit]) => [operation, new TokenBucket(limit.ratePerSecond, limit.burst, now)]),
    ),
  };
}
