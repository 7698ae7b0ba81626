// Runs a composite action.yml the way the runner does: each step's `if:` evaluated with GitHub's
// expression semantics (@actions/expressions), `${{ }}` in env and with rendered, `run:` executed with
// `bash --noprofile --norc -eo pipefail` and the job's PATH, a local `uses: ./x` loaded from the
// workspace (where the runner resolves it) and, as a `node24` JavaScript action, started with the
// runner's own Node (this process's) and INPUT_* from `with:` and the action's input defaults; step
// outputs read from GITHUB_OUTPUT, action outputs evaluated.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { parse } from "yaml";
import { assertFreshBundle, parseOutputFile } from "./action-runner.js";

interface CompositeStep {
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

interface ActionMetadata {
  inputs?: Record<string, { default?: string }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; main?: string; steps?: CompositeStep[] };
}

export interface StepResult {
  id: string;
  outcome: "success" | "failure" | "skipped";
  exitCode?: number;
  env?: Record<string, string>;
  /** The INPUT_* variables a `uses:` step's action was started with. */
  inputs?: Record<string, string>;
  stdout?: string;
  outputs: Record<string, string>;
}

export interface CompositeRun {
  steps: StepResult[];
  outputs: Record<string, string>;
}

export interface CompositeRunOptions {
  /** The `github` context: event_name, event, ref, token, … */
  github: Record<string, unknown>;
  /** The `with:` of the workflow step. */
  with?: Record<string, string>;
  /** The process environment the steps inherit. */
  env: Record<string, string>;
  /** GITHUB_ACTION_PATH: the folder of the action. */
  actionPath: string;
  /** GITHUB_WORKSPACE: where `run:` steps start and local `uses: ./x` actions are found. */
  workspace: string;
}

const STATUS_FUNCTIONS = ["success", "failure", "always", "cancelled"] as const;

/** The job-status functions of an `if:`, given whether an earlier step failed (nothing is cancelled here). */
function statusFunctions(failed: boolean): Map<string, FunctionDefinition> {
  const value = { success: !failed, failure: failed, always: true, cancelled: false };
  return new Map(
    STATUS_FUNCTIONS.map((name) => [name, { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value[name]) }]),
  );
}

function evaluate(expression: string, context: Record<string, unknown>, failed = false): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const functions = statusFunctions(failed);
  const tree = new Parser(lexed.tokens, Object.keys(context), [...functions.values()]).parse();
  const dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(tree, dictionary, functions).evaluate();
}

/** Whether a step runs: a condition without a status function gets the runner's implicit success(). */
function stepRuns(condition: string | undefined, context: Record<string, unknown>, failed: boolean): boolean {
  if (condition === undefined) return !failed;
  const expression = condition.replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
  const hasStatus = new RegExp(`\\b(${STATUS_FUNCTIONS.join("|")})\\s*\\(`).test(expression);
  return (hasStatus || !failed) && truthy(evaluate(expression, context, failed));
}

/** Replaces every `${{ expr }}` in a value with the expression's string value. */
function render(template: string, context: Record<string, unknown>): string {
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    evaluate(expression.trim(), context).coerceString(),
  );
}

function truthy(value: data.ExpressionData): boolean {
  switch (value.kind) {
    case data.Kind.Null:
      return false;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Number:
      return (value as data.NumberData).value !== 0;
    case data.Kind.String:
      return (value as data.StringData).value !== "";
    default:
      return true;
  }
}

async function runProcess(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<{ exitCode: number; stdout: string }> {
  const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const exitCode = await new Promise<number>((resolveExit, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolveExit(code ?? 1));
  });
  return { exitCode, stdout };
}

/** `bash` found on the job's PATH, as the runner looks it up for `shell: bash`. */
function findOnPath(command: string, path: string): string {
  for (const dir of path.split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, command))) return join(dir, command);
  }
  throw new Error(`${command} is not on the job's PATH`);
}

/**
 * A `uses: ./x` step: the runner reads x/action.yml from the workspace and starts a node24 action
 * with its own Node; INPUT_<NAME> for every declared input (the `with:` value, else the default).
 */
