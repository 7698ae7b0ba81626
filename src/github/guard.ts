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
      `Skipped pull request #${pr.number}: it comes from ${source}. Under pull_request a fork's run uses the fork's own ` +
      "workflow file with a read-only GITHUB_TOKEN and no secrets, so its author decides what the job runs: never give " +
      "that job a cloud role (OIDC, a runner's instance role). Safe ways to preview a fork: a maintainer pushes the " +
      "reviewed commit to a branch of this repository; or the unprivileged pull_request run builds the image, and a " +
      "workflow_run or pull_request_target workflow that checks out no code of the pull request deploys it, behind an " +
      "environment with required reviewers (only there set allow-forks: true). pull_request_target with a checkout of " +
      "the pull request's head is not safe: it runs the fork's code with this repository's secrets and role."
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
