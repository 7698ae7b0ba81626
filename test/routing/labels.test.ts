import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigurationError } from "../../src/common/errors.js";
import {
  DEFAULT_PRIORITIES,
  anySignalRule,
  baseMatch,
  routeLabels,
  signalRule,
  type RouteLabelOptions,
} from "../../src/routing/labels.js";
import { matchesRule } from "../../src/routing/rule/evaluate.js";
import { parseRule } from "../../src/routing/rule/parser.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";

const BASE_LABELS = {
  "traefik.enable": "true",
  "traefik.http.routers.orders.rule": "Host(`orders.dev.internal`)",
  "traefik.http.routers.orders.entrypoints": "web",
  "traefik.http.services.orders.loadbalancer.server.port": "8080",
  "com.datadoghq.tags.service": "orders",
  team: "payments",
};

const ANY_SIGNAL_V3 =
  "HeaderRegexp(`X-Route-Version`, `\\S`) || HeaderRegexp(`Cookie`, `(^|;\\s*)x-route-version=\\s*[^\\s;]`) || HeaderRegexp(`baggage`, `(^|,)\\s*dynamic_route\\s*=\\s*[^\\s,;]`)";

function options(overrides: Partial<RouteLabelOptions> = {}): RouteLabelOptions {
  return {
    baseService: "orders",
    route: "pr-123",
    baseLabels: BASE_LABELS,
    port: 8080,
    protocol: "http",
    ruleSyntax: "v3",
    entrypoints: [],
    priority: DEFAULT_PRIORITIES.route,
    fallbackPriority: DEFAULT_PRIORITIES.shadowFallback,
    fallback: "shadow",
    signal: DEFAULT_SIGNAL_NAMES,
    ...overrides,
  };
}

function assertConfigurationError(action: () => unknown, input: string, message: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, `expected a ConfigurationError, got ${String(error)}`);
    assert.equal(error.input, input);
    assert.match(error.message, message);
    return true;
  });
}

test("the signal rules are exactly the ones in docs/design.md §2: header, else cookie, else baggage", () => {
  assert.equal(
    signalRule("pr-123", DEFAULT_SIGNAL_NAMES, "v3"),
    "Header(`X-Route-Version`, `pr-123`) || !HeaderRegexp(`X-Route-Version`, `\\S`) && (" +
      "HeaderRegexp(`Cookie`, `(^|;\\s*)x-route-version=\\s*pr-123\\s*(;|$)`) || !HeaderRegexp(`Cookie`, `(^|;\\s*)x-route-version=\\s*[^\\s;]`) && " +
      "HeaderRegexp(`baggage`, `(^|,)\\s*dynamic_route\\s*=\\s*(p|%70)(r|%72)(-|%2[Dd])(1|%31)(2|%32)(3|%33)\\s*(;|,|$)`))",
  );
  assert.equal(
    signalRule("a-z", DEFAULT_SIGNAL_NAMES, "v2"),
    "Headers(`X-Route-Version`, `a-z`) || !HeadersRegexp(`X-Route-Version`, `\\S`) && (" +
      "HeadersRegexp(`Cookie`, `(^|;\\s*)x-route-version=\\s*a-z\\s*(;|$)`) || !HeadersRegexp(`Cookie`, `(^|;\\s*)x-route-version=\\s*[^\\s;]`) && " +
      "HeadersRegexp(`baggage`, `(^|,)\\s*dynamic_route\\s*=\\s*(a|%61)(-|%2[Dd])(z|%7[Aa])\\s*(;|,|$)`))",
  );
  assert.equal(anySignalRule(DEFAULT_SIGNAL_NAMES, "v3"), ANY_SIGNAL_V3);
  assert.equal(
    anySignalRule(DEFAULT_SIGNAL_NAMES, "v2"),
    "HeadersRegexp(`X-Route-Version`, `\\S`) || HeadersRegexp(`Cookie`, `(^|;\\s*)x-route-version=\\s*[^\\s;]`) || HeadersRegexp(`baggage`, `(^|,)\\s*dynamic_route\\s*=\\s*[^\\s,;]`)",
  );
});

/** Whether route's signal rule (v3, default names) matches a request with these headers. */
function asks(route: string, headers: Record<string, string[]>): boolean {
  return matchesRule(parseRule(signalRule(route, DEFAULT_SIGNAL_NAMES, "v3"), "v3"), { method: "GET", host: "h", path: "/", headers });
}

function signalled(headers: Record<string, string[]>): boolean {
  return matchesRule(parseRule(anySignalRule(DEFAULT_SIGNAL_NAMES, "v3"), "v3"), { method: "GET", host: "h", path: "/", headers });
}

