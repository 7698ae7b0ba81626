import { ConfigurationError } from "../common/errors.js";
import type { Logger } from "../common/logger.js";

/** The workflow `permissions:` entry a GitHub write needs. */
export type GitHubPermission = "pull-requests: write" | "deployments: write";

interface HttpFailure {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function httpFailure(error: unknown): HttpFailure | undefined {
  if (typeof error === "object" && error !== null && typeof (error as { status?: unknown }).status === "number") {
    return error as HttpFailure;
  }
  return undefined;
}

function gitHubMessage(failure: HttpFailure): string {
  const data = failure.response?.data;
  if (typeof data === "object" && data !== null && typeof (data as { message?: unknown }).message === "string") {
    return (data as { message: string }).message;
  }
  return failure.message;
}

/**
 * A 403 that is about rights, not a rate limit: GitHub answers the primary rate limit with 403 and
 * `x-ratelimit-remaining: 0`, and a secondary rate limit with 403, `retry-after` and remaining calls.
 */
export function isPermissionDenied(error: unknown): boolean {
  const failure = httpFailure(error);
  if (failure?.status !== 403) {
    return false;
  }
  const headers = failure.response?.headers ?? {};
  return String(headers["x-ratelimit-remaining"]) !== "0" && headers["retry-after"] === undefined && !/rate limit/i.test(gitHubMessage(failure));
}

/** A 401: the token itself is wrong, expired or revoked. */
export function isBadCredentials(error: unknown): boolean {
  return httpFailure(error)?.status === 401;
}

/**
 * Runs one GitHub write that is a courtesy, not the job (the PR comment, the GitHub deployment):
 * a 403 becomes a warning that names the permission to grant and the input that turns the feature
 * off, so a read-only token (a fork PR, a workflow without `permissions:`) never fails a deploy;
 * any other answer from GitHub (a 5xx, a 404) becomes a warning too. A 401 is the user's mistake
 * and ends the step with one line; an error that is not GitHub's answer is a bug and is thrown.
 */
export async function writeOrWarn<T>(
  logger: Logger,
  what: { doing: string; permission: GitHubPermission; input: string },
  write: () => Promise<T>,
): Promise<T | undefined> {
  const outcome = await attemptWrite(logger, what, write);
  return outcome.ok ? outcome.value : undefined;
}

/** A GitHub write's outcome: `retryable` when another run may succeed (a 5xx, 429 or rate limit), not a 403 or 404. */
export type WriteOutcome<T> = { ok: true; value: T } | { ok: false; retryable: boolean };

/** writeOrWarn, telling a failure that a re-run may fix from one it never will. */
export async function attemptWrite<T>(
  logger: Logger,
  what: { doing: string; permission: GitHubPermission; input: string },
  write: () => Promise<T>,
): Promise<WriteOutcome<T>> {
  try {
    return { ok: true, value: await write() };
  } catch (error) {
    const failure = httpFailure(error);
    if (failure === undefined) {
      throw error;
    }
    if (isBadCredentials(error)) {
      throw badCredentials(error);
    }
    if (isPermissionDenied(error)) {
      logger.warning(
        `Could not ${what.doing}: GitHub answered 403 "${gitHubMessage(failure)}". ` +
          `Grant the workflow token \`${what.permission}\` (permissions: in the workflow or job), or set ${what.input}: false. ` +
          "Pull requests from forks always get a read-only token.",
      );
      return { ok: false, retryable: false };
    }
    logger.warning(`Could not ${what.doing}: GitHub answered ${failure.status} "${gitHubMessage(failure)}".`);
    return { ok: false, retryable: failure.status >= 500 || failure.status === 429 || failure.status === 403 };
  }
}

/** The one line for a token GitHub does not accept (a 401). */
export function badCredentials(error: unknown): ConfigurationError {
  const failure = httpFailure(error);
  const detail = failure === undefined ? String(error) : gitHubMessage(failure);
  return new ConfigurationError(
    `GitHub rejected the token (401 ${detail}); pass a valid token, e.g. github-token: \${{ github.token }}`,
    "github-token",
  );
}
