import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { Logger } from "../common/logger.js";
import { commandEnvironment, runCommand } from "../integration/command.js";
import { hookEnvironment, parseRouteEnvFile, type HookName, type HookRoute } from "./hook-environment.js";

/** How many of a failed hook's last output lines go into the error and the pull-request comment. */
export const HOOK_TAIL_LINES = 20;
const TAIL_LINE_MAX_LENGTH = 300;
/** Variables whose values are secrets by their names; their values never leave the log. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_KEY|SESSION|DATABASE_URL|DSN|CONNECTION_STRING/i;
const SECRET_MIN_LENGTH = 4;
const KEPT_OUTPUT_CHARACTERS = 64 * 1024;

/** A hook that exited with a code other than 0: what the step's error and the comment show. */
export class HookFailure extends Error {
  constructor(
    readonly hook: HookName,
    readonly exitCode: number,
    /** The hook's last output lines, secrets of its environment replaced by `***`. */
    readonly tail: readonly string[],
    consequence: string,
  ) {
    // The first line is the step's error annotation: it carries the last output line too.
    const last = tail.findLast((line) => line.trim() !== "");
    super(
      [
        `${hook} exited with code ${exitCode}${last === undefined ? "" : ` (last output: ${last.trim()})`}; ${consequence}`,
        ...(tail.length > 0 ? [`last ${tail.length} line(s) of its output:`, ...tail] : []),
      ].join("\n"),
    );
    this.name = "HookFailure";
  }
}

/**
 * Pure: the last `count` lines of `output`, each cut to a readable length, with the value of every
 * variable of `environment` whose name says it is a secret replaced by `***`. The log masks the
 * job's secrets; a pull-request comment does not, so the tail is scrubbed before it goes there.
 */
export function outputTail(output: string, environment: Readonly<Record<string, string>>, count = HOOK_TAIL_LINES): string[] {
  const secrets = Object.entries(environment)
    .filter(([name, value]) => SECRET_NAME.test(name) && value.length >= SECRET_MIN_LENGTH)
    .map(([, value]) => value)
    .sort((a, b) => b.length - a.length);
  const text = output.replace(/\r\n?/g, "\n").replace(/\n+$/, "");
  if (text === "") return [];
  return text
    .split("\n")
    .slice(-count)
    .map((line) => {
      const scrubbed = secrets.reduce((text, secret) => text.split(secret).join("***"), line);
      return scrubbed.length > TAIL_LINE_MAX_LENGTH ? `${scrubbed.slice(0, TAIL_LINE_MAX_LENGTH)}…` : scrubbed;
    });
}

export interface HookOutcome {
  exitCode: number;
  tail: string[];
  /** on-deploy only: the overrides it wrote to $ROUTE_ENV_FILE (checked). */
  overrides: Record<string, string>;
}

export interface RunHookOptions {
  /** The workspace: where the hook runs. */
  cwd: string;
  /** The job's environment; the hook gets it without the action's inputs, plus the route's. */
  jobEnvironment: NodeJS.ProcessEnv;
  /** Where the script and $ROUTE_ENV_FILE live while the hook runs (the runner's RUNNER_TEMP). */
  tempDir?: string;
  logger: Logger;
}

/** Where a step runs its hooks: the workspace, the job's environment, the runner's temporary directory. */
export function workspaceHookOptions(env: NodeJS.ProcessEnv, logger: Logger): RunHookOptions {
  return { cwd: env.GITHUB_WORKSPACE || process.cwd(), jobEnvironment: env, tempDir: env.RUNNER_TEMP || undefined, logger };
}

/**
 * Runs a hook's shell command as a `run:` step runs (bash, -e, pipefail) in the workspace, with the
 * route's variables; on-deploy also gets ROUTE_ENV_FILE, an empty file whose NAME=value lines
 * become overrides. Returns the exit code; a hook that fails is the caller's to report.
 */
export async function runHook(script: string, route: HookRoute, options: RunHookOptions): Promise<HookOutcome> {
  const dir = mkdtempSync(join(options.tempDir ?? tmpdir(), `${route.hook}-`));
  try {
    const envFile = join(dir, "route.env");
    const variables = hookEnvironment(route);
    if (route.hook === "on-deploy") {
      writeFileSync(envFile, "", { mode: 0o600 });
      variables.ROUTE_ENV_FILE = envFile;
    }
    const env = commandEnvironment(options.jobEnvironment, variables);
    options.logger.info(`${route.hook}: running for route ${route.route} (services: ${route.services.join(", ") || "none"})`);
    // Only the end of the output is kept: a chatty hook must not fill the action's memory.
    const decoder = new StringDecoder("utf8");
    let recent = "";
    const run = await runCommand(script, {
      cwd: options.cwd,
      env,
      tempDir: dir,
      onOutput: (chunk) => {
        recent = (recent + decoder.write(chunk)).slice(-KEPT_OUTPUT_CHARACTERS);
      },
    });
    const tail = outputTail(recent + decoder.end(), env);
    const overrides = run.exitCode === 0 && route.hook === "on-deploy" ? parseRouteEnvFile(readFileSync(envFile, "utf8")) : {};
    options.logger.info(`${route.hook}: exit code ${run.exitCode} after ${(run.durationMs / 1000).toFixed(1)} s`);
    return { exitCode: run.exitCode, tail, overrides };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
