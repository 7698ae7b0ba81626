import { ConfigurationError } from "../common/errors.js";
import { checkLiteralVariable } from "../config/environment-overrides.js";
import { routingEnvironment } from "../integration/environment.js";
import type { ReapReason } from "../reap/select.js";
import type { Route } from "../routing/route.js";
import type { SignalNames } from "../routing/signal.js";

/** The two lifecycle hooks, named as their inputs are. */
export type HookName = "on-deploy" | "on-reap";

/** The route a hook runs for. */
export interface HookRoute {
  hook: HookName;
  route: Route;
  signal: SignalNames;
  /** `owner/repo` */
  repository: string;
  cluster: string;
  pullRequest: number | undefined;
  /** The base services whose copies are deployed (on-deploy) or were removed (on-reap). */
  services: readonly string[];
  /** on-reap only: why the copies were removed; `prune` means the route lives on. */
  reapReason?: ReapReason;
}

/**
 * Pure: the variables a hook gets on top of the job's environment: the routing variables the
 * test command gets (ROUTE, ROUTE_HEADER, ROUTE_BAGGAGE, …), and which hook, pull request,
 * repository, cluster and services; on-reap also why (ROUTE_REAP_REASON). ROUTE_PULL_REQUEST is empty
 * when the route has no pull request.
 */
export function hookEnvironment(route: HookRoute): Record<string, string> {
  return {
    ...routingEnvironment({ route: route.route, names: route.signal, extraBaggage: "" }),
    ROUTE_HOOK: route.hook,
    ROUTE_PULL_REQUEST: route.pullRequest === undefined ? "" : String(route.pullRequest),
    ROUTE_REPOSITORY: route.repository,
    ROUTE_CLUSTER: route.cluster,
    ROUTE_SERVICES: route.services.join(" "),
    ...(route.reapReason !== undefined ? { ROUTE_REAP_REASON: route.reapReason } : {}),
  };
}

const ENV_FILE_LINE = /^([^=]*)=(.*)$/;

/**
 * Pure: the overrides an on-deploy hook wrote to `$ROUTE_ENV_FILE`: one `NAME=value` a line, the
 * value as written up to the end of the line; blank lines and `#` comments skipped; a later line
 * of a name wins, as in `$GITHUB_ENV`. Each variable is checked like an `environment` entry.
 * Errors name the line by number, never by its content (a hook may have written a secret there).
 */
export function parseRouteEnvFile(text: string): Record<string, string> {
  const overrides = new Map<string, string>();
  text.split("\n").forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const where = `line ${index + 1} of $ROUTE_ENV_FILE: `;
    const match = ENV_FILE_LINE.exec(line);
    if (match === null) {
      throw new ConfigurationError(`${where}is not NAME=value; write one variable a line, e.g. echo "DATABASE_SCHEMA=$ROUTE" >> "$ROUTE_ENV_FILE"`, "on-deploy");
    }
    const [, name, value] = match as unknown as [string, string, string];
    checkLiteralVariable(name, value, "on-deploy", where);
    overrides.set(name, value);
  });
  return Object.fromEntries(overrides);
}
