import { BlockList, isIP } from "node:net";
import type { RuleSyntax } from "./ast.js";
import { compileGoRegexp, escapeRegexp } from "./regexp.js";
import { headerValues, type HttpRequest } from "./request.js";

/** One Traefik HTTP matcher: its arguments' shape, their checks at parse time, and its semantics. */
interface MatcherDefinition {
  name: string;
  minArgs: number;
  maxArgs: number;
  /** Arguments come in key/value pairs (v2 `Headers`, `HeadersRegexp`). */
  pairs?: boolean;
  /** Throws an Error saying what is wrong with an argument. */
  validate?: (args: string[]) => void;
  matches: (args: string[], request: HttpRequest) => boolean;
}

const UNLIMITED = Number.POSITIVE_INFINITY;

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

function requireAscii(args: string[]): void {
  for (const arg of args) {
    if (!/^\p{ASCII}*$/u.test(arg)) throw new Error(`invalid value '${arg}': non-ASCII characters are not allowed`);
  }
}

function requireRegexps(args: string[]): void {
  for (const arg of args) compileGoRegexp(arg);
}

function requireLeadingSlash(args: string[]): void {
  for (const arg of args) {
    if (!arg.startsWith("/")) throw new Error(`path '${arg}' does not start with a '/'`);
  }
}

function clientRange(value: string): BlockList {
  const list = new BlockList();
  const [address = "", bits, extra] = value.split("/");
  const family = isIP(address);
  if (family === 0 || extra !== undefined) throw new Error(`'${value}' is not an IP address or CIDR range`);
  const type = family === 4 ? "ipv4" : "ipv6";
  if (bits === undefined) {
    list.addAddress(address, type);
  } else {
    const prefix = /^\d+$/.test(bits) ? Number(bits) : Number.NaN;
    if (!(prefix <= (family === 4 ? 32 : 128))) throw new Error(`'${value}' is not a valid CIDR range`);
    list.addSubnet(address, prefix, type);
  }
  return list;
}

function requireClientRanges(args: string[]): void {
  for (const arg of args) clientRange(arg);
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

/**
 * gorilla/mux templates of v2 rules (`{sub:[a-z]+}.example.com`, `/users/{id}`) as an anchored
 * regexp; a variable without a pattern matches one host label or path segment.
 */
function muxTemplate(template: string, part: "host" | "path", prefix: boolean): RegExp {
  let source = "^";
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf("{", index);
    if (open < 0) {
      source += escapeRegexp(template.slice(index));
      break;
    }
    source += escapeRegexp(template.slice(index, open));
    let depth = 0;
    let close = open;
    for (; close < template.length; close += 1) {
      if (template[close] === "{") depth += 1;
      if (template[close] === "}" && --depth === 0) break;
    }
    if (close >= template.length) throw new Error(`unbalanced braces in '${template}'`);
    const variable = template.slice(open + 1, close);
    const colon = variable.indexOf(":");
    const pattern = colon < 0 ? (part === "host" ? "[^.]+" : "[^/]+") : variable.slice(colon + 1);
    source += `(?:${compileGoRegexp(pattern).source})`;
    index = close + 1;
  }
  return new RegExp(prefix ? source : `${source}$`, "u");
}

function requireTemplates(part: "host" | "path", prefix: boolean) {
  return (args: string[]): void => {
    for (const arg of args) muxTemplate(arg, part, prefix);
  };
}

function pathMatches(template: string, request: HttpRequest, prefix: boolean): boolean {
  if (!template.includes("{")) return prefix ? request.path.startsWith(template) : request.path === template;
  return muxTemplate(template, "path", prefix).test(request.path);
}

function pairsOf(args: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let index = 0; index + 1 < args.length; index += 2) pairs.push([args[index] ?? "", args[index + 1] ?? ""]);
  return pairs;
}

