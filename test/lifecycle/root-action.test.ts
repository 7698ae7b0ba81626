// The root composite action picks the right sub-action for each event and passes every input through.
// The bundles are replaced by recorders here (their own tests run them for real); what is under test
// is action.yml itself: its `if:` conditions under GitHub's expression semantics, its `with:` mapping,
// and that it needs no `node` on PATH (every event runs with a PATH that has none, as on runner images
// without Node: the sub-actions run as node24 JavaScript actions on the runner's own Node).
import { spawn } from "node:child_process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { parse } from "yaml";
import { runComposite } from "../helpers/composite-runner.js";
import { pullRequestEvent, pushEvent } from "../helpers/webhooks.js";

const root = resolve(import.meta.dirname, "..", "..");
const bundles = ["deploy-shadow", "deploy-ephemeral", "integration-test", "reap"] as const;
type Bundle = (typeof bundles)[number];

function declaredInputs(bundle: Bundle): string[] {
  const metadata = parse(readFileSync(join(root, "actions", bundle, "action.yml"), "utf8")) as { inputs?: Record<string, unknown> };
  return Object.keys(metadata.inputs ?? {});
}

const rootInputs = Object.keys((parse(readFileSync(join(root, "action.yml"), "utf8")) as { inputs: Record<string, unknown> }).inputs);

/** Inputs the lifecycle sets itself instead of passing the user's value through. */
const setByLifecycle: Record<Bundle, Record<string, string>> = {
  "deploy-shadow": {},
  "deploy-ephemeral": {},
  "integration-test": { route: "pr-2" },
  reap: {},
};

/** An action folder (the real action.yml files) whose bundles record the INPUT_* variables they were started with. */
function recordingActionPath(): { actionPath: string; recorded: (bundle: Bundle) => Record<string, string> | undefined } {
  const actionPath = mkdtempSync(join(tmpdir(), "lifecycle-"));
  const records = mkdtempSync(join(tmpdir(), "lifecycle-records-"));
  for (const bundle of bundles) {
    mkdirSync(join(actionPath, "actions", bundle), { recursive: true });
    copyFileSync(join(root, "actions", bundle, "action.yml"), join(actionPath, "actions", bundle, "action.yml"));
    mkdirSync(join(actionPath, "dist", bundle), { recursive: true });
    writeFileSync(
      join(actionPath, "dist", bundle, "index.js"),
      `const fs = require("node:fs");
const inputs = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("INPUT_")));
fs.writeFileSync(${JSON.stringify(join(records, `${bundle}.json`))}, JSON.stringify(inputs));
if (${JSON.stringify(bundle)}.startsWith("deploy-")) fs.appendFileSync(process.env.GITHUB_OUTPUT, "route=pr-2\\n");
`,
    );
  }
  return {
    actionPath,
    recorded: (bundle) => {
      const file = join(records, `${bundle}.json`);
      return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>) : undefined;
    },
  };
}

const NODE_COMMANDS = new Set(["node", "nodejs", "npm", "npx", "corepack"]);

/** The job's PATH as one folder of every command on it except Node's: a runner image without Node. */
function pathWithoutNode(): string {
  const bin = mkdtempSync(join(tmpdir(), "no-node-bin-"));
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter((entry) => entry !== "" && existsSync(entry))) {
    for (const command of readdirSync(dir)) {
      if (!NODE_COMMANDS.has(command) && !existsSync(join(bin, command))) symlinkSync(join(dir, command), join(bin, command));
    }
  }
  return bin;
}
const jobPath = pathWithoutNode();

async function runFor(event: { name: string; payload: Record<string, unknown> }, withInputs: Record<string, string>) {
  const { actionPath, recorded } = recordingActionPath();
  const workspace = mkdtempSync(join(tmpdir(), "lifecycle-workspace-"));
  const run = await runComposite(join(root, "action.yml"), {
    github: { event_name: event.name, event: event.payload, ref: (event.payload.ref as string | undefined) ?? "refs/heads/master", token: "ghs_lifecycle" },
    with: withInputs,
    env: { PATH: jobPath, HOME: process.env.HOME ?? "" },
    actionPath,
    workspace,
  });
  const ran = bundles.filter((bundle) => recorded(bundle) !== undefined);
  // The copy of the sub-actions in the workspace is gone afterwards, whatever ran.
  assert.deepEqual(readdirSync(workspace), []);
  return { run, ran, recorded };
}

test("the job's PATH in these tests has no node", async () => {
  const { stdout } = await new Promise<{ stdout: string }>((resolveRun) => {
    const child = spawn("bash", ["-c", "command -v node || echo no-node"], { env: { PATH: jobPath } });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("close", () => resolveRun({ stdout }));
  });
  assert.equal(stdout.trim(), "no-node");
});

