// Property: a request carrying several routing signals reaches, at every hop of web → orders →
// payments, the copy that the precedence header > cookie > baggage names (or that route's fallback),
// and never two routers at once. The expected answer is computed without the rules: the header and
// cookie read as a server reads them, baggage decoded by OpenTelemetry's own propagator.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, propagation } from "@opentelemetry/api";
import { W3CBaggagePropagator } from "@opentelemetry/core";
import { DEFAULT_PRIORITIES, routeLabels, type Fallback } from "../../src/routing/labels.js";
import type { RuleSyntax } from "../../src/routing/rule/ast.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { buildRoutingTable, selectRouter, type EcsServiceLabels, type RoutingTable } from "../traefik-simulator/table.js";

const SEEDS = [20261201, 42, 7];
const CHAIN = ["web", "orders", "payments"] as const;
type ServiceName = (typeof CHAIN)[number];
const ROUTES = ["pr-1", "pr-12", "pr-2", "feature-x"];
const { header: HEADER, cookie: COOKIE, baggageKey: BAGGAGE_KEY } = DEFAULT_SIGNAL_NAMES;

/** How a service's shadow copy answers routes it has no copy of; `none`: the service has no shadow copy. */
type ShadowMode = Fallback | "none";

interface Cluster {
  syntax: RuleSyntax;
  /** The services that have a copy of each route. */
  copies: Record<string, ServiceName[]>;
  shadow: Record<ServiceName, ShadowMode>;
}

interface Request {
  header: string | undefined;
  /** Cookie header values (several = HTTP/1.1 cookie lines). */
  cookies: string[];
  baggage: string[];
  /** The entry service puts the route of the header or cookie into baggage (the README's middleware). */
  entryPromotes: boolean;
}

function host(service: ServiceName): string {
  return `${service}.dev.internal`;
}

function buildCluster(cluster: Cluster): RoutingTable {
  const services: EcsServiceLabels[] = [];
  for (const service of CHAIN) {
    const base = { [`traefik.http.routers.${service}.rule`]: `Host(\`${host(service)}\`)` };
    services.push({ serviceName: service, labels: base });
    const routes = [...Object.entries(cluster.copies).filter(([, on]) => on.includes(service)).map(([route]) => route)];
    if (cluster.shadow[service] !== "none") routes.push("shadow");
    for (const route of routes) {
      const labels = routeLabels({
        baseService: service,
        route,
        baseLabels: base,
        port: 8080,
        protocol: "http",
        ruleSyntax: cluster.syntax,
        entrypoints: [],
        priority: route === "shadow" ? DEFAULT_PRIORITIES.shadow : DEFAULT_PRIORITIES.route,
        fallbackPriority: DEFAULT_PRIORITIES.shadowFallback,
        fallback: cluster.shadow[service] === "default" ? "default" : "shadow",
        signal: DEFAULT_SIGNAL_NAMES,
      });
      services.push({ serviceName: `${service}--${route}`, labels });
    }
  }
  return buildRoutingTable(services, { defaultRuleSyntax: cluster.syntax });
}

// ---- the expected answer, without the rules -------------------------------------------------

const propagator = new W3CBaggagePropagator();

function baggageRoute(values: string[]): string | undefined {
  if (values.length === 0) return undefined;
  const context = propagator.extract(ROOT_CONTEXT, { baggage: values }, defaultTextMapGetter);
  const value = propagation.getBaggage(context)?.getEntry(BAGGAGE_KEY)?.value.trim();
  return value === "" ? undefined : value;
}

