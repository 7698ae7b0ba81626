// Pure: which requests prove a route live, derived from its copies' Traefik rules (issue 11), and
// which copy an explicit probe URL reaches.
import type { RuleExpression, RuleSyntax } from "../routing/rule/ast.js";
import { matchesRule } from "../routing/rule/evaluate.js";
import { parseRule, RuleSyntaxError } from "../routing/rule/parser.js";
import { redactCredentials } from "./url-credentials.js";

/** One copy of a base service on the route, as its service tags and task definition record it. */
export interface RouteCopy {
  baseService: string;
  /** The copy's ECS service, e.g. `orders--pr-7`. */
  service: string;
  /** The rule of the copy's own router (its base match plus the route's signal). */
  rule: string;
  ruleSyntax: RuleSyntax;
}

/**
 * One probe: `url` is what is requested (its `user:password@`, if any, sent as basic auth); `host`,
 * when set, is the Host header and TLS server name.
 */
export interface ProbeTarget {
  url: string;
  host?: string;
  /** The copy the probe is for; undefined when nothing says which (no cluster given). */
  copy?: string;
}

/** `https://orders.dev.internal/health via https://traefik.dev.internal` or the URL itself; credentials as `***`. */
export function describeTarget(target: ProbeTarget): string {
  if (target.host === undefined) return redactCredentials(target.url);
  const url = new URL(target.url);
  return `${url.protocol}//${target.host}${url.pathname}${url.search} via ${url.origin}`;
}

function firstArgument(expression: RuleExpression, names: readonly string[]): string | undefined {
  switch (expression.kind) {
    case "matcher":
      return names.includes(expression.name.toLowerCase()) ? expression.args[0] : undefined;
    // A negated matcher says what the probe must not be: no host or path to take from it.
    case "not":
      return undefined;
    case "and":
    case "or":
      return firstArgument(expression.left, names) ?? firstArgument(expression.right, names);
  }
}

/**
 * A path a request can have and still match `Path`/`PathPrefix`: v2's `{name:regexp}` templates
 * are cut at the first variable (a prefix that still needs the rest is the closest honest guess).
 */
function concretePath(path: string): string {
  const cut = path.indexOf("{");
  const concrete = cut < 0 ? path : path.slice(0, cut);
  return concrete.startsWith("/") ? concrete : `/${concrete}`;
}

/**
 * The probe of one copy: to the entrypoint, with Host from the rule's first `Host` (v2 also
 * `HostHeader`) and the path from its first `Path`/`PathPrefix`, else `/`; `probePath` replaces the path.
 * A rule with no host probes the entrypoint's own host.
 */
export function deriveProbeTarget(copy: RouteCopy, entrypoint: URL, probePath: string | undefined): ProbeTarget {
  const { expression } = parseRule(copy.rule, copy.ruleSyntax);
  const host = firstArgument(expression, ["host", "hostheader"]);
  // The entrypoint URL's own credentials (basic auth in front of Traefik) stay on every probe.
  const url = new URL(entrypoint.href);
  url.pathname = probePath ?? concretePath(firstArgument(expression, ["path", "pathprefix"]) ?? "/");
  url.search = "";
  url.hash = "";
  return { url: url.href, ...(host !== undefined ? { host } : {}), copy: copy.service };
}

/** The rule syntax of a copy's router: its `ruleSyntax` label when set, else the one that parses (v3 first). */
export function copyRuleSyntax(rule: string, declared: string | undefined): RuleSyntax {
  if (declared === "v2" || declared === "v3") return declared;
  try {
    parseRule(rule, "v3");
    return "v3";
  } catch (error) {
    if (error instanceof RuleSyntaxError) return "v2";
    throw error;
  }
}

/**
 * The copy an explicit probe URL reaches with the routing headers, as Traefik would pick among the
 * route's routers (each copy has one), else undefined: the route has no copy of that service.
 */
export function copyReachedBy(url: string, headers: Record<string, string>, copies: readonly RouteCopy[]): RouteCopy | undefined {
  const parsed = new URL(url);
  const request = {
    method: "GET",
    host: parsed.host,
    path: decodeURIComponent(parsed.pathname),
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    query: Object.fromEntries([...parsed.searchParams.keys()].map((key) => [key, parsed.searchParams.getAll(key)])),
  };
  return copies.find((copy) => matchesRule(parseRule(copy.rule, copy.ruleSyntax), request));
}