test("precedence: the header beats the cookie, and the cookie beats baggage", () => {
  const all = { "X-Route-Version": ["pr-1"], cookie: ["x-route-version=pr-2"], baggage: ["dynamic_route=pr-3"] };
  assert.deepEqual(["pr-1", "pr-2", "pr-3"].map((route) => asks(route, all)), [true, false, false]);
  const cookieAndBaggage = { cookie: ["x-route-version=pr-2"], baggage: ["dynamic_route=pr-3"] };
  assert.deepEqual(["pr-1", "pr-2", "pr-3"].map((route) => asks(route, cookieAndBaggage)), [false, true, false]);
  const headerAndBaggage = { "X-Route-Version": ["pr-1"], baggage: ["dynamic_route=pr-3"] };
  assert.deepEqual(["pr-1", "pr-3"].map((route) => asks(route, headerAndBaggage)), [true, false]);
  assert.equal(asks("pr-3", { baggage: ["dynamic_route=pr-3"] }), true);
  // A stronger signal naming a route this service has no copy of still wins: no weaker one is used.
  assert.equal(asks("pr-2", { "X-Route-Version": ["pr-9"], cookie: ["x-route-version=pr-2"] }), false);
  assert.equal(signalled({ "X-Route-Version": ["pr-9"], cookie: ["x-route-version=pr-2"] }), true);
});

test("an empty or blank header or cookie is no signal: the weaker one decides", () => {
  for (const header of ["", " ", "\t"]) {
    assert.equal(asks("pr-2", { "X-Route-Version": [header], cookie: ["x-route-version=pr-2"] }), true, JSON.stringify(header));
    assert.equal(signalled({ "X-Route-Version": [header] }), false, JSON.stringify(header));
  }
  for (const cookie of ["x-route-version=", "x-route-version= ", "x-route-version=  ; a=1", "a=1; x-route-version=", "a=1;x-route-version=\t;b=2"]) {
    assert.equal(asks("pr-3", { cookie: [cookie], baggage: ["dynamic_route=pr-3"] }), true, cookie);
    assert.equal(signalled({ cookie: [cookie] }), false, cookie);
  }
  assert.equal(signalled({ baggage: ["dynamic_route= ,k=v"] }), false);
  assert.equal(signalled({ baggage: ["dynamic_route=;p=1"] }), false);
});

test("cookie values may have whitespace around them, before the ';'", () => {
  for (const cookie of ["x-route-version=pr-2 ; a=1", "a=1; x-route-version=pr-2 ", "x-route-version= pr-2\t;a=1", "a=1;x-route-version=pr-2"]) {
    assert.equal(asks("pr-2", { cookie: [cookie] }), true, cookie);
  }
  for (const cookie of ["x-route-version=pr-2x", "x-route-version=pr-2 x", "ax-route-version=pr-2", "x-route-version=pr-"]) {
    assert.equal(asks("pr-2", { cookie: [cookie] }), false, cookie);
  }
  // Another value is a signal for another route, never for this one.
  assert.equal(signalled({ cookie: ["x-route-version=pr-2 x"] }), true);
});

test("a percent-encoded baggage value is its decoded route", () => {
  for (const baggage of ["dynamic_route=pr%2D42", "dynamic_route=pr%2d42", "dynamic_route=%70%72%2D%34%32", "k=v, dynamic_route = p%72-4%32 ;p=1"]) {
    assert.equal(asks("pr-42", { baggage: [baggage] }), true, baggage);
    assert.equal(signalled({ baggage: [baggage] }), true, baggage);
  }
  for (const baggage of ["dynamic_route=pr%2D4", "dynamic_route=pr%2D421", "dynamic_route=pr%2E42", "dynamic_route=pr%252D42", "dynamic_route=pr%2-42"]) {
    assert.equal(asks("pr-42", { baggage: [baggage] }), false, baggage);
  }
  // Letters above 9 in hex: z is %7A or %7a.
  assert.equal(asks("z", { baggage: ["dynamic_route=%7a"] }), true);
  assert.equal(asks("z", { baggage: ["dynamic_route=%7A"] }), true);
  assert.equal(asks("z", { baggage: ["dynamic_route=%7B"] }), false);
});

test("an ephemeral route's labels: base traefik labels replaced, other labels kept", () => {
  assert.deepEqual(routeLabels(options()), {
    "com.datadoghq.tags.service": "orders",
    team: "payments",
    "traefik.enable": "true",
    "traefik.http.routers.orders--pr-123.rule": `Host(\`orders.dev.internal\`) && (${signalRule("pr-123", DEFAULT_SIGNAL_NAMES, "v3")})`,
    "traefik.http.routers.orders--pr-123.priority": "30000",
    "traefik.http.routers.orders--pr-123.service": "orders--pr-123",
    "traefik.http.routers.orders--pr-123.middlewares": "orders--pr-123-served",
    "traefik.http.routers.orders--pr-123.entrypoints": "web",
    "traefik.http.services.orders--pr-123.loadbalancer.server.port": "8080",
    "traefik.http.middlewares.orders--pr-123-served.headers.customresponseheaders.X-Served-By-Route": "pr-123",
  });
});

test("shadow gets its router and the fallback router to the same service (v3)", () => {
  const signal = signalRule("shadow", DEFAULT_SIGNAL_NAMES, "v3");
  assert.deepEqual(routeLabels(options({ route: "shadow", priority: DEFAULT_PRIORITIES.shadow })), {
    "com.datadoghq.tags.service": "orders",
    team: "payments",
    "traefik.enable": "true",
    "traefik.http.routers.orders--shadow.rule": `Host(\`orders.dev.internal\`) && (${signal})`,
    "traefik.http.routers.orders--shadow.priority": "20000",
    "traefik.http.routers.orders--shadow.service": "orders--shadow",
    "traefik.http.routers.orders--shadow.middlewares": "orders--shadow-served",
    "traefik.http.routers.orders--shadow.entrypoints": "web",
    "traefik.http.routers.orders--shadow-fallback.rule": `Host(\`orders.dev.internal\`) && (${ANY_SIGNAL_V3})`,
    "traefik.http.routers.orders--shadow-fallback.priority": "10000",
    "traefik.http.routers.orders--shadow-fallback.service": "orders--shadow",
    "traefik.http.routers.orders--shadow-fallback.middlewares": "orders--shadow-served",
    "traefik.http.routers.orders--shadow-fallback.entrypoints": "web",
    "traefik.http.services.orders--shadow.loadbalancer.server.port": "8080",
    "traefik.http.middlewares.orders--shadow-served.headers.customresponseheaders.X-Served-By-Route": "shadow",
  });
});

