import { test } from "node:test";
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
    "traefik.http.routers.orders--shadow-fallback.rule": `Host(\`orders.dev.internal\`) && (${ANY_SIGNAL_V3})`,
    "traefik.http.routers.orders--shadow-fallback.priority": "10000",
    "traefik.http.routers.orders--shadow-fallback.service": "orders--shadow",
    "traefik.http.routers.orders--shadow-fallback.middlewares": "orders--shadow-served",
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
