import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_PRIORITIES, routeLabels, type Fallback } from "../../src/routing/labels.js";
import type { RuleSyntax } from "../../src/routing/rule/ast.js";
import type { HttpRequest } from "../../src/routing/rule/request.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { buildRoutingTable, selectRouter, type EcsServiceLabels, type RoutingTable } from "../traefik-simulator/table.js";

const ORDERS_LABELS = {
  "traefik.http.routers.orders.rule": "Host(`a.dev.internal`)",
  "traefik.http.services.orders.loadbalancer.server.port": "8080",
  team: "orders",
};
const BILLING_LABELS = {
  "traefik.http.routers.billing.rule": "Host(`b.dev.internal`)",
  "traefik.http.services.billing.loadbalancer.server.port": "9090",
};

function copy(baseService: string, baseLabels: Record<string, string>, route: string, syntax: RuleSyntax, fallback: Fallback = "shadow"): EcsServiceLabels {
  return {
    serviceName: `${baseService}--${route}`,
    labels: routeLabels({
      baseService,
      route,
      baseLabels,
      port: 8080,
      protocol: "http",
      ruleSyntax: syntax,
      entrypoints: [],
      priority: route === "shadow" ? DEFAULT_PRIORITIES.shadow : DEFAULT_PRIORITIES.route,
      fallbackPriority: DEFAULT_PRIORITIES.shadowFallback,
      fallback,
      signal: DEFAULT_SIGNAL_NAMES,
    }),
  };
}

/** orders: default, shadow, pr-1 and pr-12; billing: default and shadow only. */
function cluster(syntax: RuleSyntax, billingFallback: Fallback = "shadow"): RoutingTable {
  return buildRoutingTable(
    [
      { serviceName: "orders", labels: ORDERS_LABELS },
      copy("orders", ORDERS_LABELS, "shadow", syntax),
      copy("orders", ORDERS_LABELS, "pr-1", syntax),
      copy("orders", ORDERS_LABELS, "pr-12", syntax),
      { serviceName: "billing", labels: BILLING_LABELS },
      copy("billing", BILLING_LABELS, "shadow", syntax, billingFallback),
    ],
    { defaultRuleSyntax: syntax },
  );
}

const ORDERS = "a.dev.internal";
const BILLING = "b.dev.internal";

function request(host: string, headers: Record<string, string[]> = {}): HttpRequest {
  return { method: "GET", host, path: "/orders/1", headers };
}

/** Several `cookie` fields as HTTP/2 hands them to Go: one value joined with "; ". */
function http2Cookies(...fields: string[]): Record<string, string[]> {
  return { cookie: [fields.join("; ")] };
}

function reached(table: RoutingTable, req: HttpRequest): { router: string; service: string; servers: string[]; servedBy: string | undefined } {
  const selection = selectRouter(table, req);
  assert.ok(selection !== undefined, `no router matches ${JSON.stringify(req)}`);
  assert.deepEqual(selection.ambiguousWith, [], `ambiguous routers for ${JSON.stringify(req)}`);
  return {
    router: selection.router.name,
    service: selection.service.name,
    servers: selection.service.servers,
    servedBy: selection.servedByRoute,
  };
}

