import type { ParsedRule, RuleSyntax } from "../../src/routing/rule/ast.js";
import { parseRule } from "../../src/routing/rule/parser.js";
import { SERVED_BY_HEADER } from "../../src/routing/signal.js";
import { matchesRule } from "../../src/routing/rule/evaluate.js";
import type { HttpRequest } from "../../src/routing/rule/request.js";
import { labelList, traefikObjects, type TraefikKind } from "../../src/routing/traefik-labels.js";

/**
 * A model of how Traefik's ECS provider turns task-definition dockerLabels into HTTP routers and
 * which router answers a request. Pure, and only for tests and the demo (no bundle includes it): proves that generated labels
 * route each request to the intended copy, without running Traefik.
 *
 * Modelled: per-container router/service/middleware labels, `traefik.enable`, a router's implicit
 * service, merging across ECS services (same-named routers or middlewares defined differently are
 * dropped; same-named services pool their servers), priorities (default: rule length in bytes),
 * entrypoints, and three middleware types: headers (custom request and response headers),
 * stripPrefix and forwardAuth. Not modelled: the provider's `defaultRule` template for containers
 * without a router rule, TLS, TCP/UDP, other middleware types (kept, with `unmodelled` set, so a
 * router using one fails closed instead of skipping it).
 */

/** The dockerLabels of one ECS service's routed container, as the provider reads them. */
export interface EcsServiceLabels {
  serviceName: string;
  labels: Record<string, string>;
}

export interface TraefikRouter {
  name: string;
  rule: ParsedRule;
  priority: number;
  service: string;
  middlewares: string[];
  /** Empty = every entrypoint. */
  entryPoints: string[];
  /** ECS services whose labels define this router. */
  definedBy: string[];
}

export interface TraefikService {
  name: string;
  /** ECS services that contribute servers: more than one means their traffic is mixed. */
  servers: string[];
}

export interface TraefikMiddleware {
  name: string;
  /** `headers.customresponseheaders.<name>=<value>`. */
  responseHeaders: Record<string, string>;
  /** `headers.customrequestheaders.<name>=<value>`. */
  requestHeaders: Record<string, string>;
  /** `stripprefix.prefixes`: the first that begins the path is removed. */
  stripPrefixes: string[];
  /** `forwardauth.address` and `forwardauth.authresponseheaders`. */
  forwardAuth?: { address: string; authResponseHeaders: string[] };
  /** The type of a middleware this model does not implement (e.g. `basicauth`), so callers can refuse it. */
  unmodelled?: string;
}

export interface RoutingTable {
  /** Routers Traefik would serve, highest priority first. */
  routers: TraefikRouter[];
  services: Map<string, TraefikService>;
  middlewares: Map<string, TraefikMiddleware>;
  /** Why a router, service or middleware was left out, as Traefik would log it. */
  problems: string[];
}

export interface RoutingTableOptions {
  /** Traefik's `core.defaultRuleSyntax`. */
  defaultRuleSyntax?: RuleSyntax;
  /** The ECS provider's `exposedByDefault` (true by default). */
  exposedByDefault?: boolean;
}

/** Fields of one named object (router, service or middleware), keys lowercased after the name. */
type Fields = Map<string, string>;

interface Definition {
  fields: Fields;
  definedBy: string[];
}

type Kind = TraefikKind;

const SERVER_FIELD = /^loadbalancer\.server\./;
const RESPONSE_HEADERS = "headers.customresponseheaders.";
const REQUEST_HEADERS = "headers.customrequestheaders.";
const MODELLED_MIDDLEWARES = new Set(["headers", "stripprefix", "forwardauth"]);
const OWN_PROVIDER = "@ecs";

/** Objects of one kind in one container's labels, by name. */
function objectsOf(labels: Record<string, string>, kind: Kind): Map<string, Fields> {
  const objects = new Map<string, Fields>();
  for (const [name, labelsOfObject] of traefikObjects(labels, kind)) {
    const fields: Fields = new Map();
    for (const { field, value } of labelsOfObject) {
      // Traefik matches label field names case-insensitively; header names keep their case.
      const lower = field.toLowerCase();
      const header = [RESPONSE_HEADERS, REQUEST_HEADERS].find((prefix) => lower.startsWith(prefix));
      fields.set(header === undefined ? lower : header + field.slice(header.length), value);
    }
    objects.set(name, fields);
  }
  return objects;
}

