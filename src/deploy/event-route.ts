// Which route a deploy is for, from the event and the settings alone. Pure.
import { ConfigurationError } from "../common/errors.js";
import { INPUT, type InputName } from "../config/action-io.js";
import type { DeployInputs } from "../config/deploy-inputs.js";
import { routeFromEvent, type WorkflowEvent } from "../github/event.js";
import { pullRequestOfRoute, routeFromTemplate, type Route } from "../routing/route.js";

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

/** The route a deploy takes, and how it was chosen. */
export interface DeployRoute {
  route: Route;
  /**
   * Other repositories may have copies on it too, on purpose (docs/design.md §4): a `route-template`
   * with {branch} and no {number}, or a pushed branch (the route is then the branch, as {branch} gives it).
   */
  shared: boolean;
  /** The input a refusal of the route names: `route` or `route-template`. */
  routeInput: InputName;
}

/**
 * The `route` input (always `shadow` for deploy-shadow), else the pull request's route from
 * `route-template` (`pr-<n>` by default), else the pushed or dispatched branch.
 */
export function routeToDeploy(event: WorkflowEvent, settings: Pick<DeployInputs, "route" | "routeTemplate">): DeployRoute {
  const pullRequest = event.pullRequest;
  if (settings.route !== undefined) {
    const owner = pullRequestOfRoute(settings.route);
    // A copy of pr-5 tagged with pull request 7 would belong to neither: no reap could ever tell whose it is.
    if (pullRequest !== undefined && owner !== undefined && owner !== pullRequest.number) {
      throw new ConfigurationError(
        `${settings.route} is pull request #${owner}'s route; leave route unset (this pull request's route comes from route-template) or choose a name that is not pr-<number>`,
        INPUT.route,
      );
    }
    return { route: settings.route, shared: false, routeInput: INPUT.route };
  }
  if (pullRequest !== undefined && settings.routeTemplate !== undefined) {
    const values = { number: pullRequest.number, branch: pullRequest.headRef, repository: event.repo };
    return { route: routeFromTemplate(settings.routeTemplate, values, INPUT.routeTemplate), shared: settings.routeTemplate.shared, routeInput: INPUT.routeTemplate };
  }
  if (pullRequest === undefined && !BRANCH_EVENTS.has(event.name)) {
    throw new ConfigurationError(
      `an '${event.name}' event names no pull request or branch under test; set the route input (e.g. route: pr-123)`,
      INPUT.route,
    );
  }
  return { route: routeFromEvent(event), shared: pullRequest === undefined, routeInput: INPUT.route };
}
