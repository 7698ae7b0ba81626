// Which route a deploy is for, from the event and the settings alone. Pure.
import { ConfigurationError } from "../common/errors.js";
import { INPUT } from "../config/action-io.js";
import type { DeployInputs } from "../config/deploy-inputs.js";
import { routeFromEvent, type WorkflowEvent } from "../github/event.js";
import type { Route } from "../routing/route.js";

/**
 * Events whose GITHUB_REF is the branch under test. Others (schedule, issue_comment, workflow_run,
 * repository_dispatch) carry the default branch there, so a route taken from it would be the
 * default branch's, not the code the step deploys. No event name at all is a local run.
 */
const BRANCH_EVENTS = new Set(["push", "workflow_dispatch", ""]);

/** The `route` input (always `shadow` for deploy-shadow), else `pr-<n>`, else the pushed or dispatched branch. */
export function routeToDeploy(event: WorkflowEvent, settings: Pick<DeployInputs, "route">): Route {
  if (settings.route !== undefined) return settings.route;
  if (event.pullRequest === undefined && !BRANCH_EVENTS.has(event.name)) {
    throw new ConfigurationError(
      `an '${event.name}' event names no pull request or branch under test; set the route input (e.g. route: pr-123)`,
      INPUT.route,
    );
  }
  return routeFromEvent(event);
}
