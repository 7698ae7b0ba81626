import { test } from "node:test";
import assert from "node:assert/strict";
import type { RuleSyntax } from "../../src/routing/rule/ast.js";
import { matchesRule } from "../../src/routing/rule/evaluate.js";
import { parseRule, RuleSyntaxError } from "../../src/routing/rule/parser.js";
import type { HttpRequest } from "../../src/routing/rule/request.js";

function request(parts: Partial<HttpRequest> = {}): HttpRequest {
  return { method: "GET", host: "example.com", path: "/", headers: {}, ...parts };
}

function matches(rule: string, parts: Partial<HttpRequest>, syntax: RuleSyntax = "v3"): boolean {
  return matchesRule(parseRule(rule, syntax), request(parts));
}

function assertParseError(rule: string, reason: RegExp, syntax: RuleSyntax = "v3"): void {
  assert.throws(
    () => parseRule(rule, syntax),
    (error: unknown) => {
      assert.ok(error instanceof RuleSyntaxError, `expected a RuleSyntaxError for ${rule}`);
      assert.match(error.reason, reason);
      return true;
    },
  );
}

// The cases below are Traefik's own (FACTS.md, "Rule cases from Traefik's own tests").

test("Header compares each value exactly, with a canonicalised key", () => {
  const rule = "Header(`X-Forwarded-Proto`, `https`)";
  assert.equal(matches(rule, { headers: { "X-Forwarded-Proto": ["https"] } }), true);
  assert.equal(matches(rule, { headers: { "X-Forwarded-Proto": ["http", "https"] } }), true);
  assert.equal(matches(rule, { headers: { "X-Forwarded-Host": ["https"] } }), false);
  assert.equal(matches("Header(`x-forwarded-proto`, `https`)", { headers: { "X-Forwarded-Proto": ["https"] } }), true);
  assert.equal(matches(rule, { headers: { "x-forwarded-proto": ["https"] } }), true);
  assert.equal(matches(rule, { headers: { "X-Forwarded-Proto": ["HTTPS"] } }), false);
  assert.equal(matches(rule, { headers: { "X-Forwarded-Proto": ["https, http"] } }), false);
});

test("HeaderRegexp searches each value with a case-sensitive regexp", () => {
  const rule = "HeaderRegexp(`X-Forwarded-Proto`, `^https?$`)";
  assert.equal(matches(rule, { headers: { "X-Forwarded-Proto": ["http"] } }), true);
  assert.equal(matches(rule, { headers: { "X-Forwarded-Proto": ["https"] } }), true);
  assert.equal(matches(rule, { headers: { "X-Forwarded-Proto": ["HTTPS"] } }), false);
  assert.equal(matches(rule, { headers: { "X-Forwarded-Proto": ["ws", "https"] } }), true);
  // Unanchored: Go's MatchString finds the pattern anywhere in the value.
  assert.equal(matches("HeaderRegexp(`X-Forwarded-Proto`, `ttp`)", { headers: { "X-Forwarded-Proto": ["https"] } }), true);
});

test("Host ignores case, the port and a trailing dot", () => {
  const rule = "Host(`example.com`)";
  assert.equal(matches(rule, { host: "example.com:8080" }), true);
  assert.equal(matches(rule, { host: "EXAMPLE.COM" }), true);
  assert.equal(matches(rule, { host: "example.com." }), true);
  assert.equal(matches(rule, { host: "example.org" }), false);
  assert.equal(matches("Host(`example.com.`)", { host: "example.com" }), true);
  assert.equal(matches(rule, { host: "" }), false);
});

test("&& binds tighter than ||", () => {
  const rule = 'Host("example.com") || Host("example.org") && Path("/css")';
  assert.equal(matches(rule, { host: "example.com", path: "/js" }), true);
  assert.equal(matches(rule, { host: "example.org", path: "/js" }), false);
  assert.equal(matches(rule, { host: "example.org", path: "/css" }), true);
});

test("parentheses group", () => {
  const rule = '(Host("example.com") || Host("example.org")) && Path("/css")';
  assert.equal(matches(rule, { host: "example.com", path: "/js" }), false);
  assert.equal(matches(rule, { host: "example.com", path: "/css" }), true);
});

