import { Inputs } from "./inputs.js";
import { parseServiceSpecs, type ServiceSpec } from "./services.js";
import { parseUserTags } from "./tags-input.js";
import type { RouteKind } from "../ecs/tags.js";
import type { RoutingOptions } from "../ecs/deploy.js";
import { DEFAULT_PRIORITIES } from "../routing/labels.js";
import { readSignalNames } from "./signal-inputs.js";
import { validateRoute, SHADOW_ROUTE, type Route } from "../routing/route.js";
import { ConfigurationError } from "../common/errors.js";

/** Every input of deploy-shadow and deploy-ephemeral, parsed and checked once. */
export interface DeployInputs {
  cluster: string;
  services: ServiceSpec[];
  /** The `route` input (ephemeral), or `shadow`; undefined = from the event. */
  route: Route | undefined;
  routing: RoutingOptions;
  desiredCount: number | undefined;
  wait: boolean;
  timeoutMs: number;
  /** Ephemeral only. */
  ttlMs: number | undefined;
  userTags: Record<string, string>;
  maxConcurrency: number;
}

const MAX_PRIORITY = 1_000_000_000;

/** Reads the inputs of the deploy action of `kind` (DESIGN §5); every mistake names its input. */
export function readDeployInputs(inputs: Inputs, kind: RouteKind): DeployInputs {
  const cluster = inputs.string("cluster", "default");
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(cluster) && !cluster.startsWith("arn:")) {
    throw new ConfigurationError(`'${cluster}' is not an ECS cluster name or ARN`, "cluster");
  }
  const services = parseServiceSpecs(inputs.text("services"), {
    service: inputs.optionalString("service"),
    container: inputs.optionalString("container"),
    image: inputs.optionalString("image"),
    match: inputs.optionalString("match"),
    port: inputs.optionalString("port"),
    protocol: inputs.optionalString("protocol"),
  });
  const routeInput = kind === "ephemeral" ? inputs.optionalString("route") : SHADOW_ROUTE;
  const route = routeInput === undefined ? undefined : validateRoute(routeInput, "route");
  if (kind === "ephemeral" && route === SHADOW_ROUTE) {
    throw new ConfigurationError("'shadow' is reserved for deploy-shadow; give a pull request or branch route", "route");
  }
  const signal = readSignalNames(inputs);
  const entrypoints = inputs.list("entrypoints");
  for (const entrypoint of entrypoints) {
    if (!/^[A-Za-z0-9_-]+$/.test(entrypoint)) {
      throw new ConfigurationError(`'${entrypoint}' is not a Traefik entry point name (letters, digits, '-', '_')`, "entrypoints");
    }
  }
  const routing: RoutingOptions = {
    signal,
    ruleSyntax: inputs.choice("rule-syntax", ["v3", "v2"] as const, "v3"),
    entrypoints,
    priority: inputs.integer("priority", kind === "shadow" ? DEFAULT_PRIORITIES.shadow : DEFAULT_PRIORITIES.route, { min: 1, max: MAX_PRIORITY }),
    fallbackPriority:
      kind === "shadow" ? inputs.integer("fallback-priority", DEFAULT_PRIORITIES.shadowFallback, { min: 1, max: MAX_PRIORITY }) : DEFAULT_PRIORITIES.shadowFallback,
    fallback: kind === "shadow" ? inputs.choice("fallback", ["shadow", "default"] as const, "shadow") : "default",
  };
  if (kind === "shadow" && routing.fallback === "shadow" && routing.fallbackPriority >= routing.priority) {
    throw new ConfigurationError(
      `${routing.fallbackPriority} must be below priority ${routing.priority}, or the fallback router would win over the shadow router`,
      "fallback-priority",
    );
  }
  const desiredCountText = inputs.optionalString("desired-count");
  const desiredCount =
    desiredCountText === undefined && kind === "shadow" ? undefined : inputs.integer("desired-count", 1, { min: 1, max: 1000 });
  return {
    cluster,
    services,
    route,
    routing,
    desiredCount,
    wait: inputs.boolean("wait", true),
    timeoutMs: inputs.number("timeout-minutes", 15, { min: 0.1, max: 360 }) * 60_000,
    ttlMs: kind === "ephemeral" ? inputs.duration("ttl", "72h") : undefined,
    userTags: parseUserTags(inputs.text("tags")),
    maxConcurrency: inputs.integer("max-concurrency", 5, { min: 1, max: 50 }),
  };
}
