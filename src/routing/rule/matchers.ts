import { BlockList, isIP } from "node:net";
import type { RuleSyntax } from "./ast.js";
import { compileGoRegexp, escapeRegexp } from "./regexp.js";

/**
 * One Traefik HTTP matcher as the parser knows it: its arguments' shape and their checks when
 * Traefik builds the router. What a matcher matches is semantics.ts.
 */
export interface MatcherDefinition {
  name: string;
  minArgs: number;
  maxArgs: number;
  /** Arguments come in key/value pairs (v2 `Headers`, `HeadersRegexp`). */
  pairs?: boolean;
  /** Throws an Error saying what is wrong with an argument. */
  validate?: (args: string[]) => void;
}

const UNLIMITED = Number.POSITIVE_INFINITY;

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

export function clientRange(value: string): BlockList {
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

/**
 * gorilla/mux templates of v2 rules (`{sub:[a-z]+}.example.com`, `/users/{id}`) as an anchored
 * regexp; a variable without a pattern matches one host label or path segment.
 */
export function muxTemplate(template: string, part: "host" | "path", prefix: boolean): RegExp {
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

export function pairsOf(args: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let index = 0; index + 1 < args.length; index += 2) pairs.push([args[index] ?? "", args[index + 1] ?? ""]);
  return pairs;
}

const V3_MATCHERS: MatcherDefinition[] = [
  { name: "ClientIP", minArgs: 1, maxArgs: 1, validate: requireClientRanges },
  { name: "Method", minArgs: 1, maxArgs: 1 },
  { name: "Host", minArgs: 1, maxArgs: 1, validate: requireAscii },
  {
    name: "HostRegexp",
    minArgs: 1,
    maxArgs: 1,
    validate: (args) => {
      requireAscii(args);
      requireRegexps(args);
    },
  },
  { name: "Path", minArgs: 1, maxArgs: 1, validate: requireLeadingSlash },
  { name: "PathPrefix", minArgs: 1, maxArgs: 1, validate: requireLeadingSlash },
  { name: "PathRegexp", minArgs: 1, maxArgs: 1, validate: requireRegexps },
  { name: "Header", minArgs: 2, maxArgs: 2 },
  { name: "HeaderRegexp", minArgs: 2, maxArgs: 2, validate: ([, pattern = ""]) => compileGoRegexp(pattern) },
  { name: "Query", minArgs: 1, maxArgs: 2 },
  { name: "QueryRegexp", minArgs: 1, maxArgs: 2, validate: ([, pattern]) => pattern === undefined || compileGoRegexp(pattern) },
];

const V2_MATCHERS: MatcherDefinition[] = [
  { name: "Host", minArgs: 1, maxArgs: UNLIMITED, validate: requireAscii },
  { name: "HostHeader", minArgs: 1, maxArgs: UNLIMITED, validate: requireAscii },
  {
    name: "HostRegexp",
    minArgs: 1,
    maxArgs: UNLIMITED,
    validate: (args) => {
      requireAscii(args);
      requireTemplates("host", false)(args);
    },
  },
  { name: "ClientIP", minArgs: 1, maxArgs: UNLIMITED, validate: requireClientRanges },
  { name: "Path", minArgs: 1, maxArgs: UNLIMITED, validate: requireTemplates("path", false) },
  { name: "PathPrefix", minArgs: 1, maxArgs: UNLIMITED, validate: requireTemplates("path", true) },
  { name: "Method", minArgs: 1, maxArgs: UNLIMITED },
  { name: "Headers", minArgs: 2, maxArgs: UNLIMITED, pairs: true },
  { name: "HeadersRegexp", minArgs: 2, maxArgs: UNLIMITED, pairs: true, validate: (args) => requireRegexps(pairsOf(args).map(([, pattern]) => pattern)) },
  { name: "Query", minArgs: 1, maxArgs: UNLIMITED },
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
