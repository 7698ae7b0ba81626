import { readFileSync } from "node:fs";
import { ConfigurationError, errorMessage } from "../common/errors.js";
import { routeForBranch, routeForPullRequest, type Route } from "../routing/route.js";

/** What the actions need from the workflow run that triggered them. */
export interface WorkflowEvent {
  /** `GITHUB_EVENT_NAME`: push, pull_request, schedule, workflow_dispatch, ... */
  name: string;
  /** The webhook payload's `action` (opened, synchronize, closed, ...), when it has one. */
  action: string | undefined;
  /** `owner/repo` */
  repository: string;
  owner: string;
  repo: string;
  /** GitHub's numeric repository id (`GITHUB_REPOSITORY_ID`, else the payload's): stable across renames. */
  repositoryId: string | undefined;
  /** The repository's default branch, when the payload names it. */
  defaultBranch: string | undefined;
  /** The commit under test: the PR head for pull requests, `GITHUB_SHA` otherwise. */
  sha: string;
  /** The branch for push/workflow_dispatch (from `GITHUB_REF`), the head branch for pull requests. */
  branch: string | undefined;
  pullRequest: PullRequestInfo | undefined;
}

export interface PullRequestInfo {
  number: number;
  headSha: string;
  headRef: string;
  headRepository: string | undefined;
  draft: boolean;
  /** True when the head repository is not the base repository. */
  fromFork: boolean;
  state: "open" | "closed";
  merged: boolean;
  htmlUrl: string;
}

interface PullRequestPayload {
  number: number;
  html_url?: string;
  state?: string;
  draft?: boolean;
  merged?: boolean;
  head?: { sha?: string; ref?: string; repo?: { full_name?: string } | null };
  base?: { repo?: { full_name?: string } };
}

/** Pure: builds the event from the runner's variables and the parsed payload. */
export function parseWorkflowEvent(env: NodeJS.ProcessEnv, payload: Record<string, unknown>): WorkflowEvent {
  const repository = env.GITHUB_REPOSITORY ?? repositoryFromPayload(payload);
  if (repository === undefined || !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
    throw new ConfigurationError(
      "GITHUB_REPOSITORY is not set to owner/repo; run this action in a GitHub Actions workflow or set it",
    );
  }
  const [owner, repo] = repository.split("/") as [string, string];
  const pr = payload.pull_request as PullRequestPayload | undefined;
  const pullRequest = pr === undefined ? undefined : pullRequestInfo(pr, repository);
  const ref = env.GITHUB_REF ?? "";
  const branch = pullRequest?.headRef ?? (ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined);
  return {
    name: env.GITHUB_EVENT_NAME ?? "",
    action: typeof payload.action === "string" ? payload.action : undefined,
    repository,
    owner,
    repo,
    repositoryId: repositoryIdOf(env, payload),
    defaultBranch: defaultBranchOf(payload),
    sha: pullRequest?.headSha ?? env.GITHUB_SHA ?? "",
    branch,
    pullRequest,
  };
}

function repositoryIdOf(env: NodeJS.ProcessEnv, payload: Record<string, unknown>): string | undefined {
  const fromEnv = env.GITHUB_REPOSITORY_ID?.trim();
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return fromEnv;
  const id = (payload.repository as { id?: unknown } | undefined)?.id;
  return typeof id === "number" && Number.isSafeInteger(id) ? String(id) : undefined;
}

function defaultBranchOf(payload: Record<string, unknown>): string | undefined {
  const branch = (payload.repository as { default_branch?: unknown } | undefined)?.default_branch;
  return typeof branch === "string" && branch !== "" ? branch : undefined;
}

function repositoryFromPayload(payload: Record<string, unknown>): string | undefined {
  const repository = payload.repository as { full_name?: string } | undefined;
  return repository?.full_name;
}

function pullRequestInfo(pr: PullRequestPayload, repository: string): PullRequestInfo {
  const headRepository = pr.head?.repo?.full_name;
  const baseRepository = pr.base?.repo?.full_name ?? repository;
  return {
    number: pr.number,
    headSha: pr.head?.sha ?? "",
    headRef: pr.head?.ref ?? "",
    headRepository,
    draft: pr.draft === true,
    // A deleted fork has `head.repo: null`; treat it as a fork too.
    fromFork: headRepository === undefined || headRepository !== baseRepository,
    state: pr.state === "closed" ? "closed" : "open",
    merged: pr.merged === true,
    htmlUrl: pr.html_url ?? "",
  };
}

/** Reads `GITHUB_EVENT_PATH` (a missing path means no payload, as for a local run). */
export function readWorkflowEvent(env: NodeJS.ProcessEnv = process.env): WorkflowEvent {
  return parseWorkflowEvent(env, readEventPayload(env));
}

/** The webhook payload at `GITHUB_EVENT_PATH`, `{}` without one; a file that is not a JSON object is the user's mistake. */
export function readEventPayload(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const path = env.GITHUB_EVENT_PATH;
  let payload: Record<string, unknown> = {};
  if (path !== undefined && path !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      const why = error instanceof SyntaxError ? "is not JSON" : `cannot be read (${errorMessage(error).split("\n")[0]})`;
      throw new ConfigurationError(`GITHUB_EVENT_PATH '${path}' ${why}; run the action from a workflow, or point GITHUB_EVENT_PATH at a webhook payload`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ConfigurationError(`GITHUB_EVENT_PATH '${path}' is not a webhook payload (a JSON object); run the action from a workflow, or point GITHUB_EVENT_PATH at one`);
    }
    payload = parsed as Record<string, unknown>;
  }
  return payload;
}

/**
 * The route an event stands for: `pr-<n>` for a pull request, the branch slug for a push or
 * workflow_dispatch. Anything else needs the `route` input.
 */
export function routeFromEvent(event: WorkflowEvent): Route {
  if (event.pullRequest !== undefined) {
    return routeForPullRequest(event.pullRequest.number);
  }
  if (event.branch !== undefined && event.branch !== "") {
    return routeForBranch(event.branch);
  }
  throw new ConfigurationError(
    `a '${event.name || "unknown"}' event names no pull request or branch; set the route input (e.g. route: pr-123)`,
    "route",
  );
}