test("every step of the root action is a bash step without node or a node24 sub-action", () => {
  const steps = (parse(readFileSync(join(root, "action.yml"), "utf8")) as { runs: { steps: { uses?: string; run?: string }[] } }).runs.steps;
  for (const step of steps) {
    if (step.uses !== undefined) {
      const name = /^\.\/\.ecs-dynamic-routing-action\/actions\/([a-z-]+)$/.exec(step.uses)?.[1] as Bundle | undefined;
      assert.ok(name !== undefined && bundles.includes(name), `unexpected uses: ${step.uses}`);
      const metadata = parse(readFileSync(join(root, "actions", name, "action.yml"), "utf8")) as { runs: { using: string } };
      assert.equal(metadata.runs.using, "node24");
    } else {
      assert.doesNotMatch(step.run ?? "", /\bnode\b/);
    }
  }
});

/** Every root input set to a value naming it, so a mapped-through value shows where it came from. */
const everyInput = Object.fromEntries(rootInputs.map((name) => [name, `value-of-${name}`]));

function assertPassedThrough(bundle: Bundle, recorded: Record<string, string> | undefined): void {
  assert.ok(recorded, `${bundle} did not run`);
  for (const input of declaredInputs(bundle)) {
    const variable = `INPUT_${input.toUpperCase()}`;
    const expected = setByLifecycle[bundle][input] ?? (rootInputs.includes(input) ? `value-of-${input}` : undefined);
    if (bundle === "reap" && (input === "route" || input === "sweep")) continue; // asserted per event below
    assert.ok(expected !== undefined, `${bundle} input '${input}' has no root input to come from`);
    assert.equal(recorded[variable], expected, `${bundle} input '${input}' is not passed through`);
  }
}

test("every input of every bundle is a root input", () => {
  const missing = bundles.flatMap((bundle) =>
    declaredInputs(bundle)
      .filter((input) => !(input in setByLifecycle[bundle]) && !(bundle === "reap" && (input === "route" || input === "sweep")))
      .filter((input) => !rootInputs.includes(input))
      .map((input) => `${bundle}.${input}`),
  );
  assert.deepEqual(missing, []);
  assert.deepEqual(readdirSync(join(root, "actions")).sort(), [...bundles].sort());
});

test("push to the default branch deploys shadow, with every input", async () => {
  const { ran, recorded, run } = await runFor({ name: "push", payload: pushEvent() }, everyInput);
  assert.deepEqual(ran, ["deploy-shadow"]);
  assertPassedThrough("deploy-shadow", recorded("deploy-shadow"));
  assert.equal(run.outputs.step, "deploy-shadow");
});

test("push to another branch does nothing", async () => {
  const { ran, run } = await runFor({ name: "push", payload: pushEvent({ branch: "feature/x" }) }, everyInput);
  assert.deepEqual(ran, []);
  assert.equal(run.outputs.step, "none");
});

for (const action of ["opened", "synchronize", "reopened", "ready_for_review"]) {
  test(`pull_request ${action} deploys the PR's copy, then runs its tests`, async () => {
    const { ran, recorded, run } = await runFor({ name: "pull_request", payload: pullRequestEvent(action) }, everyInput);
    assert.deepEqual(ran, ["deploy-ephemeral", "integration-test"]);
    assertPassedThrough("deploy-ephemeral", recorded("deploy-ephemeral"));
    assertPassedThrough("integration-test", recorded("integration-test"));
    assert.equal(run.outputs.step, "deploy-ephemeral");
    assert.equal(run.outputs.route, "pr-2");
  });
}

test("pull_request without `run` deploys and runs no tests", async () => {
  const { ran } = await runFor({ name: "pull_request", payload: pullRequestEvent("opened") }, { ...everyInput, run: "" });
  assert.deepEqual(ran, ["deploy-ephemeral"]);
});

test("pull_request closed reaps that route only", async () => {
  const { ran, recorded, run } = await runFor({ name: "pull_request", payload: pullRequestEvent("closed") }, everyInput);
  assert.deepEqual(ran, ["reap"]);
  assertPassedThrough("reap", recorded("reap"));
  assert.notEqual(recorded("reap")?.INPUT_SWEEP, "true");
  // A route overridden for the deploy is the route torn down on close.
  assert.equal(recorded("reap")?.INPUT_ROUTE, "value-of-route");
  assert.equal(run.outputs.step, "reap");
});

for (const name of ["schedule", "workflow_dispatch"]) {
  test(`${name} sweeps`, async () => {
    const payload = name === "schedule" ? { schedule: "17 3 * * *" } : { ref: "refs/heads/master", inputs: {} };
    const { ran, recorded, run } = await runFor({ name, payload }, everyInput);
    assert.deepEqual(ran, ["reap"]);
    assertPassedThrough("reap", recorded("reap"));
    assert.equal(recorded("reap")?.INPUT_SWEEP, "true");
    // The sweep is not given a route: the input keeps its default, empty.
    assert.equal(recorded("reap")?.INPUT_ROUTE, "");
    assert.equal(run.outputs.step, "reap-sweep");
  });
}

test("other pull_request activity (labeled) does nothing", async () => {
  const { ran } = await runFor({ name: "pull_request", payload: pullRequestEvent("labeled") }, everyInput);
  assert.deepEqual(ran, []);
});
