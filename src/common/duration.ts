import { ConfigurationError } from "./errors.js";

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The longest ttl or max-age: a year, far below what a Date can hold. */
const MAX_DURATION = "365d";
const MAX_DURATION_MS = 365 * 86_400_000;

/**
 * Parses a duration such as `90m`, `36h`, `7d` or `1d12h` into milliseconds.
 * A bare number is not accepted: `72` could mean hours or seconds, so the unit is required.
 */
export function parseDuration(text: string, input: string): number {
  const trimmed = text.trim();
  const pattern = /^(?:(\d+)([smhdw]))+$/;
  if (!pattern.test(trimmed)) {
    throw new ConfigurationError(
      `'${text}' is not a duration; write a number with a unit s, m, h, d or w, e.g. 72h or 7d`,
      input,
    );
  }
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+)([smhdw])/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  if (total <= 0) {
    throw new ConfigurationError(`'${text}' must be longer than zero`, input);
  }
  if (!(total <= MAX_DURATION_MS)) {
    throw new ConfigurationError(`'${text}' is longer than ${MAX_DURATION}; give at most ${MAX_DURATION} (e.g. 72h or 30d)`, input);
  }
  return total;
}

/**
 * How durations are written:
 * - `seconds`: a bare number of seconds with at most one decimal (`12.3`, `4`): outputs and logs
 *   whose unit is named beside them;
 * - `seconds-column`: always one decimal and the unit (`4.0 s`): a table column that lines up;
 * - `readable`: seconds under a minute, minutes above (`0.6 s`, `15 min`): error lines.
 */
export type DurationFormat = "seconds" | "seconds-column" | "readable";

export function formatDuration(ms: number, format: DurationFormat): string {
  switch (format) {
    case "seconds":
      return String(Math.round(ms / 100) / 10);
    case "seconds-column":
      return `${(ms / 1000).toFixed(1)} s`;
    case "readable":
      return ms < 60_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Number((ms / 60_000).toFixed(1))} min`;
  }
}
