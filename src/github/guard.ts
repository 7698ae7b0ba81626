import type { WorkflowEvent } from "./event.js";

export interface PullRequestGuardOptions {
  allowForks: boolean;
  skipDraft: boolean;
}

/**
 * Pure: the notice to print when the pull request must not be deployed, undefined when it may.
 * Events without a pull request are never skipped here.
 */
export function pullRequestSkip(event: WorkflowEvent, options: PullRequestGuardOptions): string | undefined {
  const pr = event.pullRequest;
  if (pr === undefined) {
    return undefined;
  }
  if (pr.fromFork && !options.allowForks) {
    const source = pr.headRepository === undefined ? "a fork that was deleted" : `the fork ${pr.headRepository}`;
    return (
      `Skipped pull request #${pr.number}: it comes from ${source}. Under the pull_request event a fork's ` +
      "workflow gets a read-only GITHUB_TOKEN and no secrets, so it can neither deploy nor comment. " +
      "Set allow-forks: true to deploy fork pull requests when the job has credentials that are not secrets " +
      "(e.g. a self-hosted runner's role); do not switch to pull_request_target with a checkout of the PR's code."
    );
  }
  if (pr.draft && options.skipDraft) {
    return (
      `Skipped pull request #${pr.number}: it is a draft and skip-draft is true. ` +
      "It deploys when marked ready for review (list ready_for_review in the workflow's pull_request types)."
    );
  }
  return undefined;
}
