// The one settings reader of the reap action: every input, parsed and checked once.
import { parseDuration } from "../common/duration.js";
import { DEFAULT_ROUTE_TEMPLATE, parseRouteTemplate, validateRoute, type Route, type RouteTemplate } from "../routing/route.js";
import { INPUT } from "./action-io.js";
import type { Prices } from "../cost/usage.js";
import { readCluster } from "./cluster-input.js";
import { readPrices } from "./price-inputs.js";
import type { SignalNames } from "../routing/signal.js";
import { readSignalNames } from "./signal-inputs.js";
import type { Inputs } from "./inputs.js";

export interface ReapInputs {
  cluster: string;
  /** The `route` input; undefined = from the event. */
  route: Route | undefined;
  /** How a closed pull request's route was named: the deploy's `route-template`. */
  routeTemplate: RouteTemplate;
  /** The `sweep` input; undefined = not given (the event decides: see reapMode). */
  sweep: boolean | undefined;
  /** `max-age`: a sweep also reaps copies older than this. */
  maxAgeMs: number | undefined;
  includeShadow: boolean;
  dryRun: boolean;
  maxDeletions: number;
  deleteTaskDefinitions: boolean;
  maxConcurrency: number;
  /** Undefined without a token: pull requests cannot be read and nothing on GitHub is touched. */
  githubToken: string | undefined;
  /** For the amounts of the sweep's cost figures; none given, hours only. */
  prices: Prices;
  /** A shell command run after each route's copies are removed; undefined = none. */
  onReap: string | undefined;
  /** How requests name a route: for the on-reap hook's ROUTE_HEADER and ROUTE_BAGGAGE. */
  signal: SignalNames;
}

export function readReapInputs(inputs: Inputs): ReapInputs {
  const route = inputs.optionalString(INPUT.route);
  const sweep = inputs.optionalString(INPUT.sweep) === undefined ? undefined : inputs.boolean(INPUT.sweep, false);
  const maxAge = inputs.optionalString(INPUT.maxAge);
  return {
    cluster: readCluster(inputs),
    route: route === undefined ? undefined : validateRoute(route, INPUT.route),
    routeTemplate: parseRouteTemplate(inputs.string(INPUT.routeTemplate, DEFAULT_ROUTE_TEMPLATE), INPUT.routeTemplate),
    sweep,
    maxAgeMs: maxAge === undefined ? undefined : parseDuration(maxAge, INPUT.maxAge),
    includeShadow: inputs.boolean(INPUT.includeShadow, false),
    dryRun: inputs.boolean(INPUT.dryRun, false),
    maxDeletions: inputs.integer(INPUT.maxDeletions, 25, { min: 1, max: 10_000 }),
    deleteTaskDefinitions: inputs.boolean(INPUT.deleteTaskDefinitions, false),
    maxConcurrency: inputs.integer(INPUT.maxConcurrency, 10, { min: 1, max: 100 }),
    githubToken: inputs.optionalString(INPUT.githubToken),
    prices: readPrices(inputs),
    onReap: inputs.text(INPUT.onReap),
    signal: readSignalNames(inputs),
  };
}