test("! negates", () => {
  const rule = '!(Host("example.com") && !Path("/css"))';
  assert.equal(matches(rule, { host: "example.com", path: "/css" }), true);
  assert.equal(matches(rule, { host: "example.com", path: "/js" }), false);
  assert.equal(matches(rule, { host: "example.org", path: "/css" }), true);
});

test("Traefik's parse errors: wrong arity, empty value, unquoted value", () => {
  assertParseError("Header(`X`)", /Header takes 2 arguments, got 1/);
  assertParseError("Header(`X`, ``)", /empty argument/);
  assertParseError("Host(example.com)", /^'example.com' is a bare word; quote values with backticks, e.g. `example.com`$/);
});

test("more parse errors Traefik's Go parser gives", () => {
  assertParseError("Host('example.com')", /single quotes/);
  assertParseError("Host(`example.com`) &&", /ends where a matcher was expected/);
  assertParseError("Host(`example.com`) ||", /ends where a matcher was expected/);
  assertParseError("Host(`example.com`) Path(`/`)", /unexpected 'Path' after a complete rule/);
  assertParseError("(Host(`example.com`)", /expected '\)'/);
  assertParseError("Host(`example.com`))", /unexpected '\)'/);
  assertParseError("Hots(`example.com`)", /unknown matcher Hots/);
  assertParseError("Host", /bare word/);
  assertParseError("`example.com`", /argument of a matcher/);
  assertParseError("Host(`example.com`", /expected ',' or '\)'/);
  assertParseError("Host(`example.com)", /unterminated backtick/);
  assertParseError('Host("example.com)', /unterminated double-quoted/);
  assertParseError('Host("a\\qb")', /unknown escape/);
  assertParseError("Host(`a`) & Path(`/`)", /unexpected character '&'/);
  assertParseError("Host(`a`) == Host(`b`)", /operator == is not supported/);
  assertParseError("", /ends where a matcher was expected/);
  assertParseError("Host()", /Host takes 1 argument, got 0/);
  assertParseError("Host(`a`, `b`)", /Host takes 1 argument, got 2/);
  assertParseError("Path(`css`)", /does not start with a '\/'/);
  assertParseError("Host(`exämple.com`)", /non-ASCII/);
  assertParseError("HeaderRegexp(`X`, `(`)", /does not compile/);
  assertParseError("HeaderRegexp(`X`, `(?=a)`)", /lookaround/);
  assertParseError("ClientIP(`10.0.0.0/33`)", /CIDR/);
});

test("matcher names: as written, lower, upper and title case, as Traefik registers them", () => {
  for (const name of ["PathPrefix", "pathprefix", "PATHPREFIX", "Pathprefix"]) {
    assert.equal(matches(`${name}(\`/css\`)`, { path: "/css/site.css" }), true, name);
  }
  assertParseError("pathPrefix(`/css`)", /unknown matcher pathPrefix/);
});

test("double-quoted values are Go interpreted strings", () => {
  const rule = parseRule('Header("X-A", "a\\"b\\\\c\\x41\\101\\u00e9\\U0001F600\\t")', "v3");
  assert.deepEqual(rule.expression, { kind: "matcher", name: "Header", args: ["X-A", 'a"b\\cAAé😀\t'] });
  // Backtick strings are raw: a backslash is itself.
  assert.deepEqual(parseRule("HeaderRegexp(`X-A`, `\\s`)", "v3").expression, {
    kind: "matcher",
    name: "HeaderRegexp",
    args: ["X-A", "\\s"],
  });
  // Go allows a trailing comma and line breaks between tokens.
  assert.equal(matches("Host(\n  `example.com`,\n) &&\n\tMethod(`get`)", { method: "GET" }), true);
});

