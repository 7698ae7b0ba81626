import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigurationError } from "../../src/common/errors.js";
import { MemoryLogger } from "../../src/common/logger.js";
import { hookEnvironment, parseRouteEnvFile, type HookRoute } from "../../src/hooks/hook-environment.js";
import { baseServiceName } from "../../src/ecs/names.js";
import { onReapHook } from "../../src/hooks/on-reap.js";
import { HookFailure, HOOK_TAIL_LINES, outputTail, runHook } from "../../src/hooks/run-hook.js";
import type { ReapReason } from "../../src/reap/select.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";

const route: HookRoute = {
  hook: "on-deploy",
  route: "pr-7",
  signal: DEFAULT_SIGNAL_NAMES,
  repository: "Codertocat/Hello-World",
  cluster: "dev",
  pullRequest: 7,
  services: ["orders", "payments"],
};

function onDeployError(message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.input, "on-deploy");
    assert.equal(error.message, message);
    return true;
  };
}

describe("hookEnvironment", () => {
  it("gives the routing variables, the hook, pull request, repository, cluster and services", () => {
    assert.deepEqual(hookEnvironment(route), {
      ROUTE: "pr-7",
      ROUTE_HEADER_NAME: "X-Route-Version",
      ROUTE_HEADER: "X-Route-Version: pr-7",
      ROUTE_COOKIE: "x-route-version=pr-7",
      ROUTE_BAGGAGE: "dynamic_route=pr-7",
      ROUTE_HEADERS_JSON: '{"X-Route-Version":"pr-7","baggage":"dynamic_route=pr-7"}',
      ROUTE_HOOK: "on-deploy",
      ROUTE_PULL_REQUEST: "7",
      ROUTE_REPOSITORY: "Codertocat/Hello-World",
      ROUTE_CLUSTER: "dev",
      ROUTE_SERVICES: "orders payments",
    });
  });

  it("leaves ROUTE_PULL_REQUEST empty for a route without a pull request", () => {
    const environment = hookEnvironment({ ...route, hook: "on-reap", route: "shadow", pullRequest: undefined, services: [] });
    assert.equal(environment.ROUTE_PULL_REQUEST, "");
    assert.equal(environment.ROUTE_SERVICES, "");
    assert.equal(environment.ROUTE_HOOK, "on-reap");
  });

  it("tells on-reap why the copies were removed", () => {
    assert.equal(hookEnvironment({ ...route, hook: "on-reap", reapReason: "prune" }).ROUTE_REAP_REASON, "prune");
  });
});

describe("parseRouteEnvFile", () => {
  it("reads NAME=value lines, skipping blanks and comments; a later line wins; values kept as written", () => {
    assert.deepEqual(parseRouteEnvFile("# made by on-deploy\r\nA=1\n\n  \nB= spaced = value \nA=2\nEMPTY=\n"), {
      A: "2",
      B: " spaced = value ",
      EMPTY: "",
    });
    assert.deepEqual(parseRouteEnvFile(""), {});
  });

  it("refuses a line that is not NAME=value by its number only", () => {
    assert.throws(
      () => parseRouteEnvFile("A=1\nhunter2\n"),
      onDeployError(`line 2 of $ROUTE_ENV_FILE: is not NAME=value; write one variable a line, e.g. echo "DATABASE_SCHEMA=$ROUTE" >> "$ROUTE_ENV_FILE"`),
    );
  });

  it("checks every variable like an environment entry: names, secrets ARNs, ROUTE_VERSION", () => {
    assert.throws(
      () => parseRouteEnvFile("DB=arn:aws:secretsmanager:us-east-1:1:secret:x\n"),
      onDeployError(
        "line 1 of $ROUTE_ENV_FILE: DB looks like a Secrets Manager or SSM parameter ARN; secrets never go in environment overrides: reference it in the task definition's 'secrets' (valueFrom)",
      ),
    );
    assert.throws(() => parseRouteEnvFile("\nROUTE_VERSION=x\n"), onDeployError("line 2 of $ROUTE_ENV_FILE: ROUTE_VERSION is set by the action on every copy (the route); choose another name"));
    assert.throws(() => parseRouteEnvFile("=x\n"), /line 1 of \$ROUTE_ENV_FILE: '' is not an environment variable name/);
  });

  it("takes braces literally: the hook's values are final", () => {
    assert.deepEqual(parseRouteEnvFile("A={unknown}\n"), { A: "{unknown}" });
  });
});