test("shadow in v2 syntax, grpc, entrypoints and a given match", () => {
  const labels = routeLabels(
    options({
      route: "shadow",
      priority: 21000,
      fallbackPriority: 11000,
      ruleSyntax: "v2",
      protocol: "grpc",
      entrypoints: ["web", "websecure"],
      match: "Host(`grpc.dev.internal`, `grpc2.dev.internal`)",
      port: 50051,
    }),
  );
  assert.deepEqual(labels, {
    "com.datadoghq.tags.service": "orders",
    team: "payments",
    "traefik.enable": "true",
    "traefik.http.routers.orders--shadow.rule": `Host(\`grpc.dev.internal\`, \`grpc2.dev.internal\`) && (${signalRule("shadow", DEFAULT_SIGNAL_NAMES, "v2")})`,
    "traefik.http.routers.orders--shadow.priority": "21000",
    "traefik.http.routers.orders--shadow.service": "orders--shadow",
    "traefik.http.routers.orders--shadow.middlewares": "orders--shadow-served",
    "traefik.http.routers.orders--shadow.entrypoints": "web,websecure",
    "traefik.http.routers.orders--shadow-fallback.rule": `Host(\`grpc.dev.internal\`, \`grpc2.dev.internal\`) && (${anySignalRule(DEFAULT_SIGNAL_NAMES, "v2")})`,
    "traefik.http.routers.orders--shadow-fallback.priority": "11000",
    "traefik.http.routers.orders--shadow-fallback.service": "orders--shadow",
    "traefik.http.routers.orders--shadow-fallback.middlewares": "orders--shadow-served",
    "traefik.http.routers.orders--shadow-fallback.entrypoints": "web,websecure",
    "traefik.http.services.orders--shadow.loadbalancer.server.port": "50051",
    "traefik.http.services.orders--shadow.loadbalancer.server.scheme": "h2c",
    "traefik.http.middlewares.orders--shadow-served.headers.customresponseheaders.X-Served-By-Route": "shadow",
  });
});

test("shadow with fallback: default has no fallback router", () => {
  const labels = routeLabels(options({ route: "shadow", fallback: "default" }));
  assert.deepEqual(
    Object.keys(labels).filter((key) => key.includes("shadow-fallback")),
    [],
  );
  assert.equal(labels["traefik.http.routers.orders--shadow.service"], "orders--shadow");
  // So the unused fallback priority may sit below a base router's.
  const belowBase = routeLabels(
    options({ route: "shadow", fallback: "default", priority: 20000, baseLabels: { ...BASE_LABELS, "traefik.http.routers.orders.priority": "15000" } }),
  );
  assert.equal(belowBase["traefik.http.routers.orders--shadow.priority"], "20000");
});

test("a match with || is parenthesised, so && cannot bind to its last alternative", () => {
  const labels = routeLabels(options({ match: "Host(`a.dev.internal`) || Host(`b.dev.internal`)" }));
  const rule = labels["traefik.http.routers.orders--pr-123.rule"] ?? "";
  assert.ok(rule.startsWith("(Host(`a.dev.internal`) || Host(`b.dev.internal`)) && ("), rule);
  const parsed = parseRule(rule, "v3");
  const unsignalled = { method: "GET", host: "a.dev.internal", path: "/", headers: {} };
  assert.equal(matchesRule(parsed, unsignalled), false);
  assert.equal(matchesRule(parsed, { ...unsignalled, headers: { "X-Route-Version": ["pr-123"] } }), true);
});

test("the base router's TLS settings carry over; every traefik label of the base is removed", () => {
  const labels = routeLabels(
    options({
      baseLabels: {
        "traefik.http.routers.web.rule": "Host(`orders.dev.internal`)",
        "traefik.http.routers.web.tls": "true",
        "traefik.http.routers.web.tls.certresolver": "le",
        "traefik.http.middlewares.auth.basicauth.users": "u:p",
        traefik: "odd",
        "traefikx.keep": "kept",
      },
    }),
  );
  assert.equal(labels["traefik.http.routers.orders--pr-123.tls"], "true");
  assert.equal(labels["traefik.http.routers.orders--pr-123.tls.certresolver"], "le");
  assert.equal(labels["traefikx.keep"], "kept");
  assert.deepEqual(
    Object.keys(labels).filter((key) => key === "traefik" || key.includes(".web.") || key.includes(".auth.")),
    [],
  );
});