const V3_MATCHERS: MatcherDefinition[] = [
  {
    name: "ClientIP",
    minArgs: 1,
    maxArgs: 1,
    validate: requireClientRanges,
    matches: ([range = ""], request) => clientIpMatches(range, request),
  },
  { name: "Method", minArgs: 1, maxArgs: 1, matches: ([method = ""], request) => request.method === method.toUpperCase() },
  {
    name: "Host",
    minArgs: 1,
    maxArgs: 1,
    validate: requireAscii,
    matches: ([host = ""], request) => hostMatches(host, request),
  },
  {
    name: "HostRegexp",
    minArgs: 1,
    maxArgs: 1,
    validate: (args) => {
      requireAscii(args);
      requireRegexps(args);
    },
    matches: ([pattern = ""], request) => compileGoRegexp(pattern).test(canonicalRequestHost(request)),
  },
  {
    name: "Path",
    minArgs: 1,
    maxArgs: 1,
    validate: requireLeadingSlash,
    matches: ([path = ""], request) => request.path === path,
  },
  {
    name: "PathPrefix",
    minArgs: 1,
    maxArgs: 1,
    validate: requireLeadingSlash,
    matches: ([prefix = ""], request) => request.path.startsWith(prefix),
  },
  {
    name: "PathRegexp",
    minArgs: 1,
    maxArgs: 1,
    validate: requireRegexps,
    matches: ([pattern = ""], request) => compileGoRegexp(pattern).test(request.path),
  },
  {
    name: "Header",
    minArgs: 2,
    maxArgs: 2,
    matches: ([key = "", value = ""], request) => anyHeaderValue(key, request, (actual) => actual === value),
  },
  {
    name: "HeaderRegexp",
    minArgs: 2,
    maxArgs: 2,
    validate: ([, pattern = ""]) => compileGoRegexp(pattern),
    // Unanchored search over each value, like Go's regexp.MatchString.
    matches: ([key = "", pattern = ""], request) =>
      anyHeaderValue(key, request, (actual) => compileGoRegexp(pattern).test(actual)),
  },
  {
    name: "Query",
    minArgs: 1,
    maxArgs: 2,
    matches: ([key = "", value = ""], request) => queryValues(request, key)?.includes(value) ?? false,
  },
  {
    name: "QueryRegexp",
    minArgs: 1,
    maxArgs: 2,
    validate: ([, pattern]) => pattern === undefined || compileGoRegexp(pattern),
    // With only a key it is Query(key): the key with an empty value.
    matches: ([key = "", pattern], request) =>
      queryValues(request, key)?.some((actual) => (pattern === undefined ? actual === "" : compileGoRegexp(pattern).test(actual))) ??
      false,
  },
];

