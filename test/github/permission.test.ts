import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryLogger } from "../../src/common/logger.js";
import { isPermissionDenied, writeOrWarn } from "../../src/github/permission.js";

/** The shape of Octokit's RequestError for a GitHub answer. */
function gitHubAnswer(status: number, message: string, headers: Record<string, string> = {}): Error & { status: number } {
  return Object.assign(new Error(message), { status, response: { headers, data: { message } } });
}

const COMMENT = { doing: "write the comment", permission: "pull-requests: write", input: "comment" } as const;

describe("GitHub permission errors", () => {
  it("reads 403 Resource not accessible as a missing permission", () => {
    assert.equal(isPermissionDenied(gitHubAnswer(403, "Resource not accessible by integration", { "x-ratelimit-remaining": "4999" })), true);
  });

  it("does not mistake a primary or secondary rate limit (also 403) for a missing permission", async () => {
    const primary = gitHubAnswer(403, "API rate limit exceeded for installation ID 1.", { "x-ratelimit-remaining": "0" });
    const secondary = gitHubAnswer(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", {
      "retry-after": "60",
      "x-ratelimit-remaining": "4990",
    });
    assert.equal(isPermissionDenied(primary), false);
    assert.equal(isPermissionDenied(secondary), false);
    const logger = new MemoryLogger();
    assert.equal(await writeOrWarn(logger, COMMENT, () => Promise.reject(secondary)), undefined);
    const [warning, ...rest] = logger.lines.filter((line) => line.level === "warning").map((line) => line.message);
    assert.deepEqual(rest, []);
    assert.match(warning ?? "", /GitHub answered 403 "You have exceeded a secondary rate limit/);
    assert.doesNotMatch(warning ?? "", /Grant the workflow token/);
  });
});