function sameFields(a: Fields, b: Fields, ignore?: RegExp): boolean {
  const relevant = (fields: Fields) =>
    JSON.stringify([...fields].filter(([field]) => ignore === undefined || !ignore.test(field)).sort());
  return relevant(a) === relevant(b);
}

/**
 * Adds one container's definitions of a kind; a name defined differently by two ECS services is
 * removed for good, as Traefik's provider merge does ("defined multiple times with different configurations").
 */
function merge(
  into: Map<string, Definition>,
  dropped: Set<string>,
  serviceName: string,
  objects: Map<string, Fields>,
  kind: Kind,
  problems: string[],
  ignore?: RegExp,
): void {
  for (const [name, fields] of objects) {
    if (dropped.has(name)) continue;
    const existing = into.get(name);
    if (existing === undefined) {
      into.set(name, { fields, definedBy: [serviceName] });
    } else if (sameFields(existing.fields, fields, ignore)) {
      existing.definedBy.push(serviceName);
    } else {
      problems.push(`${kind.slice(0, -1)} ${name} is defined differently by ${[...existing.definedBy, serviceName].join(", ")}: Traefik drops it`);
      into.delete(name);
      dropped.add(name);
    }
  }
}

function reference(name: string): string | undefined {
  const at = name.indexOf("@");
  if (at < 0) return name;
  return name.slice(at) === OWN_PROVIDER ? name.slice(0, at) : undefined;
}

function middlewareOf(name: string, fields: Fields): TraefikMiddleware {
  const responseHeaders: Record<string, string> = {};
  const requestHeaders: Record<string, string> = {};
  for (const [field, value] of fields) {
    if (field.startsWith(RESPONSE_HEADERS)) responseHeaders[field.slice(RESPONSE_HEADERS.length)] = value;
    if (field.startsWith(REQUEST_HEADERS)) requestHeaders[field.slice(REQUEST_HEADERS.length)] = value;
  }
  const address = fields.get("forwardauth.address");
  const unmodelled = [...fields.keys()].map((field) => field.split(".")[0] ?? "").find((type) => !MODELLED_MIDDLEWARES.has(type));
  return {
    name,
    responseHeaders,
    requestHeaders,
    stripPrefixes: labelList(fields.get("stripprefix.prefixes")),
    ...(address === undefined ? {} : { forwardAuth: { address, authResponseHeaders: labelList(fields.get("forwardauth.authresponseheaders")) } }),
    ...(unmodelled === undefined ? {} : { unmodelled }),
  };
}

