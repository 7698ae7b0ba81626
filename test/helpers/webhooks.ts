// Real webhook payloads from @octokit/webhooks-examples, so the actions parse what GitHub sends.
import { createRequire } from "node:module";

interface WebhookDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

/** The one made-up repository of the tests: the one the webhook examples name. */
export const REPOSITORY = "Codertocat/Hello-World";

const require = createRequire(import.meta.url);
const definitions = require("@octokit/webhooks-examples") as WebhookDefinition[];

/** A deep copy of the first example of `event` (and `action`, when given), optionally adjusted. */
export function webhookExample(
  event: string,
  action?: string,
  adjust?: (payload: Record<string, any>) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
  accept: (example: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> {
  const definition = definitions.find((candidate) => candidate.name === event);
  const example = definition?.examples.find(
    (candidate) => (action === undefined || candidate.action === action) && accept(candidate),
  );
  if (example === undefined) {
    throw new Error(`@octokit/webhooks-examples has no ${event}${action === undefined ? "" : `.${action}`} example`);
  }
  const payload = structuredClone(example);
  adjust?.(payload);
  return payload;
}

/** A pull_request payload for `action` on PR `number` at `headSha`, from GitHub's own example. */
export function pullRequestEvent(
  action: string,
  options: { number?: number; headSha?: string; headRef?: string; draft?: boolean; fork?: boolean; merged?: boolean } = {},
): Record<string, unknown> {
  return webhookExample("pull_request", action, (payload) => {
    const pr = payload.pull_request;
    if (options.number !== undefined) {
      payload.number = options.number;
      pr.number = options.number;
    }
    if (options.headSha !== undefined) pr.head.sha = options.headSha;
    if (options.headRef !== undefined) pr.head.ref = options.headRef;
    if (options.draft !== undefined) pr.draft = options.draft;
    if (options.merged !== undefined) pr.merged = options.merged;
    if (options.fork === true) {
      // GitHub's payload for a fork differs only in the head repository.
      pr.head.repo = { ...pr.head.repo, full_name: "forker/Hello-World", fork: true, owner: { ...pr.head.repo.owner, login: "forker" } };
      pr.head.label = `forker:${pr.head.ref}`;
    }
  });
}

/** A push of a branch (GitHub's example pushes `master`, the example repository's default branch). */
export function pushEvent(options: { branch?: string; after?: string } = {}): Record<string, unknown> {
  return webhookExample(
    "push",
    undefined,
    (payload) => {
      if (options.branch !== undefined) payload.ref = `refs/heads/${options.branch}`;
      if (options.after !== undefined) payload.after = options.after;
    },
    (example) => String(example.ref).startsWith("refs/heads/"),
  );
}