const V2_MATCHERS: MatcherDefinition[] = [
  {
    name: "Host",
    minArgs: 1,
    maxArgs: UNLIMITED,
    validate: requireAscii,
    matches: (hosts, request) => hosts.some((host) => hostMatches(host, request)),
  },
  {
    name: "HostHeader",
    minArgs: 1,
    maxArgs: UNLIMITED,
    validate: requireAscii,
    matches: (hosts, request) => hosts.some((host) => hostMatches(host, request)),
  },
  {
    name: "HostRegexp",
    minArgs: 1,
    maxArgs: UNLIMITED,
    validate: (args) => {
      requireAscii(args);
      requireTemplates("host", false)(args);
    },
    matches: (templates, request) =>
      templates.some((template) => muxTemplate(template.toLowerCase(), "host", false).test(canonicalRequestHost(request))),
  },
  {
    name: "ClientIP",
    minArgs: 1,
    maxArgs: UNLIMITED,
    validate: requireClientRanges,
    matches: (ranges, request) => ranges.some((range) => clientIpMatches(range, request)),
  },
  {
    name: "Path",
    minArgs: 1,
    maxArgs: UNLIMITED,
    validate: requireTemplates("path", false),
    matches: (paths, request) => paths.some((path) => pathMatches(path, request, false)),
  },
  {
    name: "PathPrefix",
    minArgs: 1,
    maxArgs: UNLIMITED,
    validate: requireTemplates("path", true),
    matches: (paths, request) => paths.some((path) => pathMatches(path, request, true)),
  },
  {
    name: "Method",
    minArgs: 1,
    maxArgs: UNLIMITED,
    matches: (methods, request) => methods.some((method) => request.method === method.toUpperCase()),
  },
  {
    name: "Headers",
    minArgs: 2,
    maxArgs: UNLIMITED,
    pairs: true,
    matches: (args, request) =>
      pairsOf(args).every(([key, value]) => anyHeaderValue(key, request, (actual) => actual === value)),
  },
  {
    name: "HeadersRegexp",
    minArgs: 2,
    maxArgs: UNLIMITED,
    pairs: true,
    validate: (args) => requireRegexps(pairsOf(args).map(([, pattern]) => pattern)),
    matches: (args, request) =>
      pairsOf(args).every(([key, pattern]) =>
        anyHeaderValue(key, request, (actual) => compileGoRegexp(pattern).test(actual)),
      ),
  },
  {
    name: "Query",
    minArgs: 1,
    maxArgs: UNLIMITED,
    // `key=value` (value may be empty: the key must be present).
    matches: (args, request) =>
      args.every((arg) => {
        const [key = "", value = ""] = arg.split(/=(.*)/s);
        const values = queryValues(request, key);
        return values !== undefined && (value === "" || values.includes(value));
      }),
  },
];

/**
 * Traefik registers each matcher under four spellings — as written, lower case, upper case and
 * title case (`PathPrefix`, `pathprefix`, `PATHPREFIX`, `Pathprefix`) — so `pathPrefix` is unknown.
 */
function bySpelling(definitions: MatcherDefinition[]): Map<string, MatcherDefinition> {
  const spellings = new Map<string, MatcherDefinition>();
  for (const definition of definitions) {
    const lower = definition.name.toLowerCase();
    for (const spelling of [definition.name, lower, definition.name.toUpperCase(), lower.charAt(0).toUpperCase() + lower.slice(1)]) {
      spellings.set(spelling, definition);
    }
  }
  return spellings;
}

const MATCHERS: Record<RuleSyntax, Map<string, MatcherDefinition>> = {
  v3: bySpelling(V3_MATCHERS),
  v2: bySpelling(V2_MATCHERS),
};

export function matcherNames(syntax: RuleSyntax): string[] {
  return (syntax === "v3" ? V3_MATCHERS : V2_MATCHERS).map((definition) => definition.name);
}

/** The matcher a rule names, or undefined when `syntax` has no matcher spelled that way. */
export function findMatcher(syntax: RuleSyntax, spelling: string): MatcherDefinition | undefined {
  return MATCHERS[syntax].get(spelling);
}

/** Checks a call's arguments as Traefik does when it builds the router; throws an Error saying why. */
export function checkMatcherCall(definition: MatcherDefinition, args: string[]): void {
  const { name, minArgs, maxArgs } = definition;
  if (args.length < minArgs || args.length > maxArgs || (definition.pairs === true && args.length % 2 !== 0)) {
    const expected =
      definition.pairs === true
        ? "key/value pairs"
        : minArgs === maxArgs
          ? `${minArgs} argument${minArgs === 1 ? "" : "s"}`
          : maxArgs === UNLIMITED
            ? `at least ${minArgs} argument${minArgs === 1 ? "" : "s"}`
            : `${minArgs} to ${maxArgs} arguments`;
    throw new Error(`${name} takes ${expected}, got ${args.length}`);
  }
  // Traefik's rules.CheckRule: no empty argument anywhere.
  if (args.some((arg) => arg === "")) throw new Error(`${name} has an empty argument`);
  definition.validate?.(args);
}