for (const syntax of ["v3", "v2"] as const) {
  describe(`generated labels route every request to the intended copy (rule syntax ${syntax})`, () => {
    const table = cluster(syntax);

    test("the table holds every generated router and nothing was dropped", () => {
      assert.deepEqual(table.problems, []);
      assert.deepEqual(
        table.routers.map((router) => [router.name, router.priority]),
        [
          ["orders--pr-1", 30000],
          ["orders--pr-12", 30000],
          ["billing--shadow", 20000],
          ["orders--shadow", 20000],
          ["billing--shadow-fallback", 10000],
          ["orders--shadow-fallback", 10000],
          // Traefik's default priority: the rule's length.
          ["billing", "Host(`b.dev.internal`)".length],
          ["orders", "Host(`a.dev.internal`)".length],
        ],
      );
    });

    test("the header reaches the route's copy", () => {
      assert.deepEqual(reached(table, request(ORDERS, { "X-Route-Version": ["pr-1"] })), {
        router: "orders--pr-1",
        service: "orders--pr-1",
        servers: ["orders--pr-1"],
        servedBy: "pr-1",
      });
      assert.equal(reached(table, request(ORDERS, { "x-route-version": ["pr-12"] })).service, "orders--pr-12");
      assert.equal(reached(table, request(ORDERS, { "X-Route-Version": ["shadow"] })).service, "orders--shadow");
    });

    test("the cookie among other cookies, first, last, and in joined HTTP/2 fields", () => {
      for (const cookie of [
        { cookie: ["a=1; x-route-version=pr-1; b=2"] },
        { cookie: ["x-route-version=pr-1; a=1"] },
        { cookie: ["a=1; x-route-version=pr-1"] },
        { cookie: ["x-route-version=pr-1"] },
        { Cookie: ["a=1", "x-route-version=pr-1"] },
        http2Cookies("a=1", "x-route-version=pr-1", "b=2"),
      ]) {
        assert.equal(reached(table, request(ORDERS, cookie)).service, "orders--pr-1", JSON.stringify(cookie));
      }
      assert.equal(reached(table, request(ORDERS, http2Cookies("a=1", "x-route-version=pr-12"))).service, "orders--pr-12");
    });

    test("baggage with several members, properties and spaces, and two baggage headers", () => {
      assert.equal(
        reached(table, request(ORDERS, { baggage: ["k=v, dynamic_route = pr-1 ;prop=1, z=2"] })).service,
        "orders--pr-1",
      );
      assert.equal(reached(table, request(ORDERS, { baggage: ["dynamic_route=pr-1"] })).service, "orders--pr-1");
      assert.equal(reached(table, request(ORDERS, { baggage: ["k=v", "z=1,dynamic_route=pr-12"] })).service, "orders--pr-12");
      assert.equal(reached(table, request(ORDERS, { baggage: ["dynamic_route=pr-1;p=1", "k=v"] })).service, "orders--pr-1");
      // A property named like the key is not a member.
      assert.equal(reached(table, request(ORDERS, { baggage: ["k=v;dynamic_route=pr-1"] })).service, "orders");
      // Another member whose name ends like the key is not the key.
      assert.equal(reached(table, request(ORDERS, { baggage: ["my_dynamic_route=pr-1"] })).service, "orders");
    });

    test("a service without the route's copy falls back to its shadow copy", () => {
      assert.deepEqual(reached(table, request(BILLING, { "X-Route-Version": ["pr-1"] })), {
        router: "billing--shadow-fallback",
        service: "billing--shadow",
        servers: ["billing--shadow"],
        servedBy: "shadow",
      });
      assert.equal(reached(table, request(BILLING, http2Cookies("x-route-version=pr-1"))).service, "billing--shadow");
      assert.equal(reached(table, request(BILLING, { baggage: ["dynamic_route=pr-1"] })).service, "billing--shadow");
      assert.equal(reached(table, request(BILLING, { "X-Route-Version": ["shadow"] })).router, "billing--shadow");
    });

    test("no signal, or an empty one, reaches the default service", () => {
      const unsignalled: Record<string, string[]>[] = [{}, { cookie: ["a=1; b=2"] }, { cookie: ["x-route-version="] }, { baggage: ["k=v"] }];
      for (const headers of unsignalled) {
        assert.deepEqual(reached(table, request(ORDERS, headers)), {
          router: "orders",
          service: "orders",
          servers: ["orders"],
          servedBy: undefined,
        });
        assert.equal(reached(table, request(BILLING, headers)).service, "billing");
      }
      assert.equal(selectRouter(table, request("c.dev.internal", { "X-Route-Version": ["pr-1"] })), undefined);
    });

    test("pr-1 never reaches pr-12, and pr-12 never pr-1", () => {
      for (const [route, other] of [
        ["pr-1", "pr-12"],
        ["pr-12", "pr-1"],
      ] as const) {
        const signalled: Record<string, string[]>[] = [
          { "X-Route-Version": [route] },
          { cookie: [`x-route-version=${route}; a=1`] },
          { cookie: [`a=1; x-route-version=${route}`] },
          { baggage: [`dynamic_route=${route},k=v`] },
          { baggage: [`dynamic_route=${route}`] },
        ];
        for (const headers of signalled) {
          const { service } = reached(table, request(ORDERS, headers));
          assert.equal(service, `orders--${route}`, JSON.stringify(headers));
          assert.notEqual(service, `orders--${other}`);
        }
      }
      // A longer route with the same prefix is not the route either.
      assert.equal(reached(table, request(ORDERS, { "X-Route-Version": ["pr-123"] })).service, "orders--shadow");
    });

    test("a header value `pr-1, x` is not pr-1 (Header compares the whole value)", () => {
      assert.deepEqual(reached(table, request(ORDERS, { "X-Route-Version": ["pr-1, x"] })), {
        router: "orders--shadow-fallback",
        service: "orders--shadow",
        servers: ["orders--shadow"],
        servedBy: "shadow",
      });
    });

    test("shadow created with fallback: default sends requests for absent routes to the default service", () => {
      const withoutFallback = cluster(syntax, "default");
      assert.equal(withoutFallback.routers.some((router) => router.name === "billing--shadow-fallback"), false);
      assert.deepEqual(reached(withoutFallback, request(BILLING, { "X-Route-Version": ["pr-1"] })), {
        router: "billing",
        service: "billing",
        servers: ["billing"],
        servedBy: undefined,
      });
      assert.equal(reached(withoutFallback, request(BILLING, { "X-Route-Version": ["shadow"] })).service, "billing--shadow");
    });
  });
}

