import { getOctokit } from "@actions/github";
import { ConfigurationError } from "../common/errors.js";

/** The Octokit the GitHub modules talk through: REST endpoint methods plus `paginate`. */
export type GitHubClient = ReturnType<typeof getOctokit>;

export const DEFAULT_GITHUB_API_URL = "https://api.github.com";

/**
 * An Octokit for `token` against `apiUrl` (default `GITHUB_API_URL`, which the runner sets for
 * GitHub Enterprise Server and tests point at the emulator).
 */
export function createGitHubClient(token: string, apiUrl: string = process.env.GITHUB_API_URL || DEFAULT_GITHUB_API_URL): GitHubClient {
  if (token.trim() === "") {
    throw new ConfigurationError("is empty; pass a token, e.g. github-token: ${{ github.token }}", "github-token");
  }
  return getOctokit(token, { baseUrl: apiUrl.replace(/\/+$/, "") });
}
