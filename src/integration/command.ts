import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec } from "@actions/exec";

export interface CommandRun {
  exitCode: number;
  durationMs: number;
}

/**
 * What the runner gives a JavaScript action but not a `run:` step: the action's INPUT_* variables and
 * its internal tokens and service URLs (artifacts and cache, the results service, OIDC tokens for
 * any audience). Code under test must not inherit them.
 */
const ACTION_ONLY_VARIABLE = /^(INPUT_|ACTIONS_ID_TOKEN_REQUEST_|ACTIONS_RUNTIME_(TOKEN|URL)$|ACTIONS_CACHE_(URL|SERVICE_V2)$|ACTIONS_RESULTS_URL$)/;

/** The job's environment for the command, as a `run:` step would see it, plus the routing variables. */
export function commandEnvironment(jobEnvironment: NodeJS.ProcessEnv, routing: Record<string, string>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(jobEnvironment)) {
    if (value !== undefined && !ACTION_ONLY_VARIABLE.test(name)) environment[name] = value;
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