test("signal names with regexp metacharacters and backticks are escaped and quoted", () => {
  const signal = { header: "X-`Route`", cookie: "a.b*c+d|e^f$g", baggageKey: "route+key" };
  const rule = signalRule("pr-1", signal, "v3");
  assert.equal(
    rule,
    'Header("X-`Route`", `pr-1`) || !HeaderRegexp("X-`Route`", `\\S`) && (' +
      "HeaderRegexp(`Cookie`, `(^|;\\s*)a\\.b\\*c\\+d\\|e\\^f\\$g=\\s*pr-1\\s*(;|$)`) || !HeaderRegexp(`Cookie`, `(^|;\\s*)a\\.b\\*c\\+d\\|e\\^f\\$g=\\s*[^\\s;]`) && " +
      "HeaderRegexp(`baggage`, `(^|,)\\s*(route\\+key|route%2Bkey)\\s*=\\s*(p|%70)(r|%72)(-|%2[Dd])(1|%31)\\s*(;|,|$)`))",
  );
  const parsed = parseRule(rule, "v3");
  const base = { method: "GET", host: "h", path: "/" };
  assert.equal(matchesRule(parsed, { ...base, headers: { "x-`route`": ["pr-1"] } }), true);
  assert.equal(matchesRule(parsed, { ...base, headers: { cookie: ["z=1; a.b*c+d|e^f$g=pr-1"] } }), true);
  assert.equal(matchesRule(parsed, { ...base, headers: { cookie: ["aXb*c+d|e^f$g=pr-1"] } }), false);
  assert.equal(matchesRule(parsed, { ...base, headers: { baggage: ["route%2Bkey=pr-1"] } }), true);
  assert.equal(matchesRule(parsed, { ...base, headers: { baggage: ["routekey=pr-1"] } }), false);
});

test("baseMatch reads the single router rule, or says to set match", () => {
  assert.equal(baseMatch(BASE_LABELS), "Host(`orders.dev.internal`)");
  assert.equal(baseMatch({ "traefik.HTTP.Routers.orders.Rule": "Host(`a`)", "Traefik.http.routers.x.rule": "Host(`b`)" }), "Host(`a`)");
  assertConfigurationError(() => baseMatch({ team: "payments" }), "match", /no Traefik router rule.*match: Host\(`orders\.dev\.internal`\)/);
  assertConfigurationError(
    () =>
      baseMatch({
        "traefik.http.routers.public.rule": "Host(`a`)",
        "traefik.http.routers.admin.rule": "Host(`b`)",
      }),
    "match",
    /2 Traefik routers \(public, admin\); set match/,
  );
  // routeLabels without match needs the single base router too.
  assertConfigurationError(() => routeLabels(options({ baseLabels: { team: "x" } })), "match", /set match/);
  // A given match makes several base routers fine.
  const labels = routeLabels(
    options({
      match: "Host(`a`)",
      baseLabels: { "traefik.http.routers.public.rule": "Host(`a`)", "traefik.http.routers.admin.rule": "Host(`b`)" },
    }),
  );
  assert.ok(labels["traefik.http.routers.orders--pr-123.rule"]?.startsWith("Host(`a`) && ("));
});

test("a bad match, route, port, priority or name is a ConfigurationError naming the input", () => {
  assertConfigurationError(
    () => routeLabels(options({ match: "Host(orders.dev.internal)" })),
    "match",
    /^Host\(orders\.dev\.internal\) is not a valid Traefik v3 rule: 'orders\.dev\.internal' is a bare word; quote values with backticks, e\.g\. `orders\.dev\.internal` \(at character 6\); write it as Traefik expects/,
  );
  assertConfigurationError(() => routeLabels(options({ match: "Host('orders')" })), "match", /single quotes/);
  assertConfigurationError(() => routeLabels(options({ match: "Headers(`a`, `b`)" })), "match", /unknown matcher Headers/);
  assertConfigurationError(() => routeLabels(options({ match: "Host(`a`) &&" })), "match", /ends where a matcher/);
  assertConfigurationError(
    () => routeLabels(options({ baseLabels: { "traefik.http.routers.x.rule": "Host(`a`" } })),
    "match",
    /not a valid Traefik v3 rule/,
  );
  assertConfigurationError(() => routeLabels(options({ route: "PR-1" })), "route", /not a valid route/);
  assertConfigurationError(() => routeLabels(options({ route: "shadow-fallback" })), "route", /reserved/);
  assertConfigurationError(() => routeLabels(options({ port: 0 })), "port", /not a port/);
  assertConfigurationError(() => routeLabels(options({ priority: 1.5 })), "priority", /whole number/);
  assertConfigurationError(
    () => routeLabels(options({ route: "shadow", fallbackPriority: -1 })),
    "fallback-priority",
    /whole number/,
  );
  assertConfigurationError(() => routeLabels(options({ priority: 10000 })), "priority", /above the shadow fallback priority 10000/);
  assertConfigurationError(
    () => routeLabels(options({ baseLabels: { ...BASE_LABELS, "traefik.http.routers.orders.priority": "40000" } })),
    "priority",
    /base router orders has priority 40000/,
  );
  assertConfigurationError(
    () =>
      routeLabels(
        options({ route: "shadow", priority: 20000, baseLabels: { ...BASE_LABELS, "traefik.http.routers.orders.priority": "15000" } }),
      ),
    "fallback-priority",
    /above 15000/,
  );
  assertConfigurationError(
    () =>
      routeLabels(
        options({ route: "shadow", priority: 20000, baseLabels: { ...BASE_LABELS, "traefik.http.routers.orders.priority": "25000" } }),
      ),
    "priority",
    /above 25000/,
  );
  assertConfigurationError(() => routeLabels(options({ entrypoints: ["web secure"] })), "entrypoints", /not an entrypoint/);
  assertConfigurationError(
    () => routeLabels(options({ signal: { ...DEFAULT_SIGNAL_NAMES, cookie: "x route" } })),
    "cookie",
    /not a valid name/,
  );
  assertConfigurationError(() => routeLabels(options({ baseService: "orders.v2" })), "service", /not an ECS service name/);
  assertConfigurationError(
    () => routeLabels(options({ signal: { ...DEFAULT_SIGNAL_NAMES, header: "Cookie" } })),
    "header",
    /cannot carry the route/,
  );
});

