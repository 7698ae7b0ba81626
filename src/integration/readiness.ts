import { formatDuration } from "../common/duration.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import type { Route } from "../routing/route.js";
import { SERVED_BY_HEADER } from "../routing/signal.js";
import { probeTarget } from "./url-credentials.js";


/** Time as the probes see it; tests pass a fake one so no test waits for real seconds. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What one probe request saw. */
export type ProbeAnswer =
  | { kind: "answered"; status: number; servedBy: string | undefined }
  | { kind: "failed"; reason: string };

export interface ProbeOptions {
  urls: readonly string[];
  route: Route;
  /** Sent with every probe: the routing header, cookie and baggage. */
  headers: Record<string, string>;
  timeoutMs: number;
  intervalMs: number;
  logger: Logger;
  clock?: Clock;
  /** The longest one request may take; the last attempt may end this much after the timeout. */
  requestTimeoutMs?: number;
  /** How often an unchanged "still waiting" line is repeated. */
  progressEveryMs?: number;
}

export interface ProbeResult {
  /** The probe URL as logs show it: credentials replaced by `***`. */
  url: string;
  ready: boolean;
  /** From the start of probing to the answer that proved the route live (or to giving up). */
  elapsedMs: number;
  attempts: number;
  last: ProbeAnswer;
}

/** Thrown when a probe URL never answered from the route; `results` has every probe's outcome. */
export class RouteNotLiveError extends Error {
  constructor(
    message: string,
    readonly results: ProbeResult[],
  ) {
    super(message);
    this.name = "RouteNotLiveError";
  }
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_PROGRESS_EVERY_MS = 10_000;

/** True when the route's own tasks answered: its router matched and its server responded. */
export function isLive(answer: ProbeAnswer, route: Route): boolean {
  // Traefik's load balancer answers 502/503 itself (through the router's middlewares) when the
  // route's task does not answer yet, so a 5xx carrying the route's name is not live.
  return answer.kind === "answered" && answer.servedBy === route && answer.status < 500;
}

/** `answered 200 by shadow`, `answered 404 without X-Served-By-Route`, `failed: ECONNREFUSED …`. */
export function describeAnswer(answer: ProbeAnswer): string {
  if (answer.kind === "failed") return `failed: ${answer.reason}`;
  return answer.servedBy === undefined
    ? `answered ${answer.status} without ${SERVED_BY_HEADER}`
    : `answered ${answer.status} by ${answer.servedBy}`;
}

/** Why an answer is not the route yet, for the failure line. */
export function explainAnswer(answer: ProbeAnswer, route: Route): string {
  if (answer.kind === "failed") {
    return "nothing answered: check the URL and that the runner can reach the dev environment";
  }
  if (answer.servedBy === undefined) {
    return `the answer did not come through a route's router (no ${SERVED_BY_HEADER}): check that the URL is served by Traefik and that the route's match covers it`;
  }
  if (answer.servedBy === route) {
    return "the route's router exists but its tasks do not answer yet";
  }
  return "the route's tasks are not routed yet (Traefik picks up new tasks within its refreshSeconds)";
}

/** One request; never throws: a connection error or timeout is an answer too. */
export async function probeOnce(url: string, headers: Record<string, string>, timeoutMs: number): Promise<ProbeAnswer> {
  try {
    const response = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    // The body is not needed; cancelling it frees the connection at once.
    await response.body?.cancel();
    return { kind: "answered", status: response.status, servedBy: response.headers.get(SERVED_BY_HEADER)?.trim() };
  } catch (error) {
    return { kind: "failed", reason: requestFailure(error, timeoutMs) };
  }
}

function requestFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  // fetch wraps the socket error ("fetch failed"); its cause says what happened (ECONNREFUSED, ENOTFOUND).
  const cause = error instanceof Error ? (error.cause as unknown) : undefined;
  return cause === undefined ? errorMessage(error) : errorMessage(cause);
}

async function probeUntilLive(givenUrl: string, options: ProbeOptions, clock: Clock): Promise<ProbeResult> {
  const { route, logger } = options;
  const target = probeTarget(givenUrl);
  const url = target.shown;
  const headers = target.authorization === undefined ? options.headers : { ...options.headers, authorization: target.authorization };
  const start = clock.now();
  const deadline = start + options.timeoutMs;
  const progressEveryMs = options.progressEveryMs ?? DEFAULT_PROGRESS_EVERY_MS;
  let lastLine = "";
  let lastLoggedAt = -Infinity;
  for (let attempts = 1; ; attempts++) {
    const answer = await probeOnce(target.url, headers, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    const now = clock.now();
    if (isLive(answer, route)) {
      logger.info(`${url} ${describeAnswer(answer)} after ${formatDuration(now - start, "seconds")} s`);
      return { url, ready: true, elapsedMs: now - start, attempts, last: answer };
    }
    if (now >= deadline) {
      return { url, ready: false, elapsedMs: now - start, attempts, last: answer };
    }
    const line = `${url} ${describeAnswer(answer)}, waiting`;
    // Every change is worth a line; an unchanged answer only every so often.
    if (line !== lastLine || now - lastLoggedAt >= progressEveryMs) {
      logger.info(line);
      lastLine = line;
      lastLoggedAt = now;
    }
    await clock.sleep(Math.min(options.intervalMs, deadline - now));
  }
}

/**
 * Waits until every URL answers with `X-Served-By-Route: <route>` when sent the routing signal
 * ("ECS service stable" is not "route live": Traefik routes a new task only after its next
 * refresh). Probes run concurrently. Throws RouteNotLiveError naming what each late URL last saw.
 */
export async function waitUntilRouteLive(options: ProbeOptions): Promise<ProbeResult[]> {
  const clock = options.clock ?? systemClock;
  const results = await Promise.all(options.urls.map((url) => probeUntilLive(url, options, clock)));
  const late = results.filter((result) => !result.ready);
  if (late.length > 0) {
    const reasons = late.map((result) => `${result.url} ${describeAnswer(result.last)}: ${explainAnswer(result.last, options.route)}`);
    throw new RouteNotLiveError(
      `route ${options.route} not live after ${formatDuration(options.timeoutMs, "seconds")} s: ${reasons.join("; ")}`,
      results,
    );
  }
  return results;
}
