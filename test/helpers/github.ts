// A GitHub emulator with one repository, pull request #123 and the tokens the tests use.
import { createGitHubClient, type GitHubClient } from "../../src/github/client.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";

import { REPOSITORY } from "./webhooks.js";

export { REPOSITORY };
export const [OWNER, REPO] = REPOSITORY.split("/") as [string, string];
export const PR = 123;
export const HEAD_SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";

/** The Actions GITHUB_TOKEN with the permissions a deploy workflow grants. */
export const ACTIONS_TOKEN = "ghs_actionsWriteToken";
/** The GITHUB_TOKEN a fork pull request gets: read-only. */
export const READ_ONLY_TOKEN = "ghs_readOnlyToken";
/** A person's personal access token. */
export const PAT = "ghp_personalAccessToken";

export async function startFixture(): Promise<GitHubEmulator> {
  const github = await startGitHubEmulator();
  github.addRepository(REPOSITORY);
  github.addPullRequest(REPOSITORY, { number: PR, state: "open", headSha: HEAD_SHA, headRef: "feature/checkout" });
  github.addToken(ACTIONS_TOKEN, {
    login: "github-actions[bot]",
    type: "Bot",
    installation: true,
    permissions: { issues: "read", pullRequests: "write", deployments: "write" },
  });
  github.addToken(READ_ONLY_TOKEN, {
    login: "github-actions[bot]",
    type: "Bot",
    installation: true,
    permissions: { issues: "read", pullRequests: "read", deployments: "read" },
  });
  github.addToken(PAT, { login: "platform-bot-user", type: "User" });
  return github;
}

export function client(github: GitHubEmulator, token: string): GitHubClient {
  return createGitHubClient(token, github.url);
}
