import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isConfigurationError } from "../../src/common/errors.js";
import { createGitHubClient } from "../../src/github/client.js";
import type { GitHubEmulator } from "../emulators/github/index.js";
import { ACTIONS_TOKEN, OWNER, PR, REPO, startFixture } from "../helpers/github.js";

describe("GitHub client", () => {
  let github: GitHubEmulator;
  before(async () => {
    github = await startFixture();
  });
  after(() => github.close());

  it("talks to GITHUB_API_URL when no URL is given, ignoring a trailing slash", async () => {
    const previous = process.env.GITHUB_API_URL;
    process.env.GITHUB_API_URL = `${github.url}/`;
    try {
      const { data } = await createGitHubClient(ACTIONS_TOKEN).rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: PR });
      assert.equal(data.number, PR);
    } finally {
      if (previous === undefined) delete process.env.GITHUB_API_URL;
      else process.env.GITHUB_API_URL = previous;
    }
  });

  it("refuses an empty token with a line naming github-token", () => {
    assert.throws(() => createGitHubClient("  ", github.url), (error: unknown) => isConfigurationError(error) && error.input === "github-token");
  });
});
