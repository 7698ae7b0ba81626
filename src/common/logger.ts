/** What the logic may say; actions pass one backed by @actions/core, tests a recording one. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/** A logger that keeps every line, for tests and for callers that report later. */
export class MemoryLogger implements Logger {
  readonly lines: { level: "debug" | "info" | "warning" | "error"; message: string }[] = [];
  debug(message: string): void {
    this.lines.push({ level: "debug", message });
  }
  info(message: string): void {
    this.lines.push({ level: "info", message });
  }
  warning(message: string): void {
    this.lines.push({ level: "warning", message });
  }
  error(message: string): void {
    this.lines.push({ level: "error", message });
  }
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
};
