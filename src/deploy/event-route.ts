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

/**
 * deploy-shadow copies what the default branch runs: any other ref (a feature branch, a tag, a pull
 * request's merge ref) would replace the shadow every route falls back to, so it is refused unless
 * `allow-any-branch` says so. Without the payload's default branch nothing can be compared: refused too.
 */
export function checkShadowRef(event: WorkflowEvent, allowAnyBranch: boolean): void {
  if (allowAnyBranch) return;
  const branch = event.pullRequest === undefined ? event.branch : undefined;
  const defaultBranch = event.defaultBranch;
  if (branch !== undefined && branch === defaultBranch) return;
  const ref = event.pullRequest !== undefined ? `pull request #${event.pullRequest.number}` : branch === undefined ? "a ref that is no branch" : `'${branch}'`;
  const base = defaultBranch === undefined ? "the default branch (this event does not name it)" : `the default branch '${defaultBranch}'`;
  throw new ConfigurationError(
    `deploy-shadow deploys ${base} only, not ${ref}; run it on a push to the default branch, or set allow-any-branch: true to make this ref the shadow copy`,
    INPUT.allowAnyBranch,
  );
}

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
