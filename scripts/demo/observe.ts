// What a person wants to see after each step: real requests through the router, one per routing
// signal and service, and which copy answered each (its X-Served-By-Route and ECS service name),
// plus the chain of copies one request to the front service went through.
import { setTimeout as delay } from "node:timers/promises";
import type { Route } from "../../src/routing/route.js";
import { cookiePair, mergeBaggage, SERVED_BY_HEADER, type SignalNames } from "../../src/routing/signal.js";
import { CLIENT_CREDENTIALS } from "./auth.js";
import { OWNER_HEADER, type BaseService } from "./cluster.js";
import type { ContainerAnswer } from "./containers.js";
import { formatTable } from "./text.js";

export interface RoutingSignal {
  /** How the table names it, e.g. `header X-Route-Version: pr-2`. */
  label: string;
  headers: Record<string, string>;
}

/**
 * Every way a request can ask for `route`, a request for shadow, a request without any signal, and
 * two requests carrying two signals (the header beats the cookie, the cookie beats baggage). Each
 * carries the team client's credentials.
 */
export function demoSignals(route: Route, names: SignalNames): RoutingSignal[] {
  const baggage = mergeBaggage(route, names);
  const signals: RoutingSignal[] = [
    { label: `header ${names.header}: ${route}`, headers: { [names.header]: route } },
    { label: `cookie ${cookiePair(route, names)}`, headers: { cookie: `theme=dark; ${cookiePair(route, names)}` } },
    { label: `baggage ${baggage}`, headers: { baggage } },
    { label: `header ${names.header}: shadow`, headers: { [names.header]: "shadow" } },
    { label: "no signal", headers: {} },
    {
      label: `two signals: header ${names.header}: shadow + cookie ${cookiePair(route, names)}`,
      headers: { [names.header]: "shadow", cookie: cookiePair(route, names) },
    },
    {
      label: `two signals: cookie ${cookiePair(route, names)} + baggage ${mergeBaggage("shadow", names)}`,
      headers: { cookie: cookiePair(route, names), baggage: mergeBaggage("shadow", names) },
    },
  ];
  return signals.map((signal) => ({ ...signal, headers: { ...CLIENT_CREDENTIALS, ...signal.headers } }));
}

export interface RoutedAnswer {
  status: number;
  /** The X-Served-By-Route header; null when a default service answered. */
  servedByRoute: string | null;
  /** The response header the demo's headers middleware sets on orders (OWNER_HEADER). */
  ownerHeader: string | null;
  /** The ECS service whose task answered; undefined when no container answered (404, 503). */
  service: string | undefined;
  /** Services the request went through: this one, then each downstream call's. */
  chain: string[];
  body: ContainerAnswer | string;
}

function chainOf(answer: ContainerAnswer): string[] {
  const chain = [answer.service];
  for (let hop = answer.downstream; hop !== undefined; hop = hop.answer?.downstream) {
    chain.push(hop.answer?.service ?? `(${hop.status === 0 ? hop.error : hop.status})`);
  }
  return chain;
}

export async function send(url: string, headers: Record<string, string> = {}): Promise<RoutedAnswer> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const servedByRoute = response.headers.get(SERVED_BY_HEADER);
  const ownerHeader = response.headers.get(OWNER_HEADER);
  if (!(response.headers.get("content-type") ?? "").startsWith("application/json")) {
    return { status: response.status, servedByRoute, ownerHeader, service: undefined, chain: [], body: text.trim() };
  }
  const body = JSON.parse(text) as ContainerAnswer;
  return { status: response.status, servedByRoute, ownerHeader, service: body.service, chain: chainOf(body), body };
}

export interface ObservedRow {
  signal: RoutingSignal;
  /** By base service name. */
  answers: Record<string, RoutedAnswer>;
}

export async function observeRouting(routerUrl: string, signals: RoutingSignal[], services: readonly BaseService[]): Promise<ObservedRow[]> {
  return Promise.all(
    signals.map(async (signal) => {
      const answers: Record<string, RoutedAnswer> = {};
      for (const service of services) answers[service.name] = await send(`${routerUrl}${service.path}/`, signal.headers);
      return { signal, answers };
    }),
  );
}

function cell(answer: RoutedAnswer | undefined): string {
  if (answer === undefined) return "";
  if (answer.service === undefined) return `HTTP ${answer.status}`;
  return `${answer.service} [${answer.servedByRoute ?? "-"}]`;
}

/** The routing table: signals down, services across, then the chain of the first service's request. */
export function formatRouting(rows: ObservedRow[], services: readonly BaseService[]): string[] {
  const [front] = services;
  const header = ["request", ...services.map((service) => `${service.path}/`), `chain of ${front?.path ?? ""}/`];
  const body = rows.map((row) => [
    row.signal.label,
    ...services.map((service) => cell(row.answers[service.name])),
    front === undefined ? "" : (row.answers[front.name]?.chain ?? []).join(" → "),
  ]);
  return [
    ...formatTable(header, body),
    "  cell: the ECS service that answered [its X-Served-By-Route header; - = none, a default service]",
    "  chain: only baggage travels downstream (OpenTelemetry propagates it); a header or cookie reaches the first hop only",
    "  two signals: the header beats the cookie, the cookie beats baggage (docs/design.md §2)",
  ];
}

/**
 * Waits until `check` holds for an answer from the router: Traefik picks up a task up to
 * refreshSeconds after it runs (or stops), so "service stable" is not "route live".
 */
export async function waitForAnswer(
  url: string,
  headers: Record<string, string>,
  check: (answer: RoutedAnswer) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<RoutedAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last: RoutedAnswer | string = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const answer = await send(url, headers);
      if (check(answer)) return answer;
      last = answer;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await delay(200);
  }
  throw new Error(`${what}: not seen within ${timeoutMs / 1000} s; last answer: ${typeof last === "string" ? last : JSON.stringify(last)}`);
}
