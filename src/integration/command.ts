import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec } from "@actions/exec";

export interface CommandRun {
  exitCode: number;
  durationMs: number;
}

/**
 * The job's environment for the command, plus the routing variables. The action's own INPUT_*
 * variables are left out: a `run:` step on the runner does not see them either.
 */
export function commandEnvironment(jobEnvironment: NodeJS.ProcessEnv, routing: Record<string, string>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(jobEnvironment)) {
    if (value !== undefined && !name.startsWith("INPUT_")) environment[name] = value;
  }
  return { ...environment, ...routing };
}

/**
 * Runs `script` the way the runner runs a `run:` step with `shell: bash` (a script file,
 * `bash --noprofile --norc -eo pipefail`), its output streamed live into the log.
 */
export async function runCommand(
  script: string,
  options: {
    cwd: string;
    env: Record<string, string>;
    tempDir?: string;
    now?: () => number;
    /** Sees every chunk of the command's stdout and stderr, besides the log. */
    onOutput?: (chunk: Buffer) => void;
  },
): Promise<CommandRun> {
  const now = options.now ?? Date.now;
  const dir = mkdtempSync(join(options.tempDir ?? tmpdir(), "integration-test-"));
  const file = join(dir, "run.sh");
  writeFileSync(file, script, { mode: 0o700 });
  const started = now();
  try {
    const exitCode = await exec("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
      cwd: options.cwd,
      env: options.env,
      ignoreReturnCode: true,
      ...(options.onOutput !== undefined ? { listeners: { stdout: options.onOutput, stderr: options.onOutput } } : {}),
    });
    return { exitCode, durationMs: now() - started };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