test("an ECS name outside [a-z0-9-] gets a safe Traefik name that keeps a_b and a-b apart", () => {
  const underscored = routeLabels(options({ baseService: "Orders_API" }));
  const dashed = routeLabels(options({ baseService: "orders-api" }));
  const routerOf = (labels: Record<string, string>) =>
    Object.keys(labels)
      .find((key) => key.endsWith(".rule"))
      ?.split(".")[3];
  assert.match(routerOf(underscored) ?? "", /^orders-api-[0-9a-f]{6}--pr-123$/);
  assert.equal(routerOf(dashed), "orders-api--pr-123");
});

/** The copy's labels for a base with these Traefik labels (route pr-123 unless overridden). */
function copyOf(baseLabels: Record<string, string>, overrides: Partial<RouteLabelOptions> = {}): Record<string, string> {
  return routeLabels(options({ baseLabels: { "traefik.http.routers.orders.rule": "Host(`orders.dev.internal`)", ...baseLabels }, ...overrides }));
}

/** The copy's own labels under a prefix, with the prefix cut off. */
function under(labels: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]));
}

const ROUTER = "traefik.http.routers.orders--pr-123.";
const SERVICE = "traefik.http.services.orders--pr-123.";

describe("a copy keeps its base router's behaviour", () => {
  test("middlewares in order, each resolvable from the copy, then the served-by middleware", () => {
    const labels = copyOf({
      "traefik.http.routers.orders.middlewares": "orders-auth, strip@ecs,auth@file ,, orders-headers",
      "traefik.http.middlewares.orders-auth.basicauth.users": "u:{SHA}x",
    });
    assert.equal(labels[`${ROUTER}middlewares`], "orders-auth@ecs,strip@ecs,auth@file,orders-headers@ecs,orders--pr-123-served");
    // The base's own middleware definitions stay on the base: the copy refers to them.
    assert.deepEqual(Object.keys(labels).filter((key) => key.includes("orders-auth.")), []);
  });

  test("the shadow fallback router keeps them too", () => {
    const labels = copyOf(
      { "traefik.http.routers.orders.middlewares": "auth", "traefik.http.routers.orders.entrypoints": "websecure", "traefik.http.routers.orders.tls": "true" },
      { route: "shadow", priority: DEFAULT_PRIORITIES.shadow },
    );
    assert.deepEqual(under(labels, "traefik.http.routers.orders--shadow-fallback."), {
      rule: `Host(\`orders.dev.internal\`) && (${ANY_SIGNAL_V3})`,
      priority: "10000",
      service: "orders--shadow",
      middlewares: "auth@ecs,orders--shadow-served",
      entrypoints: "websecure",
      tls: "true",
    });
  });

  test("entrypoints: the base router's when the input is empty, the input's when given", () => {
    const base = { "traefik.http.routers.orders.entrypoints": "websecure, web" };
    assert.equal(copyOf(base)[`${ROUTER}entrypoints`], "websecure,web");
    assert.equal(copyOf(base, { entrypoints: ["web"] })[`${ROUTER}entrypoints`], "web");
    assert.equal(copyOf({})[`${ROUTER}entrypoints`], undefined);
    assert.equal(copyOf({}, { entrypoints: ["internal"] })[`${ROUTER}entrypoints`], "internal");
  });

  test("TLS and observability settings are copied as written; rule, priority, service and syntax are the copy's own", () => {
    const labels = copyOf({
      "traefik.http.routers.orders.tls": "true",
      "traefik.http.routers.orders.tls.certResolver": "le",
      "traefik.http.routers.orders.tls.domains[0].main": "dev.internal",
      "traefik.http.routers.orders.observability.accessLogs": "false",
      "traefik.http.routers.orders.priority": "5",
      "traefik.http.routers.orders.service": "orders",
      "traefik.http.services.orders.loadbalancer.server.port": "8080",
    });
    const router = under(labels, ROUTER);
    assert.deepEqual(
      { ...router, rule: undefined },
      {
        rule: undefined,
        priority: "30000",
        service: "orders--pr-123",
        middlewares: "orders--pr-123-served",
        tls: "true",
        "tls.certResolver": "le",
        "tls.domains[0].main": "dev.internal",
        "observability.accessLogs": "false",
      },
    );
  });

  test("the base Traefik service's settings; the route's port wins", () => {
    const labels = copyOf({
      "traefik.http.services.orders.loadbalancer.server.port": "9000",
      "traefik.http.services.orders.loadbalancer.server.scheme": "https",
      "traefik.http.services.orders.loadBalancer.passHostHeader": "false",
      "traefik.http.services.orders.loadbalancer.healthcheck.path": "/health",
      "traefik.http.services.orders.loadbalancer.healthCheck.interval": "5s",
      "traefik.http.services.orders.loadbalancer.serversTransport": "insecure@file",
      "traefik.http.services.orders.loadbalancer.sticky.cookie.name": "lb",
      "traefik.http.services.orders.loadbalancer.responseForwarding.flushInterval": "100ms",
    });
    assert.deepEqual(under(labels, SERVICE), {
      "loadbalancer.server.scheme": "https",
      "loadBalancer.passHostHeader": "false",
      "loadbalancer.healthcheck.path": "/health",
      "loadbalancer.healthCheck.interval": "5s",
      "loadbalancer.serversTransport": "insecure@file",
      "loadbalancer.sticky.cookie.name": "lb",
      "loadbalancer.responseForwarding.flushInterval": "100ms",
      "loadbalancer.server.port": "8080",
    });
  });

  test("protocol grpc makes the scheme h2c whatever the base's; http keeps the base's h2c or https", () => {
    const grpc = copyOf({ "traefik.http.services.orders.loadBalancer.server.scheme": "https" }, { protocol: "grpc" });
    assert.deepEqual(under(grpc, SERVICE), { "loadbalancer.server.port": "8080", "loadbalancer.server.scheme": "h2c" });
    const h2c = copyOf({ "traefik.http.services.orders.loadbalancer.server.scheme": "h2c" });
    assert.deepEqual(under(h2c, SERVICE), { "loadbalancer.server.scheme": "h2c", "loadbalancer.server.port": "8080" });
  });

  test("the service the base router names, with or without @ecs, among several", () => {
    const services = {
      "traefik.http.services.api.loadbalancer.healthcheck.path": "/api-health",
      "traefik.http.services.metrics.loadbalancer.healthcheck.path": "/metrics-health",
    };
    for (const named of ["api", "api@ecs"]) {
      const labels = copyOf({ ...services, "traefik.http.routers.orders.service": named });
      assert.equal(labels[`${SERVICE}loadbalancer.healthcheck.path`], "/api-health", named);
    }
    assertConfigurationError(() => copyOf(services), "service", /^the base router orders names no service and its labels define several services \(api, metrics\); name the one to copy/);
    assertConfigurationError(
      () => copyOf({ ...services, "traefik.http.routers.orders.service": "other" }),
      "service",
      /the base router orders sends to the service other, which the routed container's labels do not define, so a copy cannot take its settings/,
    );
  });

  test("a base without service labels: Traefik's default service, nothing to copy; a service of another provider is an error", () => {
    assert.deepEqual(under(copyOf({ "traefik.http.routers.orders.service": "orders" }), SERVICE), { "loadbalancer.server.port": "8080" });
    assertConfigurationError(() => copyOf({ "traefik.http.routers.orders.service": "orders@file" }), "service", /sends to the service orders@file/);
  });

  test("a base without routers: the settings of its only service; several services are an error", () => {
    const only = routeLabels(options({ match: "Host(`a`)", baseLabels: { "traefik.http.services.orders.loadbalancer.healthcheck.path": "/h" } }));
    assert.equal(only[`${SERVICE}loadbalancer.healthcheck.path`], "/h");
    assert.equal(only[`${ROUTER}middlewares`], "orders--pr-123-served");
    assertConfigurationError(
      () => routeLabels(options({ match: "Host(`a`)", baseLabels: { "traefik.http.services.a.loadbalancer.server.port": "1", "traefik.http.services.b.loadbalancer.server.port": "2" } })),
      "service",
      /the base labels define no router and several services \(a, b\)/,
    );
  });

  test("several base routers that behave alike are one behaviour; with match, each may have its own rule", () => {
    const labels = copyOf(
      {
        "traefik.http.routers.public.rule": "Host(`a`)",
        "traefik.http.routers.public.middlewares": "auth",
        "traefik.http.routers.public.tls.certresolver": "le",
        "traefik.http.routers.orders.middlewares": "auth@ecs",
        "traefik.http.routers.orders.tls.certResolver": "le",
      },
      { match: "Host(`a`)" },
    );
    assert.equal(labels[`${ROUTER}middlewares`], "auth@ecs,orders--pr-123-served");
  });

  test("an HTTP router that redirects and an HTTPS one that serves: entrypoints picks the one to copy", () => {
    const base = {
      "traefik.http.routers.orders.entrypoints": "websecure",
      "traefik.http.routers.orders.middlewares": "auth",
      "traefik.http.routers.orders.tls": "true",
      "traefik.http.routers.orders-http.rule": "Host(`orders.dev.internal`)",
      "traefik.http.routers.orders-http.entrypoints": "web",
      "traefik.http.routers.orders-http.middlewares": "to-https@file",
    };
    assertConfigurationError(
      () => copyOf(base, { match: "Host(`orders.dev.internal`)" }),
      "entrypoints",
      /^the base routers orders and orders-http differ in middlewares \(\["auth@ecs"\] and \["to-https@file"\]\), and a copy has one router, so it cannot behave like both; set entrypoints to those of the one to copy, or give them the same middlewares$/,
    );
    const labels = copyOf(base, { entrypoints: ["websecure"] });
    assert.deepEqual(
      [labels[`${ROUTER}middlewares`], labels[`${ROUTER}entrypoints`], labels[`${ROUTER}tls`]],
      ["auth@ecs,orders--pr-123-served", "websecure", "true"],
    );
    // Without match, the router on the chosen entrypoint gives the rule too.
    assert.equal(baseMatch(base, ["web"]), "Host(`orders.dev.internal`)");
    assertConfigurationError(() => copyOf(base, { entrypoints: ["internal"] }), "entrypoints", /no base router listens on internal, so a copy there would answer what its base never does; set entrypoints to those of a base router \(orders, orders-http\)/);
  });

  test("base routers that differ in entrypoints, TLS or service settings cannot be one copy", () => {
    const two = (a: Record<string, string>, b: Record<string, string>) => () =>
      copyOf(
        {
          ...Object.fromEntries(Object.entries(a).map(([field, value]) => [`traefik.http.routers.orders.${field}`, value])),
          "traefik.http.routers.admin.rule": "Host(`b`)",
          "traefik.http.services.a.loadbalancer.healthcheck.path": "/a",
          "traefik.http.services.b.loadbalancer.healthcheck.path": "/b",
          ...Object.fromEntries(Object.entries(b).map(([field, value]) => [`traefik.http.routers.admin.${field}`, value])),
        },
        { match: "Host(`a`)" },
      );
    assertConfigurationError(two({ service: "a", entrypoints: "web" }, { service: "a", entrypoints: "websecure" }), "entrypoints", /orders and admin differ in entrypoints \(\["web"\] and \["websecure"\]\)/);
    assertConfigurationError(two({ service: "a", tls: "true" }, { service: "a" }), "entrypoints", /differ in TLS or observability settings \(\[\["tls","true"\]\] and \[\]\)/);
    assertConfigurationError(
      two({ service: "a" }, { service: "b" }),
      "entrypoints",
      /differ in service settings \(\[\["loadbalancer\.healthcheck\.path","\/a"\]\] and \[\["loadbalancer\.healthcheck\.path","\/b"\]\]\)/,
    );
    // Two routers sending to two services with the same settings are one behaviour.
    assert.ok(two({ service: "a" }, { service: "a@ecs" })());
  });

  test("no base router on the given entrypoints is fine when the base has no router at all", () => {
    const labels = routeLabels(options({ match: "Host(`a`)", baseLabels: {}, entrypoints: ["web"] }));
    assert.equal(labels[`${ROUTER}entrypoints`], "web");
  });
});

