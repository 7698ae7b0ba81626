// What each Traefik HTTP matcher matches: integration-test uses it to tell which copy an explicit
// probe URL reaches, the simulator (test/traefik-simulator/) to route. The parser's side of a
// matcher (its arguments and their checks) is matchers.ts.
import { isIP } from "node:net";
import type { RuleSyntax } from "./ast.js";
import { clientRange, muxTemplate, pairsOf } from "./matchers.js";
import { compileGoRegexp } from "./regexp.js";
import { headerValues, type HttpRequest } from "./request.js";

type Semantics = (args: string[], request: HttpRequest) => boolean;

/** Go's requestdecorator canonical host: lowercase, port removed (`[::1]:80` → `::1`). */
function canonicalRequestHost(request: HttpRequest): string {
  const host = request.host.toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed !== null) return bracketed[1] ?? "";
  const withPort = /^([^:]*):\d*$/.exec(host);
  return withPort === null ? host : (withPort[1] ?? "");
}

/** Traefik's Host: case-insensitive, port ignored, a trailing dot on either side ignored. */
function hostMatches(expected: string, request: HttpRequest): boolean {
  const host = canonicalRequestHost(request);
  if (host === "") return false;
  const want = expected.toLowerCase();
  return host === want || host === want.replace(/\.$/, "") || host.replace(/\.$/, "") === want;
}

function clientIpMatches(range: string, request: HttpRequest): boolean {
  const ip = request.clientIp;
  if (ip === undefined) return false;
  const family = isIP(ip);
  return family !== 0 && clientRange(range).check(ip, family === 4 ? "ipv4" : "ipv6");
}

function anyHeaderValue(key: string, request: HttpRequest, test: (value: string) => boolean): boolean {
  return headerValues(request, key).some(test);
}

function queryValues(request: HttpRequest, key: string): string[] | undefined {
  return request.query?.[key];
}

function pathMatches(template: string, request: HttpRequest, prefix: boolean): boolean {
  if (!template.includes("{")) return prefix ? request.path.startsWith(template) : request.path === template;
  return muxTemplate(template, "path", prefix).test(request.path);
}

const V3: Record<string, Semantics> = {
  ClientIP: ([range = ""], request) => clientIpMatches(range, request),
  Method: ([method = ""], request) => request.method === method.toUpperCase(),
  Host: ([host = ""], request) => hostMatches(host, request),
  HostRegexp: ([pattern = ""], request) => compileGoRegexp(pattern).test(canonicalRequestHost(request)),
  Path: ([path = ""], request) => request.path === path,
  PathPrefix: ([prefix = ""], request) => request.path.startsWith(prefix),
  PathRegexp: ([pattern = ""], request) => compileGoRegexp(pattern).test(request.path),
  Header: ([key = "", value = ""], request) => anyHeaderValue(key, request, (actual) => actual === value),
  // Unanchored search over each value, like Go's regexp.MatchString.
  HeaderRegexp: ([key = "", pattern = ""], request) => anyHeaderValue(key, request, (actual) => compileGoRegexp(pattern).test(actual)),
  Query: ([key = "", value = ""], request) => queryValues(request, key)?.includes(value) ?? false,
  // With only a key it is Query(key): the key with an empty value.
  QueryRegexp: ([key = "", pattern], request) =>
    queryValues(request, key)?.some((actual) => (pattern === undefined ? actual === "" : compileGoRegexp(pattern).test(actual))) ?? false,
};

const V2: Record<string, Semantics> = {
  Host: (hosts, request) => hosts.some((host) => hostMatches(host, request)),
  HostHeader: (hosts, request) => hosts.some((host) => hostMatches(host, request)),
  HostRegexp: (templates, request) =>
    templates.some((template) => muxTemplate(template.toLowerCase(), "host", false).test(canonicalRequestHost(request))),
  ClientIP: (ranges, request) => ranges.some((range) => clientIpMatches(range, request)),
  Path: (paths, request) => paths.some((path) => pathMatches(path, request, false)),
  PathPrefix: (paths, request) => paths.some((path) => pathMatches(path, request, true)),
  Method: (methods, request) => methods.some((method) => request.method === method.toUpperCase()),
  Headers: (args, request) => pairsOf(args).every(([key, value]) => anyHeaderValue(key, request, (actual) => actual === value)),
  HeadersRegexp: (args, request) =>
    pairsOf(args).every(([key, pattern]) => anyHeaderValue(key, request, (actual) => compileGoRegexp(pattern).test(actual))),
  // `key=value` (value may be empty: the key must be present).
  Query: (args, request) =>
    args.every((arg) => {
      const [key = "", value = ""] = arg.split(/=(.*)/s);
      const values = queryValues(request, key);
      return values !== undefined && (value === "" || values.includes(value));
    }),
};

/** What the matcher of this canonical name matches in `syntax`. */
export function matcherSemantics(syntax: RuleSyntax, name: string): Semantics | undefined {
  return (syntax === "v3" ? V3 : V2)[name];
}
