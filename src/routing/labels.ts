import { createHash } from "node:crypto";
import { ConfigurationError } from "../common/errors.js";
import { ECS_NAME_PATTERN } from "../ecs/names.js";
import type { RuleSyntax } from "./rule/ast.js";
import { ruleLiteral } from "./rule/literal.js";
import { parseRule, RuleSyntaxError } from "./rule/parser.js";
import { escapeRegexp } from "./rule/regexp.js";
import { SHADOW_FALLBACK_NAME, SHADOW_ROUTE, validateRoute, type Route } from "./route.js";
import { SERVED_BY_HEADER, validateSignalNames, type SignalNames } from "./signal.js";
import { fieldValue, labelList, traefikHttpLabel, traefikObjects, type TraefikLabel } from "./traefik-labels.js";

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
 * Router settings read on their own: the copy's rule is `match && signal`, its priority and service
 * its own; middlewares and entrypoints are kept (entrypoints unless the input sets them).
 */
const READ_ROUTER_FIELDS = new Set(["rule", "priority", "service", "rulesyntax", "middlewares", "entrypoints"]);
/** Router settings a copy takes from its base router as written. */
const COPIED_ROUTER_FIELD = /^(tls|tls\..+|observability\..+)$/i;
/** Load-balancer settings a copy's Traefik service takes from its base's; the port is the route's. */
const COPIED_SERVICE_FIELD = /^loadbalancer\.(server\.scheme|passhostheader|healthcheck\..+|serverstransport|sticky\..+|responseforwarding\..+)$/i;
const OWN_SERVICE_FIELD = /^loadbalancer\.server\.port$/i;
const SCHEME_FIELD = /^loadbalancer\.server\.scheme$/i;
const OWN_PROVIDER = "@ecs";

/** What a copy keeps of its base router and service: how requests reach, and pass through to, the base. */
interface BaseBehaviour {
  /** The base router's middlewares in order, each resolvable from the copy (`<name>@ecs`, `auth@file`). */
  middlewares: string[];
  /** The base router's entrypoints; [] = every entrypoint. */
  entrypoints: string[];
  /** tls*, observability.*: [field as written, value]. */
  routerFields: [string, string][];
  /** The base Traefik service's load-balancer settings: [field as written, value]. */
  serviceFields: [string, string][];
}

/** The names a copy defines; a base object of one of them would clash (Traefik drops both, the base's routing with them). */
interface CopyNames {
  routers: string[];
  services: string[];
  middlewares: string[];
}

function unreproducible(label: string, what: string): ConfigurationError {
  return new ConfigurationError(
    `the base label ${label} ${what}, so a copy could not behave like its base; remove it from the base task definition's labels, or copy this service by other means`,
    "service",
  );
}

/** Only HTTP routers, services and middlewares can be reproduced: a copy is chosen per HTTP request. */
function checkHttpOnly(baseLabels: Record<string, string>): void {
  for (const [key, value] of Object.entries(baseLabels)) {
    if (!key.startsWith(`${TRAEFIK_ROOT}.`) || key.toLowerCase() === `${TRAEFIK_ROOT}.enable` || traefikHttpLabel(key, value) !== undefined) continue;
    if (/^traefik\.(tcp|udp)\./i.test(key)) {
      throw unreproducible(key, "routes TCP or UDP, which no request signal can choose a copy for (its connections would all reach the base)");
    }
    throw unreproducible(key, "is not a Traefik HTTP router, service or middleware setting this action knows");
  }
}

function checkNoClash(baseLabels: Record<string, string>, names: CopyNames): void {
  for (const kind of ["routers", "services", "middlewares"] as const) {
    const own = new Set(names[kind].map((name) => name.toLowerCase()));
    for (const [name, [first]] of traefikObjects(baseLabels, kind)) {
      if (first !== undefined && own.has(name.toLowerCase())) {
        throw new ConfigurationError(
          `the base label ${first.key} defines the ${kind.slice(0, -1)} ${name}, which this route's copy defines too; Traefik would drop both, and the base service's routing with them; rename it in the base task definition's labels`,
          "service",
        );
      }
    }
  }
}

/**
 * The load-balancer settings of the Traefik service a base router sends to (`router` undefined: the
 * base has no router, and Traefik's default router sends to its only service).
 */
