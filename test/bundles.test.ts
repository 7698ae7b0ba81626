// The committed bundles are what the runner executes: each action's `main` must exist, and every
// bundle must parse as ES2024, because the root composite action runs them with the runner image's
// own Node 22, which cannot parse newer syntax (e.g. RegExp modifier groups).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseJavaScript } from "acorn";
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

for (const bundle of readdirSync(join(root, "dist"))) {
  test(`dist/${bundle}/index.js parses as ES2024 (Node 22, the composite steps' runtime)`, () => {
    const code = readFileSync(join(root, "dist", bundle, "index.js"), "utf8");
    assert.doesNotThrow(() => parseJavaScript(code, { ecmaVersion: 2024, sourceType: "module", allowHashBang: true }));
  });
}
