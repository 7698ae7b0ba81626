// Runs a composite action.yml the way the runner does: each step's `if:` evaluated with GitHub's
// expression semantics (@actions/expressions), `${{ }}` in env rendered, `run:` executed with
// `bash --noprofile --norc -eo pipefail`, step outputs read from GITHUB_OUTPUT, action outputs evaluated.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";
import { parse } from "yaml";
import { parseOutputFile } from "./action-runner.js";

interface CompositeStep {
  id?: string;
  if?: string;
  shell?: string;
  run: string;
  env?: Record<string, string>;
}

interface CompositeAction {
  inputs?: Record<string, { default?: string }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: CompositeStep[] };
}

export interface StepResult {
  id: string;
  outcome: "success" | "failure" | "skipped";
  exitCode?: number;
  env?: Record<string, string>;
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
}

function evaluate(expression: string, context: Record<string, unknown>): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const tree = new Parser(lexed.tokens, Object.keys(context), []).parse();
  const dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(tree, dictionary).evaluate();
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

async function runBash(script: string, env: Record<string, string>, cwd: string): Promise<{ exitCode: number; stdout: string }> {
  const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const exitCode = await new Promise<number>((resolveExit) => child.on("close", (code) => resolveExit(code ?? 1)));
  return { exitCode, stdout };
}

export async function runComposite(actionFile: string, options: CompositeRunOptions): Promise<CompositeRun> {
  const action = parse(readFileSync(actionFile, "utf8")) as CompositeAction;
  if (action.runs.using !== "composite") throw new Error(`${actionFile} is not a composite action`);
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
    // A condition without a status function gets the runner's implicit success().
    const runs = !failed && (step.if === undefined || truthy(evaluate(step.if.replace(/^\$\{\{([\s\S]*)\}\}$/, "$1"), context)));
    if (!runs) {
      steps[id] = { outcome: "skipped", conclusion: "skipped", outputs: {} };
      results.push({ id, outcome: "skipped", outputs: {} });
      continue;
    }
    const workDir = mkdtempSync(join(tmpdir(), `step-${id}-`));
    const outputPath = join(workDir, "output");
    writeFileSync(outputPath, "");
    const stepEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(step.env ?? {})) stepEnv[key] = render(String(value), context);
    const env = { ...options.env, ...stepEnv, GITHUB_ACTION_PATH: options.actionPath, GITHUB_OUTPUT: outputPath };
    const { exitCode, stdout } = await runBash(render(step.run, context), env, options.env.GITHUB_WORKSPACE ?? workDir);
    const outputs = parseOutputFile(readFileSync(outputPath, "utf8"));
    const outcome = exitCode === 0 ? "success" : "failure";
    failed ||= exitCode !== 0;
    steps[id] = { outcome, conclusion: outcome, outputs };
    results.push({ id, outcome, exitCode, env: stepEnv, stdout, outputs });
  }
  const context = { ...baseContext, inputs, steps };
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(action.outputs ?? {})) outputs[name] = render(output.value, context);
  return { steps: results, outputs };
}
