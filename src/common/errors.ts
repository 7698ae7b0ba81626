/**
 * A mistake in what the user gave us (an input, the cluster's contents, the event).
 * Actions print it as the single failure line and exit 1; anything else is a bug and is
 * reported with its stack. The message says what is wrong and how to fix it; the input it is in
 * is kept apart, and joined to the message only where the error is printed (errorMessage).
 */
export class ConfigurationError extends Error {
  /** The action input the mistake is in, when there is one (e.g. `services`). */
  readonly input: string | undefined;

  constructor(message: string, input?: string) {
    super(message);
    this.name = "ConfigurationError";
    this.input = input;
  }
}

export function isConfigurationError(error: unknown): error is ConfigurationError {
  return error instanceof ConfigurationError;
}

/**
 * The text a person reads for any thrown value, without its stack: a ConfigurationError's input
 * first (`Input 'services': item 2: …`), so the line says where to fix it.
 */
export function errorMessage(error: unknown): string {
  if (isConfigurationError(error) && error.input !== undefined) return `Input '${error.input}': ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
