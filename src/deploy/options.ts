import type { ECSClient } from "@aws-sdk/client-ecs";
import type { Logger } from "../common/logger.js";
import type { InputName } from "../config/action-io.js";
import type { ServiceSpec } from "../config/services.js";
import type { RouteTagContext } from "../ecs/route-tags.js";
import type { RouteKind } from "../ecs/tags.js";
import type { PullRequestState } from "../reap/select.js";
import type { Fallback, RuleSyntax } from "../routing/labels.js";
import type { Route } from "../routing/route.js";
import type { SignalNames } from "../routing/signal.js";

/** How the copies are routed (docs/design.md §2). */
export interface RoutingOptions {
  signal: SignalNames;
  ruleSyntax: RuleSyntax;
  entrypoints: string[];
  priority: number;
  fallbackPriority: number;
  fallback: Fallback;
}

/** One deploy of route R: which base services to copy, how, and where. */
export interface DeployRouteOptions {
  client: ECSClient;
  cluster: string;
  route: Route;
  kind: RouteKind;
  services: ServiceSpec[];
  routing: RoutingOptions;
  /** Tasks per copy (the desired-count input, 1 unless given). */
  desiredCount: number;
  wait: boolean;
  timeoutMs: number;
  /** How many services are read, registered, created and updated at once. */
  maxConcurrency: number;
  tags: Omit<RouteTagContext, "route" | "kind">;
  /** The input that chose the route (`route` or `route-template`), named when the route is refused. Default `route`. */
  routeInput?: InputName;
  /**
   * Ephemeral: what GitHub says of this repository's pull requests that own copies of the route
   * (pulls.get); without it each is unknown, and a route such a pull request holds is refused.
   */
  pullRequestStates?: (numbers: readonly number[]) => Promise<ReadonlyMap<number, PullRequestState>>;
  /** The branch under test, for the `{branch}` placeholder; undefined when the event names none. */
  branch?: string;
  /** Set on every copy's routed container (what on-deploy wrote); each service's own `environment` wins. */
  environment?: Readonly<Record<string, string>>;
  logger: Logger;
  /** When the deploy started: created-at is counted from it. Default: now. */
  now?: () => Date;
  /** The poll interval of the waits (about 2 s); shorter only in tests of the wait itself. */
  pollIntervalMs?: number;
}

/** What the pure plan step needs: the options without the client, the logger or the clock. */
export type PlanOptions = Pick<
  DeployRouteOptions,
  "cluster" | "route" | "kind" | "services" | "routing" | "desiredCount" | "tags" | "routeInput" | "branch" | "environment"
>;
