import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DEFAULT_PRIORITIES, routeLabels } from "../../src/routing/labels.js";
import { parseRule } from "../../src/routing/rule/parser.js";
import { ROUTE_PATTERN, SHADOW_FALLBACK_NAME, SHADOW_ROUTE, routeForBranch } from "../../src/routing/route.js";
import { cookiePair, mergeBaggage, routingHeaders, type SignalNames } from "../../src/routing/signal.js";
import { buildRoutingTable, selectRouter } from "../traefik-simulator/table.js";

const SEED = 20261122;

const awkwardCharacter = fc.constantFrom(
  ..."abcxyzABCXYZ0189-_/.` '\"*+?^$()[]{}|\\~!#%&=;,:@".split(""),
  "é",
  "ß",
  "日本",
  "😀",
  "\u0301",
  "\t",
);

const branchName = fc.oneof(
  fc.string({ unit: awkwardCharacter, maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ unit: "grapheme-ascii", minLength: 250, maxLength: 300 }),
  fc.string({ unit: awkwardCharacter, minLength: 280, maxLength: 300 }),
  fc.stringMatching(ROUTE_PATTERN),
  fc.constantFrom("main", "shadow", "Shadow", "shadow-fallback", "PR", "pr-12", "pr/12", "feature/ABC-123", ""),
);

test("routeForBranch: always a valid route, deterministic, and no two sampled branches share one", () => {
  const branchOf = new Map<string, string>();
  fc.assert(
    fc.property(branchName, (branch) => {
      const route = routeForBranch(branch);
      assert.match(route, ROUTE_PATTERN);
      assert.notEqual(route, SHADOW_ROUTE);
      assert.notEqual(route, SHADOW_FALLBACK_NAME);
      assert.doesNotMatch(route, /^pr-\d+$/);
      assert.equal(routeForBranch(branch), route);
      const earlier = branchOf.get(route);
      assert.ok(
        earlier === undefined || earlier === branch,
        `branches ${JSON.stringify(earlier)} and ${JSON.stringify(branch)} share route ${route}`,
      );
      branchOf.set(route, branch);
    }),
    { seed: SEED, numRuns: 10_000 },
  );
  // The sample must be broad enough to mean something (generators repeat short and constant names).
  assert.ok(branchOf.size > 5_000, `only ${branchOf.size} distinct branches were sampled`);
});

test("routeForBranch: a branch named like another branch's route gets a route of its own", () => {
  // `Feature` is lossy, so it is hashed; someone may then push a branch named exactly that.
  const hashed = routeForBranch("Feature");
  assert.match(hashed, /^feature-[0-9a-f]{6}$/);
  assert.notEqual(routeForBranch(hashed), hashed);
  assert.notEqual(routeForBranch(routeForBranch("")), routeForBranch(""));
  // An ordinary slug is kept as it is.
  assert.equal(routeForBranch("fix-login"), "fix-login");
  fc.assert(
    fc.property(branchName, (branch) => {
      const route = routeForBranch(branch);
      assert.ok(route === branch || routeForBranch(route) !== route, `${JSON.stringify(branch)} and ${JSON.stringify(route)} share route ${route}`);
    }),
    { seed: SEED, numRuns: 2_000 },
  );
});

// A route never holds "--", which separates base and route in copy names.
const route = fc.stringMatching(ROUTE_PATTERN).filter((value) => value !== SHADOW_FALLBACK_NAME && !value.includes("--"));
const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const signalNames: fc.Arbitrary<SignalNames> = fc
  .record({ header: token, cookie: token, baggageKey: token })
  // A routing header called Cookie or baggage would be read as the other signals.
  .filter(({ header }) => !["cookie", "baggage", "host"].includes(header.toLowerCase()));

test("generated labels parse and each route's signals reach only that route's copy", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(route, { minLength: 2, maxLength: 4 }),
      signalNames,
      fc.constantFrom("v3" as const, "v2" as const),
      (routes, signal, syntax) => {
        const base = { "traefik.http.routers.orders.rule": "Host(`a.dev.internal`)" };
        const services = [
          { serviceName: "orders", labels: base },
          ...routes.map((name) => {
            const labels = routeLabels({
              baseService: "orders",
              route: name,
              baseLabels: base,
              port: 8080,
              protocol: "http",
              ruleSyntax: syntax,
              entrypoints: [],
              priority: name === SHADOW_ROUTE ? DEFAULT_PRIORITIES.shadow : DEFAULT_PRIORITIES.route,
              fallbackPriority: DEFAULT_PRIORITIES.shadowFallback,
              fallback: "shadow",
              signal,
            });
            for (const [key, value] of Object.entries(labels)) {
              if (key.endsWith(".rule")) parseRule(value, syntax);
            }
            return { serviceName: `orders--${name}`, labels };
          }),
        ];
        const table = buildRoutingTable(services, { defaultRuleSyntax: syntax });
        assert.deepEqual(table.problems, []);
        for (const name of routes) {
          const signalled = [
            routingHeaders(name, signal),
            { cookie: [`a=1; ${cookiePair(name, signal)}; b=2`] },
            { baggage: [mergeBaggage(name, signal, "k=v,z=2")] },
          ];
          for (const headers of signalled) {
            const headerMap = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, [value].flat()]));
            const selection = selectRouter(table, { method: "GET", host: "a.dev.internal", path: "/", headers: headerMap });
            assert.equal(selection?.router.name, `orders--${name}`, `${JSON.stringify(headerMap)} with ${JSON.stringify(signal)}`);
            assert.equal(selection.servedByRoute, name);
            assert.deepEqual(selection.ambiguousWith, []);
          }
        }
        assert.equal(selectRouter(table, { method: "GET", host: "a.dev.internal", path: "/", headers: {} })?.router.name, "orders");
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});
