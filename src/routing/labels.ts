import { createHash } from "node:crypto";
import { ConfigurationError } from "../common/errors.js";
import { ECS_NAME_PATTERN } from "../ecs/names.js";
import type { RuleSyntax } from "./rule/ast.js";
import { ruleLiteral } from "./rule/literal.js";
import { parseRule, RuleSyntaxError } from "./rule/parser.js";
import { escapeRegexp } from "./rule/regexp.js";
import { SHADOW_FALLBACK_NAME, SHADOW_ROUTE, validateRoute, type Route } from "./route.js";
import { SERVED_BY_HEADER, validateSignalNames, type SignalNames } from "./signal.js";

export type { RuleSyntax } from "./rule/ast.js";

/** Router priorities, widely spaced: Traefik orders equal priorities randomly (docs/design.md §2). */
export const DEFAULT_PRIORITIES = { route: 30000, shadow: 20000, shadowFallback: 10000 } as const;

export type Protocol = "http" | "grpc";
export type Fallback = "shadow" | "default";

export interface RouteLabelOptions {
  /** ECS base service name, e.g. `orders`. */
  baseService: string;
  /** `shadow`, `pr-123` or a branch slug. */
  route: Route;
  /** dockerLabels of the routed container in the base task definition. */
  baseLabels: Record<string, string>;
  /** The user's `match` input; when absent, the rule of the single router in `baseLabels`. */
  match?: string;
  port: number;
  protocol: Protocol;
  /**
   * The syntax of these routers' rules. A per-router `ruleSyntax` label is written only when a base
   * router has one (so the Traefik in use knows the label; Traefik v2 refuses a container with it);
   * otherwise Traefik applies its `core.defaultRuleSyntax` (v3 unless set).
   */
  ruleSyntax: RuleSyntax;
  /** Entrypoints of the route's routers; [] = Traefik's default (all). */
  entrypoints: string[];
  /** This route's router priority (30000 for a PR or branch, 20000 for shadow by default). */
  priority: number;
  /** Shadow only: priority of the `<base>--shadow-fallback` router. */
  fallbackPriority: number;
  /** Shadow only: `default` = no fallback router, requests for absent routes reach the default service. */
  fallback: Fallback;
  signal: SignalNames;
}

const TRAEFIK_ROOT = "traefik";
const ROUTER_RULE_FIELD = /^http\.routers\.([^.]+)\.rule$/i;
const ROUTER_PRIORITY_FIELD = /^http\.routers\.([^.]+)\.priority$/i;
const ROUTER_RULE_SYNTAX_FIELD = /^http\.routers\.([^.]+)\.rulesyntax$/i;
const TRAEFIK_NAME = /^[a-z0-9-]+$/;
const HASH_LENGTH = 6;
/**
 * The highest router priority the actions write. Traefik's own limit is MaxInt64 - 1000; a billion
 * leaves room for any spacing a platform uses and stays an exact number in JavaScript and YAML.
 */
export const MAX_PRIORITY = 1_000_000_000;
/** Traefik entrypoint names as the actions accept them (a label lists them comma-separated). */
const ENTRYPOINT_NAME = /^[A-Za-z0-9_-]+$/;

/** The Traefik name root of a base service: the ECS name when it is already `[a-z0-9-]`, else a safe slug plus a hash. */
function traefikBaseName(baseService: string): string {
  if (!ECS_NAME_PATTERN.test(baseService)) {
    throw new ConfigurationError(`'${baseService}' is not an ECS service name (letters, digits, '-' and '_')`, "service");
  }
  if (TRAEFIK_NAME.test(baseService)) return baseService;
  // Label keys split on '.', and Traefik names should stay [a-z0-9-]; the hash keeps `a_b` and `a-b` apart.
  const slug = baseService.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  return `${slug}-${createHash("sha256").update(baseService, "utf8").digest("hex").slice(0, HASH_LENGTH)}`;
}

/** Router, Traefik service and middleware-prefix name of a route's copy: `<base>--<route>`. */
export function routeTraefikName(baseService: string, route: Route): string {
  return `${traefikBaseName(baseService)}--${validateRoute(route)}`;
}