describe("the Traefik behaviour that makes copying base labels wrong (docs/design.md §2)", () => {
  test("a copied, identical router merges servers: PR traffic and main traffic are mixed", () => {
    const table = buildRoutingTable([
      { serviceName: "orders", labels: ORDERS_LABELS },
      { serviceName: "orders--pr-1", labels: { ...ORDERS_LABELS } },
    ]);
    const selection = selectRouter(table, request(ORDERS));
    assert.equal(selection?.service.name, "orders");
    assert.deepEqual(selection?.service.servers, ["orders", "orders--pr-1"]);
  });

  test("a router name defined differently by two ECS services is dropped", () => {
    const table = buildRoutingTable([
      { serviceName: "orders", labels: ORDERS_LABELS },
      {
        serviceName: "orders--pr-1",
        labels: { ...ORDERS_LABELS, "traefik.http.routers.orders.rule": "Host(`a.dev.internal`) && Header(`X-Route-Version`, `pr-1`)" },
      },
    ]);
    assert.deepEqual(table.problems, ["router orders is defined differently by orders, orders--pr-1: Traefik drops it"]);
    assert.equal(selectRouter(table, request(ORDERS)), undefined);
  });

  test("routers of equal priority that both match are reported as ambiguous", () => {
    const table = buildRoutingTable([
      { serviceName: "one", labels: { "traefik.http.routers.one.rule": "Host(`a`)", "traefik.http.routers.one.priority": "5" } },
      { serviceName: "two", labels: { "traefik.http.routers.two.rule": "PathPrefix(`/`)", "traefik.http.routers.two.priority": "5" } },
    ]);
    const selection = selectRouter(table, request("a"));
    assert.equal(selection?.router.name, "one");
    assert.deepEqual(selection?.ambiguousWith, ["two"]);
  });

  test("disabled containers, broken rules and missing services or middlewares are left out with a reason", () => {
    const table = buildRoutingTable([
      { serviceName: "off", labels: { "traefik.enable": "false", "traefik.http.routers.off.rule": "Host(`a`)" } },
      { serviceName: "bad", labels: { "traefik.http.routers.bad.rule": "Host(a)" } },
      {
        serviceName: "lost",
        labels: { "traefik.http.routers.lost.rule": "Host(`a`)", "traefik.http.routers.lost.middlewares": "nowhere" },
      },
      { serviceName: "ok", labels: { "traefik.http.routers.ok.rule": "Host(`a`)", "traefik.http.routers.ok.entrypoints": "websecure" } },
    ]);
    assert.deepEqual(
      table.routers.map((router) => router.name),
      ["ok"],
    );
    assert.equal(table.problems.length, 2);
    assert.match(table.problems[0] ?? "", /^router bad: 'a' is a bare word/);
    assert.equal(table.problems[1], "router lost: middleware nowhere does not exist");
    assert.equal(selectRouter(table, request("a"), "web"), undefined);
    assert.equal(selectRouter(table, request("a"), "websecure")?.service.name, "ok");
  });
});

describe("a base router that keeps v2 rules on Traefik v3 (ruleSyntax label)", () => {
  test("its copies declare their syntax too, so Traefik v3 parses their v2 rules", () => {
    const base = {
      "traefik.http.routers.orders.rule": "Host(`a.dev.internal`, `a2.dev.internal`)",
      "traefik.http.routers.orders.ruleSyntax": "v2",
    };
    const labels = copy("orders", base, "pr-1", "v2").labels;
    assert.equal(labels["traefik.http.routers.orders--pr-1.ruleSyntax"], "v2");
    const table = buildRoutingTable([{ serviceName: "orders", labels: base }, { serviceName: "orders--pr-1", labels }], { defaultRuleSyntax: "v3" });
    assert.deepEqual(table.problems, []);
    assert.equal(reached(table, request("a2.dev.internal", { "X-Route-Version": ["pr-1"] })).service, "orders--pr-1");
    assert.equal(reached(table, request("a2.dev.internal")).service, "orders");
  });

  test("without such a label none is written: Traefik v2 refuses labels it does not know", () => {
    assert.deepEqual(
      Object.keys(copy("orders", ORDERS_LABELS, "shadow", "v2").labels).filter((key) => key.toLowerCase().endsWith(".rulesyntax")),
      [],
    );
  });
});