describe("a base setting a copy cannot reproduce stops the deploy, naming it", () => {
  test("TCP and UDP routing", () => {
    for (const key of ["traefik.tcp.routers.db.rule", "traefik.udp.services.dns.loadbalancer.server.port", "traefik.TCP.routers.x.entrypoints"]) {
      assertConfigurationError(
        () => copyOf({ [key]: "x" }),
        "service",
        new RegExp(`^the base label ${key.replace(/\./g, "\\.")} routes TCP or UDP, which no request signal can choose a copy for \\(its connections would all reach the base\\), so a copy could not behave like its base; remove it from the base task definition's labels`),
      );
    }
  });

  test("a Traefik label that is not an HTTP router, service or middleware setting", () => {
    assertConfigurationError(() => copyOf({ "traefik.docker.network": "x" }), "service", /the base label traefik\.docker\.network is not a Traefik HTTP router, service or middleware setting this action knows/);
    // traefik.enable (any case) and labels outside traefik.* are no Traefik settings to copy.
    assert.equal(copyOf({ "traefik.ENABLE": "true", "traefikx.a": "b", traefik: "c", "Traefik.x": "d" })["traefikx.a"], "b");
  });

  test("a router setting this code does not copy", () => {
    assertConfigurationError(
      () => copyOf({ "traefik.http.routers.orders.future": "x" }),
      "service",
      /the base label traefik\.http\.routers\.orders\.future is a Traefik router setting this action does not copy/,
    );
  });

  test("a service setting this code does not copy", () => {
    for (const field of ["loadbalancer.server.weight", "loadbalancer.strategy", "loadbalancer.server.url", "weighted.services[0].name"]) {
      assertConfigurationError(
        () => copyOf({ [`traefik.http.services.orders.${field}`]: "x" }),
        "service",
        new RegExp(`the base label traefik\\.http\\.services\\.orders\\.${field.replace(/[.[\]]/g, "\\$&")} is a Traefik service setting this action does not copy`),
      );
    }
  });

  test("a base router, service or middleware named like one the copy defines", () => {
    const clashes: [Record<string, string>, string][] = [
      [{ "traefik.http.routers.orders--pr-123.entrypoints": "web" }, "router orders--pr-123"],
      [{ "traefik.http.services.Orders--PR-123.loadbalancer.server.port": "1" }, "service Orders--PR-123"],
      [{ "traefik.http.middlewares.orders--pr-123-served.headers.customresponseheaders.X": "y" }, "middleware orders--pr-123-served"],
    ];
    for (const [labels, what] of clashes) {
      assertConfigurationError(
        () => copyOf(labels, { match: "Host(`a`)" }),
        "service",
        new RegExp(`defines the ${what}, which this route's copy defines too; Traefik would drop both, and the base service's routing with them; rename it in the base task definition's labels$`),
      );
    }
    const fallback = { "traefik.http.routers.orders--shadow-fallback.rule": "Host(`x`)" };
    assertConfigurationError(() => copyOf(fallback, { route: "shadow", priority: 20000, match: "Host(`a`)" }), "service", /router orders--shadow-fallback/);
    // Another route's names are no clash, nor is the fallback's without a fallback router.
    assert.ok(copyOf({ "traefik.http.middlewares.orders--pr-1-served.headers.customresponseheaders.X": "y" }));
    assert.ok(copyOf(fallback, { route: "shadow", priority: 20000, fallback: "default", match: "Host(`a`)" }));
  });
});

