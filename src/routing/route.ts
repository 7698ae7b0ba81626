import { createHash } from "node:crypto";
import { ConfigurationError } from "../common/errors.js";

/** The name of one version of the stack: `shadow`, `pr-<n>` or a branch slug (docs/design.md §1). */
export type Route = string;

export const SHADOW_ROUTE: Route = "shadow";
/**
 * Not a route: the shadow copy's extra Traefik router is `<base>--shadow-fallback`, so a route of
 * this name would define the same router name differently and Traefik would drop both.
 */
export const SHADOW_FALLBACK_NAME = "shadow-fallback";
export const ROUTE_MAX_LENGTH = 32;
export const ROUTE_PATTERN = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

const HASH_LENGTH = 6;
/** `pr-<n>`: reserved for pull requests (branch slugs of this shape are hashed). */
const PULL_REQUEST_ROUTE = /^pr-(\d+)$/;
/** What a hashed branch route ends with; a slug of this shape could be another branch's hashed route. */
const HASHED_ENDING = new RegExp(`(^|-)[0-9a-f]{${HASH_LENGTH}}$`);

export function isValidRoute(value: string): boolean {
  return ROUTE_PATTERN.test(value);
}

/** Checks a route given by a user; `input` names where it came from for the error line. */
export function validateRoute(value: string, input = "route"): Route {
  if (value === SHADOW_FALLBACK_NAME) {
    throw new ConfigurationError(`'${value}' is reserved for the shadow copy's fallback router; choose another route name`, input);
  }
  if (value.includes("--")) {
    // `--` joins base service and route: `a` + `b--c` and `a--b` + `c` would both be `a--b--c`.
    throw new ConfigurationError(`'${value}' contains '--', which separates the base service from the route in copy names; use single dashes (e.g. pr-123)`, input);
  }
  if (!isValidRoute(value)) {
    throw new ConfigurationError(
      `'${value}' is not a valid route; use 1-32 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. pr-123)`,
      input,
    );
  }
  return value;
}

/** The pull request a `pr-<n>` route belongs to; undefined for shadow and branch routes. */
export function pullRequestOfRoute(route: Route): number | undefined {
  const match = PULL_REQUEST_ROUTE.exec(route);
  return match === null ? undefined : Number(match[1]);
}

export function routeForPullRequest(number: number): Route {
  if (!Number.isSafeInteger(number) || number <= 0) {
    throw new ConfigurationError(`pull request number '${number}' must be a positive integer`);
  }
  return `pr-${number}`;
}

/** Lowercase, every run of characters outside `[a-z0-9]` becomes `-`, trimmed. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * A route for a branch: its slug when that is exactly the branch name, otherwise a prefix of the
 * slug plus `-` and six hex characters of a hash of the full name, so two branches never share a
 * route. Slugs that would impersonate `shadow` or a pull-request route are hashed too, and so are
 * slugs ending like a hashed route (`feature-3d377a` is what `Feature` becomes).
 */
export function routeForBranch(branch: string): Route {
  const slugged = slug(branch);
  const reserved =
    slugged === SHADOW_ROUTE || slugged === SHADOW_FALLBACK_NAME || PULL_REQUEST_ROUTE.test(slugged) || HASHED_ENDING.test(slugged);
  // isValidRoute also bounds the length.
  if (slugged === branch && !reserved && isValidRoute(slugged)) {
    return slugged;
  }
  const hash = createHash("sha256").update(branch, "utf8").digest("hex").slice(0, HASH_LENGTH);
  const prefix = slugged.slice(0, ROUTE_MAX_LENGTH - HASH_LENGTH - 1).replace(/-+$/, "");
  const hashed = prefix === "" ? hash : `${prefix}-${hash}`;
  // `PR` or `pr/` hash to `pr-<hash>`, and a hash of six decimal digits would impersonate a pull request.
  return PULL_REQUEST_ROUTE.test(hashed) ? `branch-${hashed}` : hashed;
}

export const DEFAULT_ROUTE_TEMPLATE = "pr-{number}";
const TEMPLATE_PLACEHOLDERS = ["number", "branch", "repository"] as const;
type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

/** A checked `route-template`: pull-request routes rendered from it with routeFromTemplate. */
export interface RouteTemplate {
  readonly text: string;
  /** {branch} and no {number}: the same branch of several repositories meets on one route, on purpose. */
  readonly shared: boolean;
}

/**
 * Checks a `route-template` given by a user: literal text of lowercase letters, digits and `-`, the
 * placeholders {number}, {branch} and {repository}, and at least {number} or {branch} (otherwise
 * every pull request would get the same route).
 */
export function parseRouteTemplate(text: string, input = "route-template"): RouteTemplate {
  const placeholders = [...text.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1] as string);
  const unknown = placeholders.find((name) => !(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown !== undefined) {
    throw new ConfigurationError(`'{${unknown}}' is not a placeholder; use {number}, {branch} or {repository} (e.g. {repository}-pr-{number})`, input);
  }
  const literal = text.replace(/\{(number|branch|repository)\}/g, "");
  if (!/^[a-z0-9-]*$/.test(literal)) {
    throw new ConfigurationError(`'${text}' may contain only lowercase letters, digits, '-' and the placeholders {number}, {branch}, {repository}`, input);
  }
  const uses = (name: TemplatePlaceholder): boolean => placeholders.includes(name);
  if (!uses("number") && !uses("branch")) {
    throw new ConfigurationError(`'${text}' has neither {number} nor {branch}, so every pull request would get the same route; e.g. pr-{number}`, input);
  }
  return { text, shared: uses("branch") && !uses("number") };
}

/**
 * Pure: the route of a pull request from a template. Each placeholder is slugged; a result longer than
 * a route may be keeps a prefix plus `-` and six hex characters of a hash of the whole result, so the
 * same branch in two repositories still gives one route. The result is validated like any route.
 */
export function routeFromTemplate(
  template: RouteTemplate,
  values: { number: number; branch: string; repository: string },
  input = "route-template",
): Route {
  if (!Number.isSafeInteger(values.number) || values.number <= 0) {
    throw new ConfigurationError(`pull request number '${values.number}' must be a positive integer`);
  }
  const rendered = template.text
    .replace(/\{number\}/g, String(values.number))
    .replace(/\{branch\}/g, slug(values.branch))
    .replace(/\{repository\}/g, slug(values.repository))
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
  let route = rendered;
  if (route.length > ROUTE_MAX_LENGTH) {
    const hash = createHash("sha256").update(rendered, "utf8").digest("hex").slice(0, HASH_LENGTH);
    route = `${rendered.slice(0, ROUTE_MAX_LENGTH - HASH_LENGTH - 1).replace(/-+$/, "")}-${hash}`;
  }
  if (route === "") {
    throw new ConfigurationError(`'${template.text}' gives an empty route for branch '${values.branch}'; add literal text, e.g. feature-{branch}`, input);
  }
  if (route === SHADOW_ROUTE) {
    throw new ConfigurationError(`'${template.text}' gives 'shadow', which is main's route; add literal text, e.g. feature-{branch}`, input);
  }
  return validateRoute(route, input);
}
