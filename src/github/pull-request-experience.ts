// What a pull request shows about its route: the sticky comment and the GitHub deployment. The
// deploy and reap actions call this; every GitHub write here is best effort (see writeOrWarn).
import type { Logger } from "../common/logger.js";
import type { Route } from "../routing/route.js";
import type { GitHubClient } from "./client.js";
import { isTornDownComment, renderRouteComment, renderTornDownComment, routeMarker, type RouteCommentModel } from "./comment-body.js";
import { deactivateRouteDeployments, finishRouteDeployment, startRouteDeployment } from "./deployments.js";
import { attemptWrite, writeOrWarn } from "./permission.js";
import { findStickyComment, updateStickyComment, upsertStickyComment } from "./sticky-comment.js";

export interface PullRequestExperienceOptions {
  octokit: GitHubClient;
  owner: string;
  repo: string;
  pullRequest: number;
  route: Route;
  /** The commit being deployed (the PR head). */
  commit: string;
  /** Keep the sticky comment (input `comment`). */
  comment: boolean;
  /** Keep a GitHub deployment for environment `<route>` (input `deployment`). */
  deployment: boolean;
  environmentUrl?: string;
  /** The workflow run, linked from the deployment. */
  logUrl?: string;
  logger: Logger;
}

export interface RouteReport {
  /** The GitHub deployment, when one was created. */
  readonly deploymentId: number | undefined;
  /** Writes the comment and the deployment's final state once the deploy has ended. */
  finish(model: RouteCommentModel, succeeded: boolean): Promise<{ commentUrl?: string }>;
}

const COMMENT = { permission: "pull-requests: write", input: "comment" } as const;
const DEPLOYMENT = { permission: "deployments: write", input: "deployment" } as const;

/** Call before deploying: the deployment shows "in progress" on the pull request meanwhile. */
export async function beginRoute(options: PullRequestExperienceOptions): Promise<RouteReport> {
  const { octokit, owner, repo, route, logger } = options;
  const deploymentId = options.deployment
    ? await writeOrWarn(logger, { doing: `create the GitHub deployment for environment ${route}`, ...DEPLOYMENT }, () =>
        startRouteDeployment(octokit, {
          owner,
          repo,
          environment: route,
          ref: options.commit,
          description: `Route ${route} on the shared ECS cluster`,
          logUrl: options.logUrl,
          pullRequest: options.pullRequest,
        }),
      )
    : undefined;
  return {
    deploymentId,
    async finish(model, succeeded) {
      const environmentUrl = model.environmentUrl ?? options.environmentUrl;
      if (deploymentId !== undefined) {
        await writeOrWarn(logger, { doing: `mark the GitHub deployment for environment ${route} as ${succeeded ? "success" : "failure"}`, ...DEPLOYMENT }, () =>
          finishRouteDeployment(octokit, {
            owner,
            repo,
            id: deploymentId,
            state: succeeded ? "success" : "failure",
            environmentUrl,
            logUrl: options.logUrl,
            description: succeeded ? `Route ${route} is ready` : `Route ${route} failed to deploy`,
          }),
        );
      }
      if (!options.comment) {
        return {};
      }
      const written = await writeOrWarn(logger, { doing: `write the comment on pull request #${options.pullRequest}`, ...COMMENT }, () =>
        upsertStickyComment(octokit, {
          owner,
          repo,
          issueNumber: options.pullRequest,
          marker: routeMarker(route),
          body: renderRouteComment({ ...model, environmentUrl }),
          logger,
        }),
      );
      return written === undefined ? {} : { commentUrl: written.url };
    },
  };
}

/**
 * After the route's services are deleted: the comment (if we wrote one) becomes a short note, this pull
 * request's deployments of the route inactive. False when a step failed in a way a re-run may fix (a
 * 5xx): the reaper then keeps the route pending so the next run tries again.
 */
export async function tearDownRoute(
  options: Omit<PullRequestExperienceOptions, "commit" | "comment" | "deployment"> & {
    removed: string[];
    reason?: string;
    /** Write the note even where no route comment exists yet (a deploy torn down before it reported). */
    writeMissing?: boolean;
  },
): Promise<boolean> {
  const { octokit, owner, repo, route, logger } = options;
  const target = { owner, repo, issueNumber: options.pullRequest, marker: routeMarker(route), logger };
  const comment = await attemptWrite(logger, { doing: `update the comment on pull request #${options.pullRequest}`, ...COMMENT }, async () => {
    const body = (): string => renderTornDownComment({ route, removed: options.removed, tornDownAt: new Date(), reason: options.reason });
    const existing = await findStickyComment(octokit, target);
    if (existing === undefined) {
      if (options.writeMissing === true) await upsertStickyComment(octokit, { ...target, body: body() });
      else logger.debug(`No route comment on pull request #${options.pullRequest} to update.`);
      return;
    }
    // A re-run that found nothing left keeps the note an earlier run wrote, with what that run removed.
    if (options.removed.length === 0 && isTornDownComment(existing.body)) return;
    await updateStickyComment(octokit, { ...target, body: body() }, existing);
  });
  const deployments = await attemptWrite(logger, { doing: `mark the GitHub deployments of environment ${route} inactive`, ...DEPLOYMENT }, async () => {
    const count = await deactivateRouteDeployments(octokit, {
      owner,
      repo,
      environment: route,
      pullRequest: options.pullRequest,
      description: `Route ${route} was torn down`,
    });
    logger.info(`Marked ${count} GitHub deployment(s) of environment ${route} inactive.`);
  });
  return !((!comment.ok && comment.retryable) || (!deployments.ok && deployments.retryable));
}
