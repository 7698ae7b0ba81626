// The one settings reader of deploy-shadow and deploy-ephemeral: every input, parsed and checked
// once, each mistake a ConfigurationError naming its input (docs/design.md §5).
import { ConfigurationError } from "../common/errors.js";
import type { Prices } from "../cost/usage.js";
import type { RoutingOptions } from "../deploy/options.js";
import type { RouteKind } from "../ecs/tags.js";
import { checkEntrypoints, checkPriorityOrder, DEFAULT_PRIORITIES, MAX_PRIORITY } from "../routing/labels.js";
import { DEFAULT_ROUTE_TEMPLATE, parseRouteTemplate, SHADOW_ROUTE, validateRoute, type Route, type RouteTemplate } from "../routing/route.js";
import { INPUT } from "./action-io.js";
import { readCluster } from "./cluster-input.js";
import { Inputs } from "./inputs.js";
import { parseServiceSpecs, type ServiceSpec } from "./services.js";
import { readSignalNames } from "./signal-inputs.js";
import { readPrices } from "./price-inputs.js";
import { parseUserTags } from "./tags-input.js";

/** Which pull requests deploy-ephemeral leaves alone (read before anything else: a skipped one is skipped whatever the rest says). */
export interface PullRequestFilter {
  allowForks: boolean;
  skipDraft: boolean;
}

/** What deploy-ephemeral shows on the pull request. */
export interface PullRequestSettings {
  comment: boolean;
  deployment: boolean;
  environmentUrl: string | undefined;
  /** Empty when not given: no comment or deployment can then be written. */
  githubToken: string;
}

/** Every input of deploy-shadow and deploy-ephemeral but the pull-request filter. */
export interface DeployInputs {
  cluster: string;
  services: ServiceSpec[];
  /** The `route` input (ephemeral), or `shadow`; undefined = from the event. */
  route: Route | undefined;
  /** Ephemeral only: how a pull request's route is named when `route` is not given. */
  routeTemplate: RouteTemplate | undefined;
  routing: RoutingOptions;
  desiredCount: number;
  wait: boolean;
  timeoutMs: number;
  /** Ephemeral only. */
  ttlMs: number | undefined;
  userTags: Record<string, string>;
  maxConcurrency: number;
  /** Prices for the amounts in the comment and summary; none given, hours only. */
  prices: Prices;
  /** Ephemeral only. */
  pullRequest: PullRequestSettings | undefined;
  /** A shell command run before any copy is created or updated; undefined = none. */
  onDeploy: string | undefined;
  /**
   * Ephemeral only: a shell command run after the deploy removed copies (its prune, or the teardown of
   * a route whose pull request closed during the deploy); undefined = none.
   */
  onReap: string | undefined;
  /**
   * Ephemeral only: remove the route's other copies of this repository after the deploy. Shadow never
   * prunes: a push deploys only the services changed since the last one.
   */
  prune: boolean;
  /** Shadow only: deploy a ref other than the repository's default branch. */
  allowAnyBranch: boolean;
}

export function readPullRequestFilter(inputs: Inputs): PullRequestFilter {
  return { allowForks: inputs.boolean(INPUT.allowForks, false), skipDraft: inputs.boolean(INPUT.skipDraft, false) };
}

/** Reads the inputs of the deploy action of `kind`. */
export function readDeployInputs(inputs: Inputs, kind: "ephemeral"): DeployInputs & { pullRequest: PullRequestSettings };
export function readDeployInputs(inputs: Inputs, kind: RouteKind): DeployInputs;
export function readDeployInputs(inputs: Inputs, kind: RouteKind): DeployInputs {
  const cluster = readCluster(inputs);
  const services = parseServiceSpecs(inputs.text(INPUT.services), {
    service: inputs.optionalString(INPUT.service),
    container: inputs.optionalString(INPUT.container),
    image: inputs.optionalString(INPUT.image),
    match: inputs.optionalString(INPUT.match),
    port: inputs.optionalString(INPUT.port),
    protocol: inputs.optionalString(INPUT.protocol),
    environment: inputs.text(INPUT.environment),
  });
  const routeInput = kind === "ephemeral" ? inputs.optionalString(INPUT.route) : SHADOW_ROUTE;
  const route = routeInput === undefined ? undefined : validateRoute(routeInput, INPUT.route);
  if (kind === "ephemeral" && route === SHADOW_ROUTE) {
    throw new ConfigurationError("'shadow' is reserved for deploy-shadow; give a pull request or branch route", INPUT.route);
  }
  const routing = readRouting(inputs, kind);
  // One task per copy for shadow too: the base service's count, times 80 services, is a second environment.
  const desiredCount = inputs.integer(INPUT.desiredCount, 1, { min: 1, max: 1000 });
  return {
    cluster,
    services,
    route,
    routeTemplate: kind === "ephemeral" ? parseRouteTemplate(inputs.string(INPUT.routeTemplate, DEFAULT_ROUTE_TEMPLATE), INPUT.routeTemplate) : undefined,
    routing,
    desiredCount,
    wait: inputs.boolean(INPUT.wait, true),
    timeoutMs: inputs.number(INPUT.timeoutMinutes, 15, { min: 0.1, max: 360 }) * 60_000,
    ttlMs: kind === "ephemeral" ? inputs.duration(INPUT.ttl, "72h") : undefined,
    userTags: parseUserTags(inputs.text(INPUT.tags)),
    maxConcurrency: inputs.integer(INPUT.maxConcurrency, 5, { min: 1, max: 50 }),
    prices: readPrices(inputs),
    pullRequest: kind === "ephemeral" ? readPullRequestSettings(inputs) : undefined,
    onDeploy: inputs.text(INPUT.onDeploy),
    onReap: kind === "ephemeral" ? inputs.text(INPUT.onReap) : undefined,
    prune: kind === "ephemeral" && inputs.boolean(INPUT.prune, true),
    allowAnyBranch: kind === "shadow" ? inputs.boolean(INPUT.allowAnyBranch, false) : false,
  };
}

function readRouting(inputs: Inputs, kind: RouteKind): RoutingOptions {
  const entrypoints = inputs.list(INPUT.entrypoints);
  checkEntrypoints(entrypoints);
  const shadow = kind === "shadow";
  const routing: RoutingOptions = {
    signal: readSignalNames(inputs),
    ruleSyntax: inputs.choice(INPUT.ruleSyntax, ["v3", "v2"] as const, "v3"),
    entrypoints,
    priority: inputs.integer(INPUT.priority, shadow ? DEFAULT_PRIORITIES.shadow : DEFAULT_PRIORITIES.route, { min: 1, max: MAX_PRIORITY }),
    fallbackPriority: shadow
      ? inputs.integer(INPUT.fallbackPriority, DEFAULT_PRIORITIES.shadowFallback, { min: 1, max: MAX_PRIORITY })
      : DEFAULT_PRIORITIES.shadowFallback,
    fallback: shadow ? inputs.choice(INPUT.fallback, ["shadow", "default"] as const, "shadow") : "default",
  };
  checkPriorityOrder(routing, shadow);
  return routing;
}

function readPullRequestSettings(inputs: Inputs): PullRequestSettings {
  return {
    comment: inputs.boolean(INPUT.comment, true),
    deployment: inputs.boolean(INPUT.deployment, true),
    environmentUrl: inputs.httpUrl(INPUT.environmentUrl, "https://app.dev.example.com"),
    githubToken: inputs.optionalString(INPUT.githubToken) ?? "",
  };
}