function baseServiceFields(router: string | undefined, named: string | undefined, services: Map<string, TraefikLabel[]>): [string, string][] {
  const target = named?.endsWith(OWN_PROVIDER) ? named.slice(0, -OWN_PROVIDER.length) : named;
  if (target === undefined && services.size > 1) {
    const who = router === undefined ? "the base labels define no router and" : `the base router ${router} names no service and its labels define`;
    throw new ConfigurationError(`${who} several services (${[...services.keys()].join(", ")}); name the one to copy in the base router's service label`, "service");
  }
  const name = target ?? [...services.keys()][0];
  const service = name === undefined ? undefined : services.get(name);
  if (service === undefined) {
    // No service labels: Traefik gives the container a service of its own, with default settings.
    if (services.size === 0 && !(name ?? "").includes("@")) return [];
    throw new ConfigurationError(
      `the base router ${router} sends to the service ${named}, which the routed container's labels do not define, so a copy cannot take its settings; define the service in those labels`,
      "service",
    );
  }
  return service
    .filter((label) => !OWN_SERVICE_FIELD.test(label.field))
    .map((label): [string, string] => {
      if (!COPIED_SERVICE_FIELD.test(label.field)) throw unreproducible(label.key, "is a Traefik service setting this action does not copy");
      return [label.field, label.value];
    });
}

function behaviourOf(router: string, fields: TraefikLabel[], services: Map<string, TraefikLabel[]>): BaseBehaviour {
  const routerFields: [string, string][] = [];
  for (const label of fields) {
    const field = label.field.toLowerCase();
    if (READ_ROUTER_FIELDS.has(field)) continue;
    if (!COPIED_ROUTER_FIELD.test(field)) throw unreproducible(label.key, "is a Traefik router setting this action does not copy");
    routerFields.push([label.field, label.value]);
  }
  return {
    // A name without a provider resolves in the router's own provider; the copy names it explicitly.
    middlewares: labelList(fieldValue(fields, "middlewares")).map((name) => (name.includes("@") ? name : `${name}${OWN_PROVIDER}`)),
    entrypoints: labelList(fieldValue(fields, "entrypoints")),
    routerFields,
    serviceFields: baseServiceFields(router, fieldValue(fields, "service"), services),
  };
}

/** The aspect in which two base routers differ, for the error line. */
function difference(a: BaseBehaviour, b: BaseBehaviour): [string, string, string] | undefined {
  const aspects: [string, (behaviour: BaseBehaviour) => unknown][] = [
    ["middlewares", (behaviour) => behaviour.middlewares],
    ["entrypoints", (behaviour) => behaviour.entrypoints],
    ["TLS or observability settings", (behaviour) => sortedFields(behaviour.routerFields)],
    ["service settings", (behaviour) => sortedFields(behaviour.serviceFields)],
  ];
  for (const [aspect, read] of aspects) {
    const [left, right] = [JSON.stringify(read(a)), JSON.stringify(read(b))];
    if (left !== right) return [aspect, left, right];
  }
  return undefined;
}

function sortedFields(fields: [string, string][]): [string, string][] {
  return fields.map(([field, value]): [string, string] => [field.toLowerCase(), value]).sort(([x], [y]) => x.localeCompare(y));
}

/**
 * The base routers a copy stands in for: all of them, or with the entrypoints input those that
 * listen on one of its entrypoints (so a base with an HTTP router that redirects and an HTTPS one
 * that serves is copied as its HTTPS router with `entrypoints: websecure`).
 */
function standInRouters(baseLabels: Record<string, string>, entrypoints: string[]): Map<string, TraefikLabel[]> {
  const routers = traefikObjects(baseLabels, "routers");
  if (entrypoints.length === 0) return routers;
  const listening = new Map(
    [...routers].filter(([, fields]) => {
      const own = labelList(fieldValue(fields, "entrypoints"));
      return own.length === 0 || own.some((entrypoint) => entrypoints.includes(entrypoint));
    }),
  );
  if (routers.size > 0 && listening.size === 0) {
    throw new ConfigurationError(
      `no base router listens on ${entrypoints.join(", ")}, so a copy there would answer what its base never does; set entrypoints to those of a base router (${[...routers.keys()].join(", ")})`,
      "entrypoints",
    );
  }
  return listening;
}

/**
 * What the copy keeps of its base (fail closed): a base setting it cannot reproduce faithfully is
 * an error naming the setting, never dropped: an auth middleware lost on a copy is a security hole.
 */