/** The shadow copy's second router, taking requests for routes this service has no copy of. */
export function shadowFallbackRouterName(baseService: string): string {
  return `${traefikBaseName(baseService)}--${SHADOW_FALLBACK_NAME}`;
}

/**
 * The router named by a label key for `field` (e.g. ROUTER_RULE_FIELD). Traefik wants the root in
 * lowercase and matches the rest of a key case-insensitively. (A regexp modifier group would say
 * this in one pattern, but Node 22, which composite steps run on, cannot parse it.)
 */
function routerOfLabel(key: string, field: RegExp): string | undefined {
  const root = `${TRAEFIK_ROOT}.`;
  return key.startsWith(root) ? field.exec(key.slice(root.length))?.[1] : undefined;
}

/** Routers that have a rule in the base labels, by name. */
function baseRouterRules(baseLabels: Record<string, string>): Map<string, string> {
  const routers = new Map<string, string>();
  for (const [key, value] of Object.entries(baseLabels)) {
    const name = routerOfLabel(key, ROUTER_RULE_FIELD);
    if (name !== undefined) routers.set(name, value);
  }
  return routers;
}

/** The base service's own match: the rule of its single router in `baseLabels`. */
export function baseMatch(baseLabels: Record<string, string>): string {
  const routers = baseRouterRules(baseLabels);
  const [only] = routers.values();
  if (routers.size === 1 && only !== undefined) return only;
  if (routers.size === 0) {
    throw new ConfigurationError(
      "the base task definition has no Traefik router rule to copy; set match to the requests this service answers, e.g. match: Host(`orders.dev.internal`)",
      "match",
    );
  }
  throw new ConfigurationError(
    `the base task definition has ${routers.size} Traefik routers (${[...routers.keys()].join(", ")}); set match to the one rule the route copies should answer, e.g. match: Host(\`orders.dev.internal\`)`,
    "match",
  );
}

/**
 * `value` (a route: `[a-z0-9-]`) as a regexp that also accepts any of its characters
 * percent-encoded, in either hex case: W3C Baggage lets a sender encode any character, so
 * `pr%2D42` is `pr-42`, and Traefik's HeaderRegexp sees the value undecoded.
 */
function percentEncodedForms(value: string): string {
  return [...value]
    .map((character) => {
      const hex = (character.codePointAt(0) ?? 0).toString(16).toUpperCase();
      const anyCase = [...hex].map((digit) => (/[A-F]/.test(digit) ? `[${digit}${digit.toLowerCase()}]` : digit)).join("");
      return `(${escapeRegexp(character)}|%${anyCase})`;
    })
    .join("");
}

/** One way a request names its route: a rule part naming route R, and one true when it names any route. */
interface SignalMatchers {
  names(route: Route): string;
  present: string;
}

/** The matchers of each signal. An empty or blank value is no signal. */
function signalMatchers(signal: SignalNames, syntax: RuleSyntax): Record<"header" | "cookie" | "baggage", SignalMatchers> {
  const { header, headerRegexp } = syntax === "v3" ? { header: "Header", headerRegexp: "HeaderRegexp" } : { header: "Headers", headerRegexp: "HeadersRegexp" };
  // OpenTelemetry's propagator percent-encodes baggage keys; other SDKs may send the key as is.
  const encodedKey = encodeURIComponent(signal.baggageKey);
  const key =
    encodedKey === signal.baggageKey
      ? escapeRegexp(signal.baggageKey)
      : `(${escapeRegexp(signal.baggageKey)}|${escapeRegexp(encodedKey)})`;
  const cookie = `(^|;\\s*)${escapeRegexp(signal.cookie)}=\\s*`;
  const baggage = `(^|,)\\s*${key}\\s*=\\s*`;
  const regexp = (name: string, pattern: string): string => `${headerRegexp}(${ruleLiteral(name)}, ${ruleLiteral(pattern)})`;
  return {
    header: { names: (route) => `${header}(${ruleLiteral(signal.header)}, ${ruleLiteral(route)})`, present: regexp(signal.header, "\\S") },
    cookie: { names: (route) => regexp("Cookie", `${cookie}${escapeRegexp(route)}\\s*(;|$)`), present: regexp("Cookie", `${cookie}[^\\s;]`) },
    baggage: {
      names: (route) => regexp("baggage", `${baggage}${percentEncodedForms(route)}\\s*(;|,|$)`),
      present: regexp("baggage", `${baggage}[^\\s,;]`),
    },
  };
}