/** The routers, services and middlewares Traefik builds from these ECS services' labels. */
export function buildRoutingTable(ecsServices: EcsServiceLabels[], options: RoutingTableOptions = {}): RoutingTable {
  const defaultSyntax = options.defaultRuleSyntax ?? "v3";
  const exposedByDefault = options.exposedByDefault ?? true;
  const problems: string[] = [];
  const routerDefinitions = new Map<string, Definition>();
  const serviceDefinitions = new Map<string, Definition>();
  const middlewareDefinitions = new Map<string, Definition>();
  const dropped: Record<Kind, Set<string>> = { routers: new Set(), services: new Set(), middlewares: new Set() };

  for (const { serviceName, labels } of ecsServices) {
    const enable = Object.entries(labels).find(([key]) => key.toLowerCase() === "traefik.enable")?.[1];
    if (enable === undefined ? !exposedByDefault : enable.toLowerCase() !== "true") continue;
    const routers = objectsOf(labels, "routers");
    const services = objectsOf(labels, "services");
    // A container without a service label gets one named after it (the provider's default service).
    if (services.size === 0) services.set(serviceName, new Map());
    for (const [name, fields] of routers) {
      if (fields.has("service")) continue;
      const [only] = services.keys();
      if (services.size === 1 && only !== undefined) {
        fields.set("service", only);
      } else {
        problems.push(`router ${name} of ${serviceName} names no service and the container defines several: Traefik drops it`);
        routers.delete(name);
      }
    }
    merge(routerDefinitions, dropped.routers, serviceName, routers, "routers", problems);
    merge(serviceDefinitions, dropped.services, serviceName, services, "services", problems, SERVER_FIELD);
    merge(middlewareDefinitions, dropped.middlewares, serviceName, objectsOf(labels, "middlewares"), "middlewares", problems);
  }

  const services = new Map<string, TraefikService>();
  for (const [name, definition] of serviceDefinitions) services.set(name, { name, servers: definition.definedBy });
  const middlewares = new Map<string, TraefikMiddleware>();
  for (const [name, definition] of middlewareDefinitions) middlewares.set(name, middlewareOf(name, definition.fields));

  const routers: TraefikRouter[] = [];
  for (const [name, { fields, definedBy }] of routerDefinitions) {
    const ruleText = fields.get("rule");
    if (ruleText === undefined) {
      problems.push(`router ${name} has no rule label (the provider's defaultRule is not modelled): left out`);
      continue;
    }
    const syntax = fields.get("rulesyntax") ?? defaultSyntax;
    if (syntax !== "v3" && syntax !== "v2") {
      problems.push(`router ${name}: unknown ruleSyntax '${syntax}'`);
      continue;
    }
    let rule: ParsedRule;
    try {
      rule = parseRule(ruleText, syntax);
    } catch (error) {
      problems.push(`router ${name}: ${(error as Error).message}`);
      continue;
    }
    const priorityText = fields.get("priority") ?? "0";
    if (!/^\d+$/.test(priorityText)) {
      problems.push(`router ${name}: priority '${priorityText}' is not a whole number`);
      continue;
    }
    // Traefik's default priority is the rule's length in bytes; 0 means default.
    const priority = Number(priorityText) === 0 ? Buffer.byteLength(ruleText, "utf8") : Number(priorityText);
    const service = reference(fields.get("service") ?? "");
    if (service === undefined || !services.has(service)) {
      problems.push(`router ${name}: service ${fields.get("service")} does not exist`);
      continue;
    }
    const middlewareNames = labelList(fields.get("middlewares")).map(reference);
    const missing = middlewareNames.findIndex((middleware) => middleware === undefined || !middlewares.has(middleware));
    if (missing >= 0) {
      problems.push(`router ${name}: middleware ${labelList(fields.get("middlewares"))[missing]} does not exist`);
      continue;
    }
    routers.push({
      name,
      rule,
      priority,
      service,
      middlewares: middlewareNames as string[],
      entryPoints: labelList(fields.get("entrypoints")),
      definedBy,
    });
  }
  routers.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  return { routers, services, middlewares, problems };
}

export interface RouterSelection {
  router: TraefikRouter;
  service: TraefikService;
  /** The router's middlewares, in chain order (the first wraps the others). */
  middlewares: TraefikMiddleware[];
  /** Response headers the router's headers middlewares set. */
  responseHeaders: Record<string, string>;
  /** The `X-Served-By-Route` value the answer would carry, when a middleware sets it. */
  servedByRoute: string | undefined;
  /** Other matching routers of the same priority: Traefik picks among them in random order. */
  ambiguousWith: string[];
}

/**
 * The router Traefik would pick for a request on `entryPoint` (any when omitted): the matching
 * router of highest priority. Undefined when none matches (Traefik answers 404).
 */
export function selectRouter(table: RoutingTable, request: HttpRequest, entryPoint?: string): RouterSelection | undefined {
  const candidates = table.routers.filter(
    (router) => entryPoint === undefined || router.entryPoints.length === 0 || router.entryPoints.includes(entryPoint),
  );
  const matching = candidates.filter((router) => matchesRule(router.rule, request));
  const [router] = matching;
  if (router === undefined) return undefined;
  const service = table.services.get(router.service);
  if (service === undefined) throw new Error(`router ${router.name} targets unknown service ${router.service}`);
  const middlewares = router.middlewares.map((name) => {
    const middleware = table.middlewares.get(name);
    if (middleware === undefined) throw new Error(`router ${router.name} uses unknown middleware ${name}`);
    return middleware;
  });
  const responseHeaders = chainResponseHeaders(middlewares);
  const servedBy = Object.entries(responseHeaders).find(([header]) => header.toLowerCase() === SERVED_BY_HEADER.toLowerCase());
  return {
    router,
    service,
    middlewares,
    responseHeaders,
    servedByRoute: servedBy?.[1],
    ambiguousWith: matching.filter((other) => other !== router && other.priority === router.priority).map((other) => other.name),
  };
}

/** The response headers a chain of middlewares sets: the first wraps the others, so it writes last. */
export function chainResponseHeaders(middlewares: readonly TraefikMiddleware[]): Record<string, string> {
  const responseHeaders: Record<string, string> = {};
  for (const middleware of [...middlewares].reverse()) Object.assign(responseHeaders, middleware.responseHeaders);
  return responseHeaders;
}
