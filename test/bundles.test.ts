// The committed bundles are what the runner executes: each action's `main` must exist. The root
// composite action runs them through these same sub-actions, so only the runner's Node 24 runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

const root = resolve(import.meta.dirname, "..");
const actions = readdirSync(join(root, "actions"));

for (const action of actions) {
  test(`actions/${action} runs its committed bundle on node24`, () => {
    const metadata = parseYaml(readFileSync(join(root, "actions", action, "action.yml"), "utf8")) as { runs: { using: string; main: string } };
    assert.equal(metadata.runs.using, "node24");
    assert.equal(metadata.runs.main, `../../dist/${action}/index.js`);
    assert.ok(existsSync(join(root, "actions", action, metadata.runs.main)), `${metadata.runs.main} is not committed`);
  });
}

/**
 * Names that exist only in the Traefik simulator (test/traefik-simulator/): tests and the demo use
 * its routing table, no action does. Evaluating one rule (src/routing/rule/evaluate.ts) is the
 * action's own: integration-test tells which copy an explicit probe URL reaches.
 */
const SIMULATOR_ONLY = ["buildRoutingTable", "selectRouter"];

for (const bundle of readdirSync(join(root, "dist"))) {
  test(`dist/${bundle}/index.js carries the rule parser but not the Traefik simulator`, () => {
    const code = readFileSync(join(root, "dist", bundle, "index.js"), "utf8");
    assert.deepEqual(SIMULATOR_ONLY.filter((name) => code.includes(name)), []);
  });
}