/**
 * The part of route R's rule that recognises a request for R: the strongest signal the request
 * carries names R. Precedence: the header (set on purpose by a tool or test for this one request)
 * over the cookie (a browser's standing choice) over baggage (inherited from upstream). A weaker
 * signal counts only when no stronger one is present, so a request with several signals matches
 * one route's routers only, whatever the priorities; a service without that route's copy falls
 * back as for any request for it.
 */
export function signalRule(route: Route, signal: SignalNames, syntax: RuleSyntax): string {
  validateRoute(route);
  validateSignalNames(signal);
  const { header, cookie, baggage } = signalMatchers(signal, syntax);
  return `${header.names(route)} || !${header.present} && (${cookie.names(route)} || !${cookie.present} && ${baggage.names(route)})`;
}

/** Any routing signal with a non-blank value: what the shadow fallback router answers. */
export function anySignalRule(signal: SignalNames, syntax: RuleSyntax): string {
  validateSignalNames(signal);
  const { header, cookie, baggage } = signalMatchers(signal, syntax);
  return [header.present, cookie.present, baggage.present].join(" || ");
}

/** The match, parenthesised when its top level is `||` (`&&` binds tighter, so `a || b && s` would be wrong). */
function matchOperand(match: string, syntax: RuleSyntax): string {
  try {
    return parseRule(match, syntax).expression.kind === "or" ? `(${match})` : match;
  } catch (error) {
    if (!(error instanceof RuleSyntaxError)) throw error;
    throw new ConfigurationError(
      `${match} is not a valid Traefik ${syntax} rule: ${error.reason} (at character ${error.position + 1}); write it as Traefik expects, e.g. Host(\`orders.dev.internal\`)`,
      "match",
    );
  }
}

function checkPriority(value: number, input: string): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_PRIORITY) {
    throw new ConfigurationError(`'${value}' must be a whole number from 1 to ${MAX_PRIORITY}`, input);
  }
}

/** Only shadow has the fallback router, and not with `fallback: default`. */
function writesFallbackRouter(shadow: boolean, fallback: Fallback): boolean {
  return shadow && fallback === "shadow";
}

/** What the priority-order rule looks at: the route's priorities and, once read, the base labels. */
export type PriorityOrderOptions = Pick<RouteLabelOptions, "priority" | "fallbackPriority" | "fallback"> & { baseLabels?: Record<string, string> };

/**
 * Priorities that would hide a copy: the shadow fallback at or above the shadow router wins over
 * it, a route at or below the shadow fallback loses its requests to the shadow copy, and a base
 * router at or above them answers every request first. Checked on the inputs, and again with the
 * base labels when the labels are built.
 */
export function checkPriorityOrder(options: PriorityOrderOptions, shadow: boolean): void {
  const fallbackRouter = writesFallbackRouter(shadow, options.fallback);
  if (fallbackRouter && options.fallbackPriority >= options.priority) {
    throw new ConfigurationError(
      `${options.fallbackPriority} must be below priority ${options.priority}, or the fallback router would win over the shadow router`,
      "fallback-priority",
    );
  }
  const lowest = fallbackRouter ? Math.min(options.priority, options.fallbackPriority) : options.priority;
  if (!shadow && options.priority <= options.fallbackPriority) {
    throw new ConfigurationError(
      `${options.priority} must be above the shadow fallback priority ${options.fallbackPriority}, or the shadow copy would take this route's requests`,
      "priority",
    );
  }
  for (const [key, value] of Object.entries(options.baseLabels ?? {})) {
    const router = routerOfLabel(key, ROUTER_PRIORITY_FIELD);
    if (router !== undefined && Number(value) >= lowest) {
      throw new ConfigurationError(
        `the base router ${router} has priority ${value}, so Traefik would send every request to the default service; set priority (and fallback-priority) above ${value}`,
        Number(value) >= options.priority ? "priority" : "fallback-priority",
      );
    }
  }
}

