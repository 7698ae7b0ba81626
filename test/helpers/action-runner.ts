// Runs a committed bundle (dist/<name>/index.js) the way the Actions runner does: INPUT_* variables,
// GITHUB_EVENT_PATH with a webhook payload, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { SOURCE_HASH_FILE, sourceHash } from "../../scripts/source-hash.js";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface BundleRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The messages of `::error::` workflow commands, in order. */
  errors: string[];
  /** The messages of `::warning::` workflow commands, in order. */
  warnings: string[];
  /** Killed by `killAfterMs` or `killWhen` before it ended. */
  killed: boolean;
}

export interface BundleRunOptions {
  inputs?: Record<string, string>;
  /** The webhook payload, or a string written to the event file as it is (a broken file). */
  event?: { name: string; payload: Record<string, unknown> | string };
  /** Extra or overriding environment variables; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** SIGKILL the process this long after its start, as a cancelled job or a lost runner would. */
  killAfterMs?: number;
  /** When this settles, the process is killed (SIGKILL), as a cancelled or crashed runner would end it. */
  killWhen?: Promise<unknown>;
  /** Sends `signal` once `when` resolves, as the runner does when a step is cancelled (SIGINT) or times out. */
  interrupt?: { signal: NodeJS.Signals; when: Promise<unknown> };
  /** Sees stdout as it comes (e.g. to time when a line reaches the step log). */
  onStdout?: (chunk: string) => void;
}

const repositoryRoot = resolve(import.meta.dirname, "..", "..");
let currentSourceHash: string | undefined;

/** Throws unless dist/<name> was built from the sources as they are now (see scripts/source-hash.ts). */
export function assertFreshBundle(name: string): void {
  currentSourceHash ??= sourceHash(repositoryRoot);
  const hashFile = join(repositoryRoot, "dist", name, SOURCE_HASH_FILE);
  const built = existsSync(hashFile) ? readFileSync(hashFile, "utf8").trim() : undefined;
  if (built !== currentSourceHash) {
    throw new Error(`dist/${name} was not built from the current src/: run 'npm run build' before these tests`);
  }
}

/** The runner's defaults for a workflow in Codertocat/Hello-World (the webhook examples' repository). */
export function runnerEnvironment(workDir: string): Record<string, string> {
  return {
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: "Codertocat/Hello-World",
    GITHUB_SHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    GITHUB_REF: "refs/heads/main",
    GITHUB_RUN_ID: "1",
    GITHUB_WORKFLOW: "dynamic-routing",
    GITHUB_SERVER_URL: "https://github.com",
    RUNNER_TEMP: workDir,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "emulator-secret-key",
  };
}

export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc !== null) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (index++; index < lines.length && lines[index] !== delimiter; index++) {
        value.push(lines[index] as string);
      }
      outputs[name] = value.join("\n");
    } else if (line.includes("=")) {
      const at = line.indexOf("=");
      outputs[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return outputs;
}

function commandMessages(stdout: string, command: string): string[] {
  const prefix = `::${command}`;
  return stdout
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(line.indexOf("::", prefix.length) + 2).replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%25/g, "%"));
}

export async function runBundle(name: string, options: BundleRunOptions = {}): Promise<BundleRun> {
  assertFreshBundle(name);
  const workDir = mkdtempSync(join(tmpdir(), `run-${name}-`));
  const outputPath = join(workDir, "output");
  const summaryPath = join(workDir, "summary");
  writeFileSync(outputPath, "");
  writeFileSync(summaryPath, "");
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...runnerEnvironment(workDir),
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
  };
  if (options.event !== undefined) {
    const eventPath = join(workDir, "event.json");
    writeFileSync(eventPath, typeof options.event.payload === "string" ? options.event.payload : JSON.stringify(options.event.payload));
    env.GITHUB_EVENT_PATH = eventPath;
    env.GITHUB_EVENT_NAME = options.event.name;
  }
  for (const [input, value] of Object.entries(options.inputs ?? {})) {
    env[`INPUT_${input.replace(/ /g, "_").toUpperCase()}`] = value;
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    env[key] = value;
  }
  const definedEnv = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));

  const child = spawn(process.execPath, [join(repositoryRoot, "dist", name, "index.js")], {
    cwd: options.cwd ?? workDir,
    env: definedEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(chunk.toString());
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let killed = false;
  const killer =
    options.killAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          killed = child.kill("SIGKILL");
        }, options.killAfterMs);
  void options.killWhen?.then(() => {
    killed = child.kill("SIGKILL");
  });
  const closed = new Promise<number>((resolveExit) => child.on("close", (code) => resolveExit(code ?? 1)));
  void options.interrupt?.when.then(() => child.exitCode === null && child.kill(options.interrupt?.signal));
  const exitCode = await closed;
  clearTimeout(killer);
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputPath, "utf8")),
    summary: readFileSync(summaryPath, "utf8"),
    errors: commandMessages(stdout, "error"),
    warnings: commandMessages(stdout, "warning"),
    killed,
  };
}