describe("outputTail", () => {
  it("keeps the last lines, scrubs secret-named variables' values, cuts long lines", () => {
    const output = ["one", "two", "password is s3cr3t-value", "token abcd", "x".repeat(400), ""].join("\r\n");
    assert.deepEqual(outputTail(output, { DB_PASSWORD: "s3cr3t-value", GITHUB_TOKEN: "abcd", PATH: "two", SHORT_SECRET: "ab" }, 4), [
      "two",
      "password is ***",
      "token ***",
      `${"x".repeat(300)}…`,
    ]);
  });

  it("scrubs the longer secret first and gives nothing for no output", () => {
    assert.deepEqual(outputTail("key abcdefgh\n", { API_KEY: "abcd", SESSION_TOKEN: "abcdefgh" }), ["key ***"]);
    assert.deepEqual(outputTail("postgres://u:pw@db/x failed\n", { DEV_DATABASE_URL: "postgres://u:pw@db/x" }), ["*** failed"]);
    assert.deepEqual(outputTail("", {}), []);
    assert.deepEqual(outputTail("\n\n", {}), []);
    assert.equal(outputTail(Array.from({ length: 50 }, (_, index) => `line ${index}`).join("\n"), {}).length, HOOK_TAIL_LINES);
  });
});

describe("HookFailure", () => {
  it("says the hook, exit code and consequence on its first line, the tail after", () => {
    const failure = new HookFailure("on-deploy", 3, ["a", "  b  ", ""], "nothing was created or changed in ECS");
    assert.equal(failure.message, "on-deploy exited with code 3 (last output: b); nothing was created or changed in ECS\nlast 3 line(s) of its output:\na\n  b  \n");
    assert.equal(failure.exitCode, 3);
    assert.equal(failure.hook, "on-deploy");
    assert.equal(new HookFailure("on-reap", 1, [], "x").message, "on-reap exited with code 1; x");
  });
});

describe("runHook", () => {
  const scratch = mkdtempSync(join(tmpdir(), "hooks-test-"));

  it("runs in the workspace with the route's variables and no action inputs; on-deploy's ROUTE_ENV_FILE lines become overrides", async () => {
    const logger = new MemoryLogger();
    const outcome = await runHook(
      [
        'echo "route=$ROUTE pr=$ROUTE_PULL_REQUEST services=$ROUTE_SERVICES input=${INPUT_ON_DEPLOY:-none} pwd=$(pwd)"',
        'echo "DATABASE_SCHEMA=app_${ROUTE//-/_}" >> "$ROUTE_ENV_FILE"',
        'echo "# a comment" >> "$ROUTE_ENV_FILE"',
      ].join("\n"),
      route,
      { cwd: scratch, jobEnvironment: { PATH: process.env.PATH, INPUT_ON_DEPLOY: "secret" }, tempDir: scratch, logger },
    );
    assert.equal(outcome.exitCode, 0);
    assert.deepEqual(outcome.overrides, { DATABASE_SCHEMA: "app_pr_7" });
    assert.deepEqual(outcome.tail, [`route=pr-7 pr=7 services=orders payments input=none pwd=${scratch}`]);
    assert.deepEqual(readdirSync(scratch), [], "the script and env file are removed");
    assert.match(logger.lines.map((line) => line.message).join("\n"), /on-deploy: running for route pr-7 \(services: orders, payments\)\non-deploy: exit code 0 after \d+\.\d s/);
  });

  it("stops at the first failing command (bash -e) and returns its exit code, no overrides read", async () => {
    const outcome = await runHook('echo "A=1" >> "$ROUTE_ENV_FILE"\necho creating\nfalse\necho never', route, {
      cwd: scratch,
      jobEnvironment: { PATH: process.env.PATH },
      tempDir: scratch,
      logger: new MemoryLogger(),
    });
    assert.equal(outcome.exitCode, 1);
    assert.deepEqual(outcome.tail, ["creating"]);
    assert.deepEqual(outcome.overrides, {});
  });

  it("gives on-reap no ROUTE_ENV_FILE and reports its own exit code", async () => {
    const marker = join(scratch, "reap-env");
    const outcome = await runHook(`echo "\${ROUTE_ENV_FILE:-unset} $ROUTE_HOOK" > '${marker}'; exit 4`, { ...route, hook: "on-reap" }, {
      cwd: scratch,
      jobEnvironment: { PATH: process.env.PATH },
      tempDir: scratch,
      logger: new MemoryLogger(),
    });
    assert.equal(outcome.exitCode, 4);
    assert.equal(readFileSync(marker, "utf8"), "unset on-reap\n");
    assert.ok(existsSync(marker));
  });
});

