// `npm run demo -- <options>`: usage on --help, one line and the usage (exit 2) on an unknown option.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "..");

function demo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/demo.ts", ...args], { cwd: root, encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("--help prints the usage and exits 0 without starting the demo", () => {
  for (const flag of ["--help", "-h"]) {
    const run = demo(flag);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Usage: npm run demo \[-- --fail-deploy\]/);
    assert.match(run.stdout, /--fail-deploy {2}the pull request's image crashes/);
    assert.equal(run.stderr, "");
  }
});

test("an unknown option names itself, prints the usage and exits 2, not a stack trace", () => {
  const run = demo("--fail-deploi");
  assert.equal(run.status, 2);
  assert.match(run.stderr, /Unknown option '--fail-deploi'/);
  assert.match(run.stderr, /Usage: npm run demo/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
  assert.equal(run.stdout, "");
});
