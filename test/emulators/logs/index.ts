/**
 * Amazon CloudWatch Logs emulator: an HTTP server speaking the Logs JSON 1.1 protocol
 * (`Logs_20140328.<Operation>`), so the real `CloudWatchLogsClient` of @aws-sdk/client-cloudwatch-logs
 * works against it through `endpoint` or `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`.
 *
 * Like the ECS emulator it keeps no timers: every event carries its timestamp and a read shows the
 * events whose time has come. The ECS emulator writes a one-off task's log lines ahead of time, at
 * the times the task prints them, and takes back the ones after the time the task was stopped.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback, readBody } from "../listen.js";

export interface LogEvent {
  /** Epoch ms the line was printed. */
  timestamp: number;
  message: string;
}

/** What the ECS emulator writes into: an awslogs log group and stream. */
export interface LogSink {
  write(group: string, stream: string, events: readonly LogEvent[]): void;
  /** Drops the stream's events printed after `time` (its task was stopped then). */
  discardAfter(group: string, stream: string, time: number): void;
}

export interface LogsCall {
  operation: string;
  at: number;
  outcome: "ok" | "error";
  errorType?: string;
}

export interface LogsEmulator extends LogSink {
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
  /** Every event of a stream, visible or not yet. */
  events(group: string, stream: string): LogEvent[];
  calls(): LogsCall[];
  /** Resolves once a call is answered for which `matches` holds (wait on what a client did, not on time). */
  nextCall(matches: (call: LogsCall) => boolean): Promise<void>;
}

export interface LogsEmulatorOptions {
  /** 0 = random (default). */
  port?: number;
  /** Epoch ms now (default Date.now); share the ECS emulator's. */
  clock?: () => number;
}

const TARGET_PREFIX = "Logs_20140328.";
/** GetLogEvents answers at most 10,000 events (or 1 MB) a call. */
const MAX_EVENTS_PER_CALL = 10_000;

class LogsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

/** `f/<index>` and `b/<index>`: positions in a stream's visible events, as opaque to the client as CloudWatch's. */
function token(direction: "f" | "b", index: number): string {
  return `${direction}/${String(index).padStart(56, "0")}`;
}

function parseToken(value: unknown): { direction: "f" | "b"; index: number } {
  const match = typeof value === "string" ? /^([fb])\/(\d{56})$/.exec(value) : null;
  if (match === null) throw new LogsApiError("InvalidParameterException", "The specified nextToken is invalid.");
  return { direction: match[1] as "f" | "b", index: Number(match[2]) };
}

export async function startLogsEmulator(options: LogsEmulatorOptions = {}): Promise<LogsEmulator> {
  const clock = options.clock ?? Date.now;
  /** group → stream → events in the order printed. */
  const groups = new Map<string, Map<string, LogEvent[]>>();
  const callLog: LogsCall[] = [];
  let waiters: { matches: (call: LogsCall) => boolean; resolve: () => void }[] = [];

  const stream = (group: string, name: string): LogEvent[] => {
    const streams = groups.get(group) ?? new Map<string, LogEvent[]>();
    groups.set(group, streams);
    const events = streams.get(name) ?? [];
    streams.set(name, events);
    return events;
  };

  const record = (call: LogsCall): void => {
    callLog.push(call);
    const met = waiters.filter((waiter) => waiter.matches(call));
    waiters = waiters.filter((waiter) => !met.includes(waiter));
    for (const waiter of met) waiter.resolve();
  };

  const getLogEvents = (input: Record<string, unknown>, now: number): unknown => {
    const { logGroupName, logStreamName } = input;
    if (typeof logGroupName !== "string" || typeof logStreamName !== "string") {
      throw new LogsApiError("InvalidParameterException", "logGroupName and logStreamName are required.");
    }
    const events = groups.get(logGroupName)?.get(logStreamName);
    if (events === undefined) throw new LogsApiError("ResourceNotFoundException", "The specified log stream does not exist.");
    const visible = events.filter((event) => event.timestamp <= now);
    const limit = typeof input.limit === "number" ? input.limit : MAX_EVENTS_PER_CALL;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS_PER_CALL) {
      throw new LogsApiError("InvalidParameterException", `limit must be between 1 and ${MAX_EVENTS_PER_CALL}.`);
    }
    // Forward from the head (startFromHead or a forward token); otherwise the newest `limit` events.
    let from: number;
    let to: number;
    if (input.nextToken !== undefined) {
      const position = parseToken(input.nextToken);
      if (position.direction === "f") {
        from = Math.min(position.index, visible.length);
        to = Math.min(from + limit, visible.length);
      } else {
        to = Math.min(position.index, visible.length);
        from = Math.max(0, to - limit);
      }
    } else if (input.startFromHead === true) {
      from = 0;
      to = Math.min(limit, visible.length);
    } else {
      to = visible.length;
      from = Math.max(0, to - limit);
    }
    return {
      events: visible.slice(from, to).map((event) => ({ timestamp: event.timestamp, message: event.message, ingestionTime: event.timestamp })),
      // With nothing new, the forward token stays the one given: CloudWatch's signal that the reader is at the end.
      nextForwardToken: token("f", to),
      nextBackwardToken: token("b", from),
    };
  };

  const answer = (response: ServerResponse, statusCode: number, body: unknown, errorType?: string): void => {
    const payload = JSON.stringify(body);
    response.writeHead(statusCode, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(payload),
      "x-amzn-requestid": randomUUID(),
      ...(errorType !== undefined ? { "x-amzn-errortype": errorType } : {}),
    });
    response.end(payload);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const target = String(request.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    const at = clock();
    try {
      if (request.headers.authorization === undefined) {
        throw new LogsApiError("MissingAuthenticationTokenException", "Missing Authentication Token", 403);
      }
      if (operation !== "GetLogEvents") throw new LogsApiError("UnknownOperationException", `Unknown operation ${operation}`);
      const output = getLogEvents(JSON.parse(body === "" ? "{}" : body) as Record<string, unknown>, at);
      record({ operation, at, outcome: "ok" });
      answer(response, 200, output);
    } catch (error) {
      const failure = error instanceof LogsApiError ? error : new LogsApiError("ServiceUnavailableException", String(error), 500);
      record({ operation, at, outcome: "error", errorType: failure.type });
      answer(response, failure.statusCode, { __type: failure.type, message: failure.message }, failure.type);
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  server.keepAliveTimeout = 1000;
  const { url, close } = await listenOnLoopback(server, options.port);

  return {
    url,
    close,
    write(group, name, events) {
      const existing = stream(group, name);
      existing.push(...events);
      existing.sort((a, b) => a.timestamp - b.timestamp);
    },
    discardAfter(group, name, time) {
      const existing = stream(group, name);
      const kept = existing.filter((event) => event.timestamp <= time);
      existing.splice(0, existing.length, ...kept);
    },
    events: (group, name) => [...(groups.get(group)?.get(name) ?? [])],
    calls: () => [...callLog],
    nextCall: (matches) =>
      new Promise<void>((resolve) => {
        waiters.push({ matches, resolve });
      }),
  };
}
