// What a reap run is asked to do, from the event and the settings alone. Pure.
import { ConfigurationError } from "../common/errors.js";
import { INPUT } from "../config/action-io.js";
import type { ReapInputs } from "../config/reap-inputs.js";
import type { WorkflowEvent } from "../github/event.js";
import { SHADOW_ROUTE, routeFromTemplate } from "../routing/route.js";
import type { ReapMode } from "./select.js";

/** Events with no route of their own, whose natural job is the sweep. */
const SWEEP_EVENTS = new Set(["schedule", "workflow_dispatch"]);

/**
 * One route (the `route` input, or the route `route-template` gave the pull request that closed) or a sweep (`sweep: true`, or a
 * scheduled or manual run without a route). Shadow only with `include-shadow`.
 */
export function reapMode(event: WorkflowEvent, settings: ReapInputs): ReapMode {
  const sweep = settings.sweep ?? (settings.route === undefined && SWEEP_EVENTS.has(event.name));
  if (sweep) {
    if (settings.route !== undefined) {
      throw new ConfigurationError(`cannot be combined with route '${settings.route}'; give either a route or sweep: true`, INPUT.sweep);
    }
    return { kind: "sweep", maxAgeMs: settings.maxAgeMs };
  }
  const mode = routeMode(event, settings);
  if (mode.route === SHADOW_ROUTE && !settings.includeShadow) {
    throw new ConfigurationError("route 'shadow' is main's copy; set include-shadow: true to really reap it", INPUT.includeShadow);
  }
  return mode;
}

function routeMode(event: WorkflowEvent, settings: ReapInputs): Extract<ReapMode, { kind: "route" }> {
  const closed = event.pullRequest !== undefined && event.action === "closed" ? event.pullRequest : undefined;
  const because = closed === undefined ? undefined : `pull request #${closed.number} ${closed.merged ? "merged" : "closed"}`;
  if (settings.route !== undefined) {
    return { kind: "route", route: settings.route, because: because ?? `route ${settings.route} asked for`, pullRequest: closed?.number };
  }
  if (event.pullRequest === undefined) {
    throw new ConfigurationError(`a '${event.name || "unknown"}' event names no route to reap; set route (e.g. route: pr-123) or sweep: true`, INPUT.route);
  }
  if (closed === undefined || because === undefined) {
    throw new ConfigurationError(
      `runs on a pull_request '${event.action ?? "unknown"}' event; reap tears a route down when its pull request closes: use 'on: pull_request: types: [closed]', or set route`,
      INPUT.route,
    );
  }
  // The route the deploy took: the same template over the same pull request, branch and repository.
  const route = routeFromTemplate(settings.routeTemplate, { number: closed.number, branch: closed.headRef, repository: event.repo }, INPUT.routeTemplate);
  return { kind: "route", route, because, pullRequest: closed.number };
}