describe("where priorities meet: Traefik orders equal priorities at random, so equal is refused (docs/design.md §2)", () => {
  test("the shadow fallback router at the shadow router's priority, or above it", () => {
    for (const fallbackPriority of [20000, 20001]) {
      assertConfigurationError(
        () => routeLabels(options({ route: "shadow", priority: 20000, fallbackPriority })),
        "fallback-priority",
        new RegExp(`^${fallbackPriority} must be below priority 20000, or the fallback router would win over the shadow router$`),
      );
    }
    assert.ok(routeLabels(options({ route: "shadow", priority: 20000, fallbackPriority: 19999 })));
    // Without a fallback router there is nothing to order.
    assert.ok(routeLabels(options({ route: "shadow", priority: 20000, fallbackPriority: 20000, fallback: "default" })));
  });

  test("a base router at the lowest of the copy's priorities takes its requests; at the route's own, priority is the input to raise", () => {
    const withBasePriority = (priority: string) => ({ ...BASE_LABELS, "traefik.http.routers.orders.priority": priority });
    assertConfigurationError(() => routeLabels(options({ baseLabels: withBasePriority("30000") })), "priority", /^the base router orders has priority 30000, so Traefik would send every request to the default service; set priority \(and fallback-priority\) above 30000$/);
    assert.ok(routeLabels(options({ baseLabels: withBasePriority("29999") })));
    const shadow = (priority: string) => routeLabels(options({ route: "shadow", priority: 20000, baseLabels: withBasePriority(priority) }));
    assertConfigurationError(() => shadow("10000"), "fallback-priority", /base router orders has priority 10000/);
    assertConfigurationError(() => shadow("20000"), "priority", /base router orders has priority 20000/);
    assert.ok(shadow("9999"));
  });
});

