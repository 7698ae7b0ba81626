import { baseServiceName } from "../ecs/names.js";
import type { RemovedRoute } from "../reap/reap.js";
import type { SignalNames } from "../routing/signal.js";
import { HookFailure, runHook, type RunHookOptions } from "./run-hook.js";

/** For whom on-reap runs: the same for every route of one reap. */
export interface OnReapContext {
  signal: SignalNames;
  /** `owner/repo` */
  repository: string;
  cluster: string;
}

/**
 * The reaper's `onRouteRemoved` for an on-reap command (docs/design.md §8): runs it once for a route
 * whose copies were removed, ROUTE_SERVICES = their base services, ROUTE_REAP_REASON = why. A failing
 * hook throws a HookFailure, which keeps the route teardown pending so that the next reap or sweep
 * (for a prune, the next deploy's prune) runs it again.
 */
export function onReapHook(script: string, context: OnReapContext, options: RunHookOptions): (route: RemovedRoute) => Promise<void> {
  return async (removed) => {
    const outcome = await runHook(
      script,
      {
        hook: "on-reap",
        route: removed.route,
        signal: context.signal,
        repository: context.repository,
        cluster: context.cluster,
        pullRequest: removed.pullRequest,
        services: [...new Set(removed.removed.map((service) => baseServiceName(service, removed.route)))].sort(),
        reapReason: removed.reapReason,
      },
      options,
    );
    if (outcome.exitCode !== 0) {
      throw new HookFailure(
        "on-reap",
        outcome.exitCode,
        outcome.tail,
        removed.reapReason === "prune"
          ? `the pruned copies ${removed.removed.join(", ")} are removed; their task definitions stay ACTIVE and the next deploy of route ${removed.route} runs on-reap again (or its teardown does)`
          : `the copies of route ${removed.route} are removed; it stays teardown pending and the next reap or sweep runs on-reap again`,
      );
    }
  };
}
