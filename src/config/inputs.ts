import * as core from "@actions/core";
import { ConfigurationError } from "../common/errors.js";
import { parseDuration } from "../common/duration.js";

/**
 * Typed access to action inputs; every parse failure is a ConfigurationError naming the input.
 * Empty means "not given", as on the runner, where an unset input arrives as "".
 */
export class Inputs {
  constructor(private readonly read: (name: string) => string = (name) => core.getInput(name)) {}

  optionalString(name: string): string | undefined {
    const value = this.read(name).trim();
    return value === "" ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  requiredString(name: string, hint: string): string {
    const value = this.optionalString(name);
    if (value === undefined) {
      throw new ConfigurationError(`is required; ${hint}`, name);
    }
    return value;
  }

  /** Multi-line or YAML text, kept as written. */
  text(name: string): string | undefined {
    const value = this.read(name);
    return value.trim() === "" ? undefined : value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    if (/^(true|yes|on)$/i.test(value)) return true;
    if (/^(false|no|off)$/i.test(value)) return false;
    throw new ConfigurationError(`'${value}' is not a boolean; write true or false`, name);
  }

  integer(name: string, fallback: number, range: { min: number; max: number }): number {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < range.min || Number(value) > range.max) {
      throw new ConfigurationError(`'${value}' must be a whole number from ${range.min} to ${range.max}`, name);
    }
    return Number(value);
  }

  /** Like `integer` but a fractional number is accepted (e.g. minutes: 2.5). */
  number(name: string, fallback: number, range: { min: number; max: number }): number {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < range.min || parsed > range.max) {
      throw new ConfigurationError(`'${value}' must be a number from ${range.min} to ${range.max}`, name);
    }
    return parsed;
  }

  /** A duration such as `72h` or `7d`, in milliseconds. */
  duration(name: string, fallback: string): number {
    return parseDuration(this.string(name, fallback), name);
  }

  /** One of the listed choices, case-insensitively. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    const found = choices.find((choice) => choice.toLowerCase() === value.toLowerCase());
    if (found === undefined) {
      throw new ConfigurationError(`'${value}' must be one of ${choices.join(", ")}`, name);
    }
    return found;
  }

  /** A newline- or comma-separated list. */
  list(name: string): string[] {
    return (this.read(name) ?? "")
      .split(/[\n,]/)
      .map((item) => item.trim())
      .filter((item) => item !== "");
  }
}
