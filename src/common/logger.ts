/** What the logic may say; actions pass one backed by @actions/core, tests a recording one. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** Starts a foldable group of lines (a `::group::` in the runner's log); groups do not nest. */
  startGroup(name: string): void;
  endGroup(): void;
}

/** `body` inside a group named `name`, closed however `body` ends. */
export async function inGroup<T>(logger: Logger, name: string, body: () => Promise<T>): Promise<T> {
  logger.startGroup(name);
  try {
    return await body();
  } finally {
    logger.endGroup();
  }
}

type Level = "debug" | "info" | "warning" | "error";

/** A logger that keeps every line, for tests and for callers that report later. */
export class MemoryLogger implements Logger {
  readonly lines: { level: Level; message: string; group: string | undefined }[] = [];
  private group: string | undefined;
  debug(message: string): void {
    this.add("debug", message);
  }
  info(message: string): void {
    this.add("info", message);
  }
  warning(message: string): void {
    this.add("warning", message);
  }
  error(message: string): void {
    this.add("error", message);
  }
  startGroup(name: string): void {
    this.group = name;
  }
  endGroup(): void {
    this.group = undefined;
  }
  private add(level: Level, message: string): void {
    this.lines.push({ level, message, group: this.group });
  }
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  startGroup: () => undefined,
  endGroup: () => undefined,
};