export function checkEntrypoints(entrypoints: readonly string[]): void {
  for (const entrypoint of entrypoints) {
    if (!ENTRYPOINT_NAME.test(entrypoint)) {
      throw new ConfigurationError(`'${entrypoint}' is not an entrypoint name; list Traefik entrypoints of letters, digits, '-' and '_', such as web, websecure`, "entrypoints");
    }
  }
}

/**
 * The base router's TLS settings (`tls`, `tls.certresolver`, `tls.domains[0].main`, …) by field:
 * a copy without them would not match HTTPS requests that the base router answers.
 */
function baseTlsSettings(baseLabels: Record<string, string>): [string, string][] {
  const routers = baseRouterRules(baseLabels);
  const [router] = routers.keys();
  if (routers.size !== 1 || router === undefined) return [];
  const prefix = `traefik.http.routers.${router}.`.toLowerCase();
  return Object.entries(baseLabels)
    .filter(([key]) => key.toLowerCase().startsWith(prefix))
    .map(([key, value]): [string, string] => [key.slice(prefix.length), value])
    .filter(([field]) => /^tls($|\.)/i.test(field));
}

/** The complete new dockerLabels: base labels minus every traefik.* label, plus the route's labels (docs/design.md §2). */
export function routeLabels(options: RouteLabelOptions): Record<string, string> {
  const route = validateRoute(options.route);
  const { signal, ruleSyntax } = options;
  validateSignalNames(signal);
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new ConfigurationError(`'${options.port}' is not a port; use the container port Traefik should send to, 1-65535`, "port");
  }
  checkPriority(options.priority, "priority");
  checkPriority(options.fallbackPriority, "fallback-priority");
  checkPriorityOrder(options, route === SHADOW_ROUTE);
  checkEntrypoints(options.entrypoints);
  const match = matchOperand(options.match ?? baseMatch(options.baseLabels), ruleSyntax);
  const name = routeTraefikName(options.baseService, route);
  const middleware = `${name}-served`;
  const tls = baseTlsSettings(options.baseLabels);
  // A base on Traefik v3 that keeps v2 rules per router: the copies must say which syntax they use.
  const declareSyntax = Object.keys(options.baseLabels).some((key) => routerOfLabel(key, ROUTER_RULE_SYNTAX_FIELD) !== undefined);

  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.baseLabels)) {
    if (key !== TRAEFIK_ROOT && !key.startsWith(`${TRAEFIK_ROOT}.`)) labels[key] = value;
  }
  labels["traefik.enable"] = "true";

  const addRouter = (router: string, rule: string, priority: number): void => {
    // A generated rule that Traefik would refuse is a bug here, never the user's input.
    parseRule(rule, ruleSyntax);
    const key = `traefik.http.routers.${router}`;
    labels[`${key}.rule`] = rule;
    labels[`${key}.priority`] = String(priority);
    labels[`${key}.service`] = name;
    labels[`${key}.middlewares`] = middleware;
    if (options.entrypoints.length > 0) labels[`${key}.entrypoints`] = options.entrypoints.join(",");
    if (declareSyntax) labels[`${key}.ruleSyntax`] = ruleSyntax;
    for (const [field, value] of tls) labels[`${key}.${field}`] = value;
  };

  addRouter(name, `${match} && (${signalRule(route, signal, ruleSyntax)})`, options.priority);
  if (writesFallbackRouter(route === SHADOW_ROUTE, options.fallback)) {
    addRouter(shadowFallbackRouterName(options.baseService), `${match} && (${anySignalRule(signal, ruleSyntax)})`, options.fallbackPriority);
  }
  labels[`traefik.http.services.${name}.loadbalancer.server.port`] = String(options.port);
  if (options.protocol === "grpc") labels[`traefik.http.services.${name}.loadbalancer.server.scheme`] = "h2c";
  labels[`traefik.http.middlewares.${middleware}.headers.customresponseheaders.${SERVED_BY_HEADER}`] = route;
  return labels;
}