async function runLocalAction(step: CompositeStep, context: Record<string, unknown>, env: Record<string, string>, workspace: string) {
  const uses = step.uses as string;
  if (!uses.startsWith("./")) throw new Error(`only local actions are supported here, not ${uses}`);
  const directory = join(workspace, uses);
  const metadata = parse(readFileSync(join(directory, "action.yml"), "utf8")) as ActionMetadata;
  if (metadata.runs.using !== "node24" || metadata.runs.main === undefined) {
    throw new Error(`${uses} is not a node24 JavaScript action (runs.using: ${metadata.runs.using})`);
  }
  const declared = metadata.inputs ?? {};
  const unexpected = Object.keys(step.with ?? {}).filter((name) => !(name in declared));
  // The runner only warns about these; here they are a mistake in action.yml.
  if (unexpected.length > 0) throw new Error(`${uses}: unexpected input(s) ${unexpected.join(", ")}`);
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(declared)) {
    const given = step.with?.[name];
    inputs[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = given === undefined ? render(input.default ?? "", context) : render(String(given), context);
  }
  const actionEnv = { ...env, ...inputs, GITHUB_ACTION_PATH: directory };
  const bundle = /dist\/([^/]+)\/index\.js$/.exec(metadata.runs.main)?.[1];
  if (bundle !== undefined) assertFreshBundle(bundle);
  return { inputs, ...(await runProcess(process.execPath, [join(directory, metadata.runs.main)], actionEnv, workspace)) };
}

export async function runComposite(actionFile: string, options: CompositeRunOptions): Promise<CompositeRun> {
  const action = parse(readFileSync(actionFile, "utf8")) as ActionMetadata;
  if (action.runs.using !== "composite" || action.runs.steps === undefined) throw new Error(`${actionFile} is not a composite action`);
  const baseContext = { github: options.github, env: options.env, runner: { os: "Linux", temp: tmpdir() } };
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    inputs[name] = options.with?.[name] ?? render(input.default ?? "", baseContext);
  }
  const steps: Record<string, { outcome: string; conclusion: string; outputs: Record<string, string> }> = {};
  const results: StepResult[] = [];
  let failed = false;
  for (const [index, step] of action.runs.steps.entries()) {
    const id = step.id ?? `__${index}`;
    const context = { ...baseContext, inputs, steps };
    if (!stepRuns(step.if, context, failed)) {
      steps[id] = { outcome: "skipped", conclusion: "skipped", outputs: {} };
      results.push({ id, outcome: "skipped", outputs: {} });
      continue;
    }
    const workDir = mkdtempSync(join(tmpdir(), `step-${id}-`));
    const outputPath = join(workDir, "output");
    writeFileSync(outputPath, "");
    const stepEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(step.env ?? {})) stepEnv[key] = render(String(value), context);
    const env: Record<string, string> = { ...options.env, ...stepEnv, GITHUB_WORKSPACE: options.workspace, GITHUB_OUTPUT: outputPath };
    let run: { exitCode: number; stdout: string; inputs?: Record<string, string> };
    if (step.uses !== undefined) {
      run = await runLocalAction(step, context, env, options.workspace);
    } else if (step.run !== undefined && step.shell === "bash") {
      const script = render(step.run, context);
      const bash = findOnPath("bash", env.PATH ?? "");
      run = await runProcess(bash, ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { ...env, GITHUB_ACTION_PATH: options.actionPath }, options.workspace);
    } else {
      throw new Error(`step ${id}: neither \`uses\` nor a bash \`run\``);
    }
    const { exitCode, stdout } = run;
    const outputs = parseOutputFile(readFileSync(outputPath, "utf8"));
    const outcome = exitCode === 0 ? "success" : "failure";
    failed ||= exitCode !== 0;
    steps[id] = { outcome, conclusion: outcome, outputs };
    results.push({ id, outcome, exitCode, env: stepEnv, ...(run.inputs !== undefined ? { inputs: run.inputs } : {}), stdout, outputs });
  }
  const context = { ...baseContext, inputs, steps };
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(action.outputs ?? {})) outputs[name] = render(output.value, context);
  return { steps: results, outputs };
}
