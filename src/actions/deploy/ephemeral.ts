import * as core from "@actions/core";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { Inputs } from "../../config/inputs.js";
import { executeRoute, prepareRoute, type DeployRouteResult, type PreparedRoute } from "../../ecs/deploy.js";
import { createGitHubClient } from "../../github/client.js";
import { ecsConsoleUrl, type RouteCommentModel, type RouteServiceRow } from "../../github/comment-body.js";
import { readWorkflowEvent } from "../../github/event.js";
import { pullRequestSkip } from "../../github/guard.js";
import { beginRoute, type RouteReport } from "../../github/pull-request-experience.js";
import { deployOptions, expiresAt, failureLine, readDeployContext, report, type DeployContext } from "./main.js";

const ROW_STATUS = { running: "running", failed: "failed", deployed: "deploying" } as const;

function commentModel(context: DeployContext, prepared: PreparedRoute, rows: RouteServiceRow[], failure: string | undefined): RouteCommentModel {
  const expires = expiresAt(context);
  return {
    route: context.route,
    repository: context.event.repository,
    commit: context.event.sha,
    cluster: context.inputs.cluster,
    region: prepared.region,
    services: rows,
    signal: context.inputs.routing.signal,
    ...(expires !== undefined ? { expiresAt: expires } : {}),
    ...(failure !== undefined ? { failure } : {}),
    updatedAt: new Date(),
  };
}

function resultRows(result: DeployRouteResult): RouteServiceRow[] {
  return result.services.map((service) => ({
    baseService: service.baseService,
    routeService: service.routeService,
    image: service.image,
    status: ROW_STATUS[service.status],
    consoleUrl: ecsConsoleUrl(result.region, result.cluster, service.routeService),
    ...(service.reason !== undefined ? { reason: service.reason } : {}),
  }));
}

/**
 * deploy-ephemeral: route `pr-<n>` (or the `route` input) for the services a pull request changed.
 * Closed, fork and draft pull requests are skipped first (nothing created); the sticky comment and the
 * GitHub deployment start only once every input has been checked, and end with the outcome.
 */
export async function deployEphemeral(logger: Logger): Promise<void> {
  const inputs = new Inputs();
  const event = readWorkflowEvent();
  const skip =
    event.pullRequest?.state === "closed"
      ? `Skipped pull request #${event.pullRequest.number}: it is closed; the reap action tears its route down.`
      : pullRequestSkip(event, { allowForks: inputs.boolean("allow-forks", false), skipDraft: inputs.boolean("skip-draft", false) });
  if (skip !== undefined) {
    core.notice(skip);
    return;
  }
  const context = readDeployContext("ephemeral", inputs, event);
  const comment = inputs.boolean("comment", true);
  const deployment = inputs.boolean("deployment", true);
  const environmentUrl = inputs.optionalString("environment-url");
  const token = inputs.optionalString("github-token") ?? "";
  if (token !== "") core.setSecret(token);
  const pullRequest = event.pullRequest;
  const octokit = pullRequest !== undefined && (comment || deployment) ? createGitHubClient(token) : undefined;

  const prepared = await prepareRoute(deployOptions(context, logger));
  let routeReport: RouteReport | undefined;
  if (octokit !== undefined && pullRequest !== undefined) {
    const serverUrl = process.env.GITHUB_SERVER_URL ?? "https://github.com";
    routeReport = await beginRoute({
      octokit,
      owner: event.owner,
      repo: event.repo,
      pullRequest: pullRequest.number,
      route: context.route,
      commit: event.sha,
      comment,
      deployment,
      ...(environmentUrl !== undefined ? { environmentUrl } : {}),
      ...(process.env.GITHUB_RUN_ID !== undefined ? { logUrl: `${serverUrl}/${event.repository}/actions/runs/${process.env.GITHUB_RUN_ID}` } : {}),
      logger,
    });
  }

  let result: DeployRouteResult;
  try {
    result = await executeRoute(prepared);
  } catch (error) {
    const reason = errorMessage(error).split("\n")[0] ?? "failed";
    const rows = prepared.services.map((service): RouteServiceRow => ({
      ...service,
      status: "failed",
      consoleUrl: ecsConsoleUrl(prepared.region, context.inputs.cluster, service.routeService),
      reason,
    }));
    await routeReport?.finish(commentModel(context, prepared, rows, reason), false);
    throw error;
  }
  await report(result, context.inputs);
  const failure = result.failed ? failureLine(result) : undefined;
  const finished = await routeReport?.finish(commentModel(context, prepared, resultRows(result), failure), !result.failed);
  if (finished?.commentUrl !== undefined) core.info(`Pull request comment: ${finished.commentUrl}`);
  if (failure !== undefined) throw new Error(failure);
}