test("the other v3 matchers", () => {
  assert.equal(matches("Method(`POST`)", { method: "POST" }), true);
  assert.equal(matches("Method(`POST`)", { method: "GET" }), false);
  assert.equal(matches("Path(`/css`)", { path: "/css/" }), false);
  assert.equal(matches("PathRegexp(`^/api/v[0-9]+/`)", { path: "/api/v2/orders" }), true);
  assert.equal(matches("HostRegexp(`^[a-z]+\\.example\\.com$`)", { host: "API.example.com:443" }), true);
  assert.equal(matches("Query(`mobile`, `true`)", { query: { mobile: ["false", "true"] } }), true);
  assert.equal(matches("Query(`mobile`, `true`)", {}), false);
  assert.equal(matches("QueryRegexp(`id`, `^[0-9]+$`)", { query: { id: ["42"] } }), true);
  assert.equal(matches("Query(`debug`)", { query: { debug: [""] } }), true);
  assert.equal(matches("QueryRegexp(`debug`)", { query: { debug: ["1"] } }), false);
  assert.equal(matches("ClientIP(`10.0.0.0/8`)", { clientIp: "10.1.2.3" }), true);
  assert.equal(matches("ClientIP(`10.0.0.0/8`)", { clientIp: "192.168.0.1" }), false);
  assert.equal(matches("ClientIP(`::1`)", { clientIp: "::1" }), true);
  assert.equal(matches("HeaderRegexp(`X`, `(?i)^abc$`)", { headers: { x: ["ABC"] } }), true);
});

test("v2 syntax: Headers, HeadersRegexp, HostHeader, several Host and Path values", () => {
  assert.equal(matches("Headers(`X-Route-Version`, `pr-1`)", { headers: { "x-route-version": ["pr-1"] } }, "v2"), true);
  assert.equal(matches("Headers(`X-Route-Version`, `pr-1`)", { headers: { "x-route-version": ["pr-12"] } }, "v2"), false);
  assert.equal(matches("HeadersRegexp(`Cookie`, `(^|;\\s*)a=1(;|$)`)", { headers: { cookie: ["b=2; a=1"] } }, "v2"), true);
  assert.equal(matches("Host(`a.example`, `b.example`)", { host: "B.example:80" }, "v2"), true);
  assert.equal(matches("HostHeader(`a.example`)", { host: "a.example" }, "v2"), true);
  assert.equal(matches("Path(`/a`, `/b`)", { path: "/b" }, "v2"), true);
  assert.equal(matches("PathPrefix(`/api/{version:v[0-9]+}/`)", { path: "/api/v3/orders" }, "v2"), true);
  assert.equal(matches("HostRegexp(`{sub:[a-z]+}.example.com`)", { host: "shop.example.com" }, "v2"), true);
  assert.equal(matches("HostRegexp(`{sub:[a-z]+}.example.com`)", { host: "shop.example.org" }, "v2"), false);
  assertParseError("Header(`X-Route-Version`, `pr-1`)", /unknown matcher Header for rule syntax v2/, "v2");
  assertParseError("Headers(`X-Route-Version`, `pr-1`)", /unknown matcher Headers for rule syntax v3/, "v3");
  assertParseError("Headers(`X-Route-Version`)", /key\/value pairs/, "v2");
  assertParseError("Headers(`X-Route-Version`, ``)", /empty argument/, "v2");
});

test("Go regexp syntax that JavaScript spells differently", () => {
  const header = (pattern: string, value: string) =>
    matches(`HeaderRegexp(\`X\`, \`${pattern}\`)`, { headers: { X: [value] } });
  assert.equal(header("^a\\-b$", "a-b"), true);
  assert.equal(header("\\Aab\\z", "ab"), true);
  assert.equal(header("\\Aab\\z", "abc"), false);
  assert.equal(header("^[[:digit:]]+$", "123"), true);
  assert.equal(header("^[[:digit:]]+$", "12a"), false);
  assert.equal(header("^\\Qa.b\\E$", "a.b"), true);
  assert.equal(header("^\\Qa.b\\E$", "axb"), false);
  assert.equal(header("^(?P<v>pr-[0-9]+)$", "pr-1"), true);
  assert.equal(header("^\\p{Greek}+$", "αβ"), true);
  assert.equal(header("^[a\\-z]$", "-"), true);
  assert.equal(header("^[a\\-z]$", "b"), false);
  assert.equal(header("^a\\#\\x{41}$", "a#A"), true);
  assert.equal(header("^\\pL\\PL$", "a1"), true);
  assertParseError("HeaderRegexp(`X`, `(a)\\1`)", /backreferences/);
  assertParseError("HeaderRegexp(`X`, `(?<!a)b`)", /lookaround/);
});
