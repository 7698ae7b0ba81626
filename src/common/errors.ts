/**
 * A mistake in what the user gave us (an input, the cluster's contents, the event).
 * Actions print its message as the single failure line and exit 1; anything else is a bug
 * and is reported with its stack.
 */
export class ConfigurationError extends Error {
  /** The action input the mistake is in, when there is one (e.g. `services`). */
  readonly input: string | undefined;

  constructor(message: string, input?: string) {
    super(input === undefined ? message : `Input '${input}': ${message}`);
    this.name = "ConfigurationError";
    this.input = input;
  }
}

export function isConfigurationError(error: unknown): error is ConfigurationError {
  return error instanceof ConfigurationError;
}

/** The message of any thrown value, without its stack. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
