import * as core from "@actions/core";
import { ConfigurationError } from "../common/errors.js";
import { parseDuration } from "../common/duration.js";
import type { InputName } from "./action-io.js";

/**
 * Typed access to action inputs, by the names in action-io.ts; every parse failure is a ConfigurationError naming the input.
 * Empty means "not given", as on the runner, where an unset input arrives as "".
 */
export class Inputs {
  constructor(
    private readonly read: (name: string) => string = (name) => core.getInput(name),
    /** Whether the input was passed at all (the runner sets INPUT_<NAME>, to its default when it has one). */
    private readonly passed: (name: string) => boolean = (name) => process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] !== undefined,
  ) {}

  optionalString(name: InputName): string | undefined {
    const value = this.read(name).trim();
    return value === "" ? undefined : value;
  }

  string(name: InputName, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  /**
   * Like `string`, but an input passed empty is a mistake, not the fallback: on the runner an input
   * with a default arrives empty only when the workflow wrote it so (e.g. an unset `${{ vars.X }}`).
   */
  stringNotEmpty(name: InputName, fallback: string, hint: string): string {
    const value = this.optionalString(name);
    if (value === undefined && this.passed(name)) {
      throw new ConfigurationError(`is empty; ${hint}`, name);
    }
    return value ?? fallback;
  }

  /** An optional http(s) URL; credentials in it would be shown wherever it is. */
  httpUrl(name: InputName, example: string): string | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.username !== "" || url.password !== "") {
      throw new ConfigurationError(`'${value}' is not an http(s) URL without credentials; give one such as ${example}`, name);
    }
    return value;
  }

  requiredString(name: InputName, hint: string): string {
    const value = this.optionalString(name);
    if (value === undefined) {
      throw new ConfigurationError(`is required; ${hint}`, name);
    }
    return value;
  }

  /** Multi-line or YAML text, kept as written. */
  text(name: InputName): string | undefined {
    const value = this.read(name);
    return value.trim() === "" ? undefined : value;
  }

  boolean(name: InputName, fallback: boolean): boolean {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    if (/^(true|yes|on)$/i.test(value)) return true;
    if (/^(false|no|off)$/i.test(value)) return false;
    throw new ConfigurationError(`'${value}' is not a boolean; write true or false`, name);
  }

  integer(name: InputName, fallback: number, range: { min: number; max: number }): number {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < range.min || Number(value) > range.max) {
      throw new ConfigurationError(`'${value}' must be a whole number from ${range.min} to ${range.max}`, name);
    }
    return Number(value);
  }

  /** Like `integer` but a fractional number is accepted (e.g. minutes: 2.5). */
  number(name: InputName, fallback: number, range: { min: number; max: number }): number {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    // Digits only: Number() would also take 0x10 (16), 1e3 and Infinity.
    const parsed = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (!(parsed >= range.min && parsed <= range.max)) {
      throw new ConfigurationError(`'${value}' must be a number written in decimal digits (e.g. 2.5) from ${range.min} to ${range.max}`, name);
    }
    return parsed;
  }

  /** A duration such as `72h` or `7d`, in milliseconds. */
  duration(name: InputName, fallback: string): number {
    return parseDuration(this.string(name, fallback), name);
  }

  /** One of the listed choices, case-insensitively. */
  choice<T extends string>(name: InputName, choices: readonly T[], fallback: T): T {
    const value = this.optionalString(name);
    if (value === undefined) return fallback;
    const found = choices.find((choice) => choice.toLowerCase() === value.toLowerCase());
    if (found === undefined) {
      throw new ConfigurationError(`'${value}' must be one of ${choices.join(", ")}`, name);
    }
    return found;
  }

  /** A newline- or comma-separated list. */
  list(name: InputName): string[] {
    return (this.read(name) ?? "")
      .split(/[\n,]/)
      .map((item) => item.trim())
      .filter((item) => item !== "");
  }
}