function baseBehaviour(baseLabels: Record<string, string>, routers: Map<string, TraefikLabel[]>): BaseBehaviour {
  const services = traefikObjects(baseLabels, "services");
  const behaviours = [...routers].map(([name, fields]) => ({ name, behaviour: behaviourOf(name, fields, services) }));
  const [first, ...others] = behaviours;
  if (first === undefined) return { middlewares: [], entrypoints: [], routerFields: [], serviceFields: baseServiceFields(undefined, undefined, services) };
  for (const other of others) {
    const differs = difference(first.behaviour, other.behaviour);
    if (differs !== undefined) {
      const [aspect, left, right] = differs;
      throw new ConfigurationError(
        `the base routers ${first.name} and ${other.name} differ in ${aspect} (${left} and ${right}), and a copy has one router, so it cannot behave like both; set entrypoints to those of the one to copy, or give them the same ${aspect}`,
        "entrypoints",
      );
    }
  }
  return first.behaviour;
}

/** The rule of each given router that has one, by router name. */
function routerRules(routers: Map<string, TraefikLabel[]>): Map<string, string> {
  const rules = new Map<string, string>();
  for (const [name, fields] of routers) {
    const rule = fieldValue(fields, "rule");
    if (rule !== undefined) rules.set(name, rule);
  }
  return rules;
}

/**
 * The base service's own match: the rule of its single router in `baseLabels` (of those on
 * `entrypoints`, when given).
 */
export function baseMatch(baseLabels: Record<string, string>, entrypoints: string[] = []): string {
  const routers = routerRules(standInRouters(baseLabels, entrypoints));
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
  for (const [router, fields] of traefikObjects(options.baseLabels ?? {}, "routers")) {
    const value = fieldValue(fields, "priority");
    if (value !== undefined && Number(value) >= lowest) {
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
  const match = matchOperand(options.match ?? baseMatch(options.baseLabels, options.entrypoints), ruleSyntax);
  const name = routeTraefikName(options.baseService, route);
  const middleware = `${name}-served`;
  const fallbackRouter = writesFallbackRouter(route === SHADOW_ROUTE, options.fallback) ? shadowFallbackRouterName(options.baseService) : undefined;
  checkHttpOnly(options.baseLabels);
  checkNoClash(options.baseLabels, { routers: [name, ...(fallbackRouter === undefined ? [] : [fallbackRouter])], services: [name], middlewares: [middleware] });
  const base = baseBehaviour(options.baseLabels, standInRouters(options.baseLabels, options.entrypoints));
  const entrypoints = options.entrypoints.length > 0 ? options.entrypoints : base.entrypoints;
  // A base on Traefik v3 that keeps v2 rules per router: the copies must say which syntax they use.
  const declareSyntax = [...traefikObjects(options.baseLabels, "routers").values()].some((fields) => fieldValue(fields, "rulesyntax") !== undefined);

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
    // The base's auth, rewriting and headers first, as on the base router; then the copy's answer header.
    labels[`${key}.middlewares`] = [...base.middlewares, middleware].join(",");
    if (entrypoints.length > 0) labels[`${key}.entrypoints`] = entrypoints.join(",");
    if (declareSyntax) labels[`${key}.ruleSyntax`] = ruleSyntax;
    for (const [field, value] of base.routerFields) labels[`${key}.${field}`] = value;
  };

  addRouter(name, `${match} && (${signalRule(route, signal, ruleSyntax)})`, options.priority);
  if (fallbackRouter !== undefined) addRouter(fallbackRouter, `${match} && (${anySignalRule(signal, ruleSyntax)})`, options.fallbackPriority);
  const service = `traefik.http.services.${name}`;
  // The route's port, and its protocol when it says grpc, win over the base's.
  for (const [field, value] of base.serviceFields) {
    if (!(options.protocol === "grpc" && SCHEME_FIELD.test(field))) labels[`${service}.${field}`] = value;
  }
  labels[`${service}.loadbalancer.server.port`] = String(options.port);
  if (options.protocol === "grpc") labels[`${service}.loadbalancer.server.scheme`] = "h2c";
  labels[`traefik.http.middlewares.${middleware}.headers.customresponseheaders.${SERVED_BY_HEADER}`] = route;
  return labels;
}
