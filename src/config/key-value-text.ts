import { parse as parseYaml } from "yaml";
import { ConfigurationError, errorMessage } from "../common/errors.js";

const KEY_VALUE_LINE = /^\s*([^=\s][^=]*?)\s*=(.*)$/;

/**
 * Pure: a map written as `key=value` lines (blank and `#` lines skipped) or as a YAML map, the two
 * forms the `tags` and `environment` inputs accept. `what` names an entry in errors ("tag").
 * Values are strings as written; a YAML list or map as a value is refused.
 */
export function parseKeyValueText(text: string | undefined, input: string, what: string): Map<string, string> {
  // A Map, not an object literal: keys such as `toString` or `__proto__` are entries like any other.
  const entries = new Map<string, string>();
  if (text === undefined || text.trim() === "") return entries;
  const lines = text.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
  if (lines.every((line) => KEY_VALUE_LINE.test(line))) {
    for (const line of lines) {
      const [, key, value] = KEY_VALUE_LINE.exec(line) as unknown as [string, string, string];
      if (entries.has(key)) throw new ConfigurationError(`${what} '${key}' is given twice`, input);
      entries.set(key, value.trim());
    }
    return entries;
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigurationError(`is neither key=value lines nor a YAML map (${errorMessage(error).split("\n")[0] ?? ""})`, input);
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new ConfigurationError(`must be key=value lines or a YAML map, e.g. '${what === "tag" ? "team=payments" : "LOG_LEVEL=debug"}'`, input);
  }
  return yamlMapEntries(document as Record<string, unknown>, input, what, "");
}

/** The entries of a parsed YAML map with plain values (null is ""); `where` prefixes errors. */
export function yamlMapEntries(map: Record<string, unknown>, input: string, what: string, where: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [key, value] of Object.entries(map)) {
    if (value !== null && typeof value === "object") {
      throw new ConfigurationError(`${where}${what} '${key}' must have a plain value, not a list or map`, input);
    }
    entries.set(key, value === null || value === undefined ? "" : String(value));
  }
  return entries;
}
