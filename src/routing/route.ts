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

/**
 * A route for a branch: its slug when that is exactly the branch name, otherwise a prefix of the
 * slug plus `-` and six hex characters of a hash of the full name, so two branches never share a
 * route. Slugs that would impersonate `shadow` or a pull-request route are hashed too, and so are
 * slugs ending like a hashed route (`feature-3d377a` is what `Feature` becomes).
 */
export function routeForBranch(branch: string): Route {
  const slug = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const reserved =
    slug === SHADOW_ROUTE || slug === SHADOW_FALLBACK_NAME || PULL_REQUEST_ROUTE.test(slug) || HASHED_ENDING.test(slug);
  if (slug === branch && slug.length <= ROUTE_MAX_LENGTH && !reserved && isValidRoute(slug)) {
    return slug;
  }
  const hash = createHash("sha256").update(branch, "utf8").digest("hex").slice(0, HASH_LENGTH);
  const prefix = slug.slice(0, ROUTE_MAX_LENGTH - HASH_LENGTH - 1).replace(/-+$/, "");
  const hashed = prefix === "" ? hash : `${prefix}-${hash}`;
  // `PR` or `pr/` hash to `pr-<hash>`, and a hash of six decimal digits would impersonate a pull request.
  return PULL_REQUEST_ROUTE.test(hashed) ? `branch-${hashed}` : hashed;
}