function cookieRoute(values: string[]): string | undefined {
  for (const member of values.join(";").split(";")) {
    const at = member.indexOf("=");
    if (at >= 0 && member.slice(0, at).trim() === COOKIE) return member.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

/** Header over cookie over baggage; a blank value is no signal. */
function namedRoute(header: string | undefined, cookies: string[], baggage: string[]): string | undefined {
  return (header?.trim() || undefined) ?? cookieRoute(cookies) ?? baggageRoute(baggage);
}

/** The ECS service that should answer a request for `route` at `service`. */
function expectedService(cluster: Cluster, service: ServiceName, route: string | undefined): string {
  if (route === undefined) return service;
  const hasCopy = route === "shadow" ? cluster.shadow[service] !== "none" : (cluster.copies[route] ?? []).includes(service);
  if (hasCopy) return `${service}--${route}`;
  return cluster.shadow[service] === "shadow" ? `${service}--shadow` : service;
}

/** The baggage an OpenTelemetry-instrumented service sends downstream (only baggage is propagated). */
function downstreamBaggage(baggage: string[], promote: string | undefined): string[] {
  let context = propagator.extract(ROOT_CONTEXT, { baggage }, defaultTextMapGetter);
  if (promote !== undefined) {
    const entries = (propagation.getBaggage(context) ?? propagation.createBaggage()).setEntry(BAGGAGE_KEY, { value: promote });
    context = propagation.setBaggage(context, entries);
  }
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier.baggage === undefined ? [] : [carrier.baggage];
}

// ---- generators -------------------------------------------------------------------------------

const routeValue = fc.constantFrom(...ROUTES, "shadow", "nope");
const whitespace = fc.constantFrom("", "", " ", "  ", "\t");

/** `route` with random characters percent-encoded, in random hex case. */
const encodedRoute = routeValue.chain((route) =>
  fc.array(fc.constantFrom("plain", "upper", "lower"), { minLength: route.length, maxLength: route.length }).map((choices) =>
    [...route]
      .map((character, index) => {
        const hex = character.charCodeAt(0).toString(16);
        return choices[index] === "plain" ? character : `%${choices[index] === "upper" ? hex.toUpperCase() : hex}`;
      })
      .join(""),
  ),
);

const baggageNoise = fc.constantFrom("k=v", "userId=42", "my_dynamic_route=pr-1", "dynamic_routex=pr-2", "x=dynamic_route=pr-12", "tenant=a;p=1");
const cookieNoise = fc.constantFrom("theme=dark", "ax-route-version=pr-1", "x-route-versionx=pr-2", "session=abc");

const header = fc.option(fc.oneof(routeValue, fc.constantFrom("", " ")), { nil: undefined });

const cookies = fc
  .record({
    route: fc.option(fc.oneof(routeValue, fc.constantFrom("", " ")), { nil: undefined }),
    before: fc.array(cookieNoise, { maxLength: 2 }),
    after: fc.array(cookieNoise, { maxLength: 2 }),
    space: whitespace,
    lines: fc.boolean(),
  })
  .map(({ route, before, after, space, lines }) => {
    const members = [...before, ...(route === undefined ? [] : [`${COOKIE}=${space}${route}${space}`]), ...after];
    if (members.length === 0) return [];
    // HTTP/1.1 may send several Cookie lines; HTTP/2's are joined with "; " before a matcher sees them.
    return lines ? members : [members.join(`${space}; `)];
  });

const baggage = fc
  .record({
    route: fc.option(encodedRoute, { nil: undefined }),
    property: fc.boolean(),
    space: whitespace,
    noise: fc.array(baggageNoise, { maxLength: 4 }),
    position: fc.nat(),
    headers: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ route, property, space, noise, position, headers }) => {
    const members: string[] = [...noise];
    if (route !== undefined) {
      members.splice(position % (members.length + 1), 0, `${space}${BAGGAGE_KEY}${space}=${space}${route}${space}${property ? ";p=1" : ""}`);
    }
    if (members.length === 0) return [];
    // Spread over up to three baggage headers.
    const size = Math.ceil(members.length / headers);
    const values: string[] = [];
    for (let start = 0; start < members.length; start += size) values.push(members.slice(start, start + size).join(","));
    return values;
  });

const request: fc.Arbitrary<Request> = fc.record({ header, cookies, baggage, entryPromotes: fc.boolean() });

const cluster: fc.Arbitrary<Cluster> = fc.record({
  syntax: fc.constantFrom("v3" as const, "v2" as const),
  copies: fc.record(Object.fromEntries(ROUTES.map((route) => [route, fc.subarray([...CHAIN])]))),
  shadow: fc.record({
    web: fc.constantFrom<ShadowMode>("shadow", "default", "none"),
    orders: fc.constantFrom<ShadowMode>("shadow", "default", "none"),
    payments: fc.constantFrom<ShadowMode>("shadow", "default", "none"),
  }),
});

function headerMap(hop: { header?: string | undefined; cookies?: string[]; baggage: string[] }): Record<string, string[]> {
  return {
    ...(hop.header === undefined ? {} : { [HEADER]: [hop.header] }),
    ...(hop.cookies === undefined || hop.cookies.length === 0 ? {} : { Cookie: hop.cookies }),
    ...(hop.baggage.length === 0 ? {} : { baggage: hop.baggage }),
  };
}

for (const seed of SEEDS) {
  test(`every hop of web → orders → payments reaches the copy the precedence names (seed ${seed})`, () => {
    let multiSignal = 0;
    let encoded = 0;
    fc.assert(
      fc.property(cluster, fc.array(request, { minLength: 5, maxLength: 5 }), (shape, requests) => {
        const table = buildCluster(shape);
        assert.deepEqual(table.problems, []);
        for (const sent of requests) {
          const signals = [sent.header !== undefined, sent.cookies.some((value) => value.includes(`${COOKIE}=`)), sent.baggage.some((value) => value.includes(BAGGAGE_KEY))];
          if (signals.filter(Boolean).length > 1) multiSignal++;
          if (sent.baggage.some((value) => /dynamic_route\s*=\s*[^,;]*%/.test(value))) encoded++;
          let hop: { header?: string | undefined; cookies?: string[]; baggage: string[] } = sent;
          for (const [index, service] of CHAIN.entries()) {
            const route = namedRoute(hop.header, hop.cookies ?? [], hop.baggage);
            const selection = selectRouter(table, { method: "GET", host: host(service), path: "/", headers: headerMap(hop) });
            const want = expectedService(shape, service, route);
            const where = `hop ${index + 1} (${service}) of ${JSON.stringify(sent)} in ${JSON.stringify(shape)}`;
            assert.ok(selection !== undefined, `no router at ${where}`);
            assert.equal(selection.service.name, want, where);
            assert.deepEqual(selection.ambiguousWith, [], where);
            assert.equal(selection.servedByRoute, want === service ? undefined : want.slice(service.length + 2), where);
            const promote = index === 0 && sent.entryPromotes ? ((sent.header?.trim() || undefined) ?? cookieRoute(sent.cookies)) : undefined;
            hop = { baggage: downstreamBaggage(hop.baggage, promote) };
          }
        }
      }),
      { seed, numRuns: 150 },
    );
    // The sample must exercise what the property is about.
    assert.ok(multiSignal > 200, `only ${multiSignal} requests carried several signals`);
    assert.ok(encoded > 50, `only ${encoded} requests carried an encoded baggage route`);
  });
}

test("the examples from the issue: pr-1 by cookie and pr-2 by header is pr-2; pr%2D42 is pr-42", () => {
  const shape: Cluster = { syntax: "v3", copies: { "pr-1": ["orders"], "pr-2": ["orders"], "pr-12": [], "feature-x": [] }, shadow: { web: "shadow", orders: "shadow", payments: "shadow" } };
  const table = buildCluster(shape);
  const at = (headers: Record<string, string[]>) => selectRouter(table, { method: "GET", host: host("orders"), path: "/", headers });
  const both = at({ [HEADER]: ["pr-2"], Cookie: [`${COOKIE}=pr-1`] });
  assert.equal(both?.service.name, "orders--pr-2");
  assert.deepEqual(both?.ambiguousWith, []);
  const table42 = buildCluster({ ...shape, copies: { ...shape.copies, "pr-42": ["orders"] } });
  assert.equal(selectRouter(table42, { method: "GET", host: host("orders"), path: "/", headers: { baggage: ["dynamic_route=pr%2D42"] } })?.service.name, "orders--pr-42");
});
