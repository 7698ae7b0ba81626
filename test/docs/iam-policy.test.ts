// The README's IAM policy against the code: the deploy policy allows exactly the AWS API calls the
// actions make (every `new XxxCommand(...)` and `paginateXxx(...)` of an @aws-sdk client under src/,
// plus the actions IAM checks alongside them), each with a line in the README saying why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const README = readFileSync("README.md", "utf8");
const POLICY_SECTION = "Least-privilege IAM policy";

/** IAM service prefix of each AWS SDK v3 client package the code may import. */
const IAM_PREFIX: Record<string, string> = {
  "@aws-sdk/client-ecs": "ecs",
  "@aws-sdk/client-cloudwatch-logs": "logs",
  "@aws-sdk/client-resource-groups-tagging-api": "tag",
};

/**
 * Actions IAM authorises alongside a call (the Service Authorization Reference's "dependent actions"),
 * as the code uses them: task definitions carry the base task and execution roles (iam:PassRole) and
 * everything the actions create is tagged at creation (ecs:TagResource).
 */
const ALSO_AUTHORISED: Record<string, string[]> = {
  "ecs:RegisterTaskDefinition": ["iam:PassRole", "ecs:TagResource"],
  "ecs:CreateService": ["ecs:TagResource"],
  "ecs:RunTask": ["iam:PassRole", "ecs:TagResource"],
};