describe("onReapHook", () => {
  const scratch = mkdtempSync(join(tmpdir(), "on-reap-test-"));
  const context = { signal: DEFAULT_SIGNAL_NAMES, repository: "Codertocat/Hello-World", cluster: "dev" };
  const options = { cwd: scratch, jobEnvironment: { PATH: process.env.PATH }, tempDir: scratch, logger: new MemoryLogger() };
  const removed = (route: string, pullRequest: number | undefined, services: string[], reapReason: ReapReason = "closed") => ({
    route,
    pullRequest,
    removed: services,
    reason: "test",
    reapReason,
  });

  it("runs once per removed route with the base services of the removed copies and why they were removed", async () => {
    const seen = join(scratch, "seen");
    const hook = onReapHook(
      `echo "$ROUTE|$ROUTE_PULL_REQUEST|$ROUTE_SERVICES|$ROUTE_HOOK|$ROUTE_REAP_REASON|\${ROUTE_ENV_FILE:-none}" >> '${seen}'`,
      context,
      options,
    );
    await hook(removed("pr-9", 9, ["payments--pr-9", "orders--pr-9", "orders--pr-9"]));
    await hook(removed("feature-x", undefined, ["orders--feature-x"], "requested"));
    await hook(removed("pr-8", 8, ["payments--pr-8"], "prune"));
    assert.equal(
      readFileSync(seen, "utf8"),
      "pr-9|9|orders payments|on-reap|closed|none\nfeature-x||orders|on-reap|requested|none\npr-8|8|payments|on-reap|prune|none\n",
    );
  });

  it("throws a HookFailure saying the copies are gone and the route stays pending", async () => {
    await assert.rejects(onReapHook('echo "drop failed" >&2; exit 2', context, options)(removed("pr-9", undefined, [])), (error) => {
      assert.ok(error instanceof HookFailure);
      assert.equal(
        error.message,
        "on-reap exited with code 2 (last output: drop failed); the copies of route pr-9 are removed; it stays teardown pending and the next reap or sweep runs on-reap again\nlast 1 line(s) of its output:\ndrop failed",
      );
      return true;
    });
  });

  it("on a prune, says the pruned copies are gone and the next deploy runs it again", async () => {
    await assert.rejects(onReapHook("exit 5", context, options)(removed("pr-8", 8, ["payments--pr-8"], "prune")), (error) => {
      assert.ok(error instanceof HookFailure);
      assert.equal(
        error.message,
        "on-reap exited with code 5; the pruned copies payments--pr-8 are removed; their task definitions stay ACTIVE and the next deploy of route pr-8 runs on-reap again (or its teardown does)",
      );
      return true;
    });
  });
});

describe("baseServiceName", () => {
  it("strips the route suffix, and only it", () => {
    assert.equal(baseServiceName("orders--pr-9", "pr-9"), "orders");
    assert.equal(baseServiceName("orders--pr-90", "pr-9"), "orders--pr-90");
    assert.equal(baseServiceName("--pr-9", "pr-9"), "--pr-9");
    assert.equal(baseServiceName("a--pr-9", "pr-9"), "a");
  });
});