describe("Traefik names and fields, read exactly", () => {
  /** The router name of the copy: what routeTraefikName gave the base service. */
  const routerOf = (baseService: string) => Object.keys(routeLabels(options({ baseService }))).find((key) => key.endsWith(".rule"))?.split(".")[3];

  test("a base name is used as it is only when every character is [a-z0-9-]; a run of others becomes one '-'", () => {
    assert.match(routerOf("Orders") ?? "", /^orders-[0-9a-f]{6}--pr-123$/);
    assert.match(routerOf("orders_V2") ?? "", /^orders-v2-[0-9a-f]{6}--pr-123$/);
    assert.match(routerOf("orders__v2") ?? "", /^orders-v2-[0-9a-f]{6}--pr-123$/);
  });

  test("router and service fields are copied only when the whole field is one the action knows", () => {
    for (const field of ["mytls", "tlsx", "x.observability.accesslogs"]) {
      assertConfigurationError(() => copyOf({ [`traefik.http.routers.orders.${field}`]: "true" }), "service", /is a Traefik router setting this action does not copy/);
    }
    for (const field of ["x.loadbalancer.passhostheader", "loadbalancer.passhostheaderx", "x.loadbalancer.server.port", "loadbalancer.server.portx"]) {
      assertConfigurationError(() => copyOf({ [`traefik.http.services.orders.${field}`]: "true" }), "service", /is a Traefik service setting this action does not copy/);
    }
  });

  test("two base routers with the same TLS settings in another label order are one behaviour", () => {
    const labels = copyOf(
      {
        "traefik.http.routers.orders.tls.certresolver": "le",
        "traefik.http.routers.orders.tls.options": "modern",
        "traefik.http.routers.admin.rule": "Host(`admin`)",
        "traefik.http.routers.admin.tls.options": "modern",
        "traefik.http.routers.admin.tls.certResolver": "le",
      },
      { match: "Host(`a`)" },
    );
    assert.deepEqual(under(labels, `${ROUTER}tls.`), { certresolver: "le", options: "modern" });
  });

  test("the refusal of entrypoints no base router listens on lists them all", () => {
    assertConfigurationError(() => copyOf({ "traefik.http.routers.orders.entrypoints": "web" }, { entrypoints: ["internal", "admin"] }), "entrypoints", /^no base router listens on internal, admin, so/);
  });

  test("a base without routers gives a copy on every entrypoint unless the input names some", () => {
    const labels = routeLabels(options({ match: "Host(`a`)", baseLabels: { "traefik.http.services.orders.loadbalancer.server.port": "8080" } }));
    assert.equal(labels[`${ROUTER}entrypoints`], undefined);
  });
});