interface Call {
  action: string;
  /** Where it is called, e.g. `src/reap/delete.ts (new DeleteServiceCommand)`. */
  sites: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The AWS API calls the code makes, keyed by IAM action. */
function callsInSource(): Map<string, Call> {
  const calls = new Map<string, Call>();
  const add = (action: string, site: string): void => {
    const call = calls.get(action) ?? { action, sites: [] };
    call.sites.push(site);
    calls.set(action, call);
  };
  for (const file of sourceFiles("src")) {
    const text = readFileSync(file, "utf8");
    const clientOf = new Map<string, string>();
    for (const [, names, client] of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"(@aws-sdk\/client-[\w-]+)"/g)) {
      for (const name of (names ?? "").split(",").map((part) => part.trim().replace(/^type\s+/, "").split(/\s+as\s+/).pop() ?? "")) {
        if (name !== "") clientOf.set(name, client as string);
      }
    }
    const uses = [
      ...[...text.matchAll(/\bnew\s+(\w+)Command\s*\(/g)].map((match) => ({ identifier: `${match[1]}Command`, operation: match[1] as string })),
      ...[...text.matchAll(/\bpaginate(\w+)\s*\(/g)].map((match) => ({ identifier: `paginate${match[1]}`, operation: match[1] as string })),
    ];
    for (const { identifier, operation } of uses) {
      const client = clientOf.get(identifier);
      if (client === undefined) continue;
      const prefix = IAM_PREFIX[client];
      assert.ok(prefix !== undefined, `${file} calls ${identifier} of ${client}: add its IAM prefix to IAM_PREFIX in test/docs/iam-policy.test.ts`);
      const action = `${prefix}:${operation}`;
      add(action, `${file} (${identifier})`);
      for (const also of ALSO_AUTHORISED[action] ?? []) add(also, `${file} (${identifier} also needs ${also})`);
    }
  }
  return calls;
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** The JSON of the README block between `<!-- iam:<name> -->` and `<!-- /iam:<name> -->`. */
function readmePolicy(name: string): { Statement: Statement[] } {
  const start = README.indexOf(`<!-- iam:${name} -->`);
  const end = README.indexOf(`<!-- /iam:${name} -->`);
  assert.ok(start >= 0 && end > start, `README.md has no <!-- iam:${name} --> … <!-- /iam:${name} --> block in "${POLICY_SECTION}"`);
  const json = /```json\n([\s\S]*?)\n```/.exec(README.slice(start, end))?.[1];
  assert.ok(json !== undefined, `the iam:${name} block of README.md holds no \`\`\`json fence`);
  return JSON.parse(json) as { Statement: Statement[] };
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function allowedActions(policy: { Statement: Statement[] }): Set<string> {
  return new Set(policy.Statement.filter((statement) => statement.Effect === "Allow").flatMap((statement) => list(statement.Action)));
}

/** The actions of the README's "why" table: rows whose first cell is an action in backticks. */
function explainedActions(): Map<string, string> {
  const start = README.indexOf("<!-- iam:why -->");
  const end = README.indexOf("<!-- /iam:why -->");
  assert.ok(start >= 0 && end > start, "README.md has no <!-- iam:why --> … <!-- /iam:why --> table");
  const rows = new Map<string, string>();
  for (const [, action, why] of README.slice(start, end).matchAll(/^\| `([\w-]+:\w+)` \| (.*) \|$/gm)) {
    rows.set(action as string, why as string);
  }
  return rows;
}

test("the README's deploy policy allows exactly the AWS API calls the code makes", () => {
  const calls = callsInSource();
  const allowed = allowedActions(readmePolicy("deploy-policy"));
  const wildcards = [...allowed].filter((action) => action.includes("*"));
  assert.deepEqual(wildcards, [], "the deploy policy names each action (no wildcards), so this test can compare them");

  const missing = [...calls.values()].filter((call) => !allowed.has(call.action));
  assert.deepEqual(
    missing.map((call) => call.action),
    [],
    missing
      .map(
        (call) =>
          `README.md ("${POLICY_SECTION}", iam:deploy-policy) does not allow ${call.action}, which ${call.sites.join(", ")} calls. ` +
          `Add it to a statement, scoped as tightly as the Service Authorization Reference allows for it ` +
          `(resource ARNs of copies, ecs:cluster, tags), and a row to the iam:why table below the policy.`,
      )
      .join("\n"),
  );
  const unused = [...allowed].filter((action) => !calls.has(action));
  assert.deepEqual(
    unused,
    [],
    `README.md's deploy policy allows ${unused.join(", ")}, which nothing under src/ calls ` +
      "(scanned for `new XxxCommand(` and `paginateXxx(` of @aws-sdk clients): remove it from the policy and the iam:why table.",
  );
});

test("every action of the deploy policy has a row in the README saying why, and no row is stale", () => {
  const allowed = allowedActions(readmePolicy("deploy-policy"));
  const explained = explainedActions();
  const unexplained = [...allowed].filter((action) => !explained.has(action));
  assert.deepEqual(unexplained, [], `add a row "| \`<action>\` | why |" to the iam:why table of README.md for ${unexplained.join(", ")}`);
  const stale = [...explained.keys()].filter((action) => !allowed.has(action));
  assert.deepEqual(stale, [], `the iam:why table of README.md explains actions the policy no longer has: ${stale.join(", ")}`);
  for (const [action, why] of explained) assert.ok(why.trim().length > 20, `the iam:why row of ${action} says why`);
});

test("the deploy policy limits what it writes to the copies: their names, families and tags", () => {
  const statements = readmePolicy("deploy-policy").Statement;
  const writes = ["ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService", "ecs:RegisterTaskDefinition", "ecs:DeleteTaskDefinitions"];
  for (const action of writes) {
    const granting = statements.filter((statement) => list(statement.Action).includes(action));
    assert.ok(granting.length > 0, `${action} is allowed`);
    for (const statement of granting) {
      const resources = list(statement.Resource);
      assert.ok(
        resources.every((resource) => /:(service\/[^/]+|task-definition)\/\*--\*/.test(resource)),
        `${statement.Sid}: ${action} only on copies (service/<cluster>/*--* or task-definition/*--*:*), not ${resources.join(", ")}`,
      );
      const tagged = Object.values(statement.Condition ?? {}).some((keys) =>
        Object.entries(keys).some(([key, value]) => /^aws:(Request|Resource)Tag\/dynamic-routing:managed-by$/.test(key) && value === "ecs-dynamic-routing"),
      );
      assert.ok(tagged, `${statement.Sid}: ${action} requires the dynamic-routing:managed-by tag`);
    }
  }
  // Tag-on-create is allowed only for the creating calls the code makes.
  const calls = callsInSource();
  for (const statement of statements.filter((candidate) => candidate.Condition?.StringEquals?.["ecs:CreateAction"] !== undefined)) {
    for (const create of list(statement.Condition?.StringEquals?.["ecs:CreateAction"])) {
      assert.ok(calls.has(`ecs:${create}`), `${statement.Sid} allows tagging on ${create}, which the code never calls`);
    }
  }
  const passRole = statements.filter((statement) => list(statement.Action).includes("iam:PassRole"));
  for (const statement of passRole) {
    assert.equal(statement.Condition?.StringEquals?.["iam:PassedToService"], "ecs-tasks.amazonaws.com", "roles are passed to ECS tasks only");
  }
});

test("the image push policy is ECR only, and the trust policy names the audience and a subject per event", () => {
  const push = allowedActions(readmePolicy("push-policy"));
  assert.ok([...push].every((action) => action.startsWith("ecr:")), `the push policy holds ECR actions only: ${[...push].join(", ")}`);
  for (const action of ["ecr:GetAuthorizationToken", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"]) {
    assert.ok(push.has(action), `docker push needs ${action}`);
  }

  const trust = readmePolicy("trust-policy").Statement;
  assert.equal(trust.length, 1);
  const condition = trust[0]?.Condition ?? {};
  assert.equal(condition.StringEquals?.["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
  const subjects = list(condition.StringEquals?.["token.actions.githubusercontent.com:sub"]);
  assert.ok(subjects.some((sub) => sub.endsWith(":pull_request")), "pull_request runs (their sub ends in :pull_request)");
  assert.ok(subjects.some((sub) => sub.endsWith(":ref:refs/heads/main")), "push, schedule and workflow_dispatch runs on main");
  assert.ok(subjects.every((sub) => !sub.includes("*")), "exact subjects, no wildcard");
});
