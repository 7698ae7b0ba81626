import * as core from "@actions/core";
import { errorMessage, isConfigurationError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";

/** The Logger the logic talks to, backed by the runner's workflow commands. */
export const coreLogger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
  startGroup: (name) => core.startGroup(name),
  endGroup: () => core.endGroup(),
};

/** Writes a step's outputs (names from action-io.ts). */
export function writeOutputs(outputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

/** A failure that ends the step with a given exit code: the integration tests' own code is the step's. */
export class ExitCodeError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "ExitCodeError";
  }
}

/**
 * Runs an action's main: a user mistake ends the step with its one line and exit code 1;
 * anything else is a bug, reported with its stack in the debug log.
 */
export async function runAction(main: (logger: Logger) => Promise<void>): Promise<void> {
  try {
    await main(coreLogger);
  } catch (error) {
    if (!isConfigurationError(error) && error instanceof Error && error.stack !== undefined) {
      core.debug(error.stack);
    }
    core.setFailed(errorMessage(error).split("\n")[0] ?? "failed");
    if (error instanceof ExitCodeError && Number.isInteger(error.exitCode) && error.exitCode > 0) {
      process.exitCode = error.exitCode;
    }
    const rest = errorMessage(error).split("\n").slice(1).join("\n");
    if (rest !== "") {
      core.info(rest);
    }
  }
}
