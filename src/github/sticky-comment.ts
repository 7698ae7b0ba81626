// One comment per route on a pull request, found by its hidden marker AND its author, updated in
// place. A bot token with `issues: write` may edit anyone's comment, so the author check is ours to do.
import type { Logger } from "../common/logger.js";
import type { GitHubClient } from "./client.js";
import { isPermissionDenied } from "./permission.js";

/** Who the Actions GITHUB_TOKEN comments as. */
export const ACTIONS_BOT_LOGIN = "github-actions[bot]";

const identities = new WeakMap<GitHubClient, Promise<string>>();

/**
 * The login the client's comments are authored by. GET /user answers for a personal access token;
 * for an installation token it answers 403 "Resource not accessible by integration", and GraphQL
 * `viewer` names the bot: `github-actions[bot]` for the Actions GITHUB_TOKEN, `<app-slug>[bot]` for
 * a GitHub App's token (assuming github-actions[bot] there would never find the comment again and
 * add one on every push). Asked once per client.
 */
export function commentAuthor(octokit: GitHubClient): Promise<string> {
  let identity = identities.get(octokit);
  if (identity === undefined) {
    identity = octokit.rest.users.getAuthenticated().then(
      (response) => response.data.login,
      async (error: unknown) => {
        if (!isPermissionDenied(error)) {
          throw error;
        }
        try {
          const { viewer } = await octokit.graphql<{ viewer: { login: string } }>("query { viewer { login } }");
          return viewer.login;
        } catch {
          // A server without GraphQL for this token: the Actions token is by far the likeliest.
          return ACTIONS_BOT_LOGIN;
        }
      },
    );
    identity.catch(() => identities.delete(octokit));
    identities.set(octokit, identity);
  }
  return identity;
}

export interface StickyCommentTarget {
  owner: string;
  repo: string;
  /** The pull request number (pull-request comments are issue comments). */
  issueNumber: number;
  /** The hidden line that names the comment, e.g. `routeMarker(route)`. */
  marker: string;
  logger: Logger;
}

export interface StickyComment {
  id: number;
  body: string;
  url: string;
}

/** Our comment carrying `marker`, looking through every page of the pull request's comments. */
export async function findStickyComment(octokit: GitHubClient, target: StickyCommentTarget): Promise<StickyComment | undefined> {
  const author = await commentAuthor(octokit);
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  for await (const page of pages) {
    for (const comment of page.data) {
      if (comment.body?.includes(target.marker) !== true) {
        continue;
      }
      if (comment.user?.login !== author) {
        target.logger.debug(`Comment ${comment.id} quotes the route marker but is by ${comment.user?.login ?? "a deleted user"}; leaving it alone.`);
        continue;
      }
      return { id: comment.id, body: comment.body, url: comment.html_url };
    }
  }
  return undefined;
}

function withMarker(target: StickyCommentTarget & { body: string }): string {
  return target.body.includes(target.marker) ? target.body : `${target.marker}\n${target.body}`;
}

/** Rewrites `existing` (our comment, as findStickyComment returned it) in place. */
export async function updateStickyComment(
  octokit: GitHubClient,
  target: StickyCommentTarget & { body: string },
  existing: StickyComment,
): Promise<{ id: number; action: "updated"; url: string }> {
  const { data } = await octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: existing.id, body: withMarker(target) });
  target.logger.info(`Updated the pull request comment: ${data.html_url}`);
  return { id: data.id, action: "updated", url: data.html_url };
}

/** Creates our comment for `marker`, or rewrites it in place when it exists. */
export async function upsertStickyComment(
  octokit: GitHubClient,
  target: StickyCommentTarget & { body: string },
): Promise<{ id: number; action: "created" | "updated"; url: string }> {
  const existing = await findStickyComment(octokit, target);
  if (existing !== undefined) {
    return updateStickyComment(octokit, target, existing);
  }
  const body = withMarker(target);
  const { data } = await octokit.rest.issues.createComment({
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    body,
  });
  target.logger.info(`Commented on the pull request: ${data.html_url}`);
  return { id: data.id, action: "created", url: data.html_url };
}
