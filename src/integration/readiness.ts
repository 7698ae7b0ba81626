import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { formatDuration } from "../common/duration.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import type { Route } from "../routing/route.js";
import { SERVED_BY_HEADER } from "../routing/signal.js";
import { describeTarget, type ProbeTarget } from "./probe-targets.js";
import { splitCredentials } from "./url-credentials.js";


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
  targets: readonly ProbeTarget[];
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
  target: ProbeTarget;
  /** The target as logs and the summary show it. */
  name: string;
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

/**
 * Why an answer is not the route yet, for the failure line. With the probe's copy known (read from
 * ECS), "the route has no copy of this service" was settled before probing (such a URL is not
 * probed), so a late answer from elsewhere means Traefik has not routed the copy yet.
 */
export function explainAnswer(answer: ProbeAnswer, route: Route, target: ProbeTarget): string {
  if (answer.kind === "failed") {
    return "nothing answered: check the URL (or entrypoint-url) and that the runner can reach the dev environment";
  }
  if (answer.servedBy === route) {
    return "the copy answers with an error: it is routed, but its tasks fail or are not healthy yet; read the copy's logs";
  }
  if (target.copy !== undefined) {
    return `the copy ${target.copy} exists but Traefik has not picked it up yet (it routes a new task within its refreshSeconds, 15 s by default): check that its tasks are RUNNING and that Traefik watches this cluster`;
  }
  if (answer.servedBy === undefined) {
    return `the answer did not come through a route's router (no ${SERVED_BY_HEADER}): check that the URL is served by Traefik and that the route's match covers it`;
  }
  return `route ${route} has no copy of this service, or Traefik has not picked the copy up yet (refreshSeconds); give entrypoint-url (and cluster) to tell which`;
}

/**
 * One GET; never throws: a connection error or timeout is an answer too. A target with `host` is
 * sent to its URL's address with that Host header and, over TLS, that server name (SNI), as a
 * client resolving the host to the entrypoint would. The URL's `user:password@` goes as basic auth.
 */
export async function probeOnce(target: ProbeTarget, headers: Record<string, string>, timeoutMs: number): Promise<ProbeAnswer> {
  const credentials = splitCredentials(target.url);
  const url = new URL(credentials.url);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const requestHeaders = {
    ...headers,
    ...(credentials.authorization === undefined ? {} : { authorization: credentials.authorization }),
    ...(target.host === undefined ? {} : { host: target.host }),
  };
  const tls = target.host !== undefined && url.protocol === "https:" ? { servername: target.host.replace(/:\d+$/, "") } : {};
  return new Promise<ProbeAnswer>((resolve) => {
    const request = send(url, { method: "GET", headers: requestHeaders, signal: AbortSignal.timeout(timeoutMs), ...tls }, (response: IncomingMessage) => {
      // The body is not needed; dropping it frees the connection at once.
      response.resume();
      const servedBy = response.headers[SERVED_BY_HEADER.toLowerCase()];
      resolve({ kind: "answered", status: response.statusCode ?? 0, servedBy: (Array.isArray(servedBy) ? servedBy[0] : servedBy)?.trim() });
    });
    request.on("error", (error) => resolve({ kind: "failed", reason: requestFailure(error, timeoutMs) }));
    request.end();
  });
}

function requestFailure(error: Error, timeoutMs: number): string {
  if (error.name === "AbortError" || error.name === "TimeoutError") {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  return errorMessage(error);
}

async function probeUntilLive(target: ProbeTarget, options: ProbeOptions, clock: Clock): Promise<ProbeResult> {
  const { route, logger } = options;
  const name = describeTarget(target);
  const start = clock.now();
  const deadline = start + options.timeoutMs;
  const progressEveryMs = options.progressEveryMs ?? DEFAULT_PROGRESS_EVERY_MS;
  let lastLine = "";
  let lastLoggedAt = -Infinity;
  for (let attempts = 1; ; attempts++) {
    const answer = await probeOnce(target, options.headers, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    const now = clock.now();
    if (isLive(answer, route)) {
      logger.info(`${name} ${describeAnswer(answer)} after ${formatDuration(now - start, "seconds")} s`);
      return { target, name, ready: true, elapsedMs: now - start, attempts, last: answer };
    }
    if (now >= deadline) {
      return { target, name, ready: false, elapsedMs: now - start, attempts, last: answer };
    }
    const line = `${name} ${describeAnswer(answer)}, waiting`;
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
 * Waits until every target answers with `X-Served-By-Route: <route>` when sent the routing signal
 * ("ECS service stable" is not "route live": Traefik routes a new task only after its next
 * refresh). Probes run concurrently. Throws RouteNotLiveError naming what each late URL last saw.
 */
export async function waitUntilRouteLive(options: ProbeOptions): Promise<ProbeResult[]> {
  const clock = options.clock ?? systemClock;
  const results = await Promise.all(options.targets.map((target) => probeUntilLive(target, options, clock)));
  const late = results.filter((result) => !result.ready);
  if (late.length > 0) {
    const reasons = late.map((result) => `${result.name} ${describeAnswer(result.last)}: ${explainAnswer(result.last, options.route, result.target)}`);
    throw new RouteNotLiveError(
      `route ${options.route} not live after ${formatDuration(options.timeoutMs, "seconds")} s: ${reasons.join("; ")}`,
      results,
    );
  }
  return results;
}
