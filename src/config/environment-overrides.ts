import { ConfigurationError } from "../common/errors.js";

/** What a value may refer to; `{number}` and `{branch}` exist only when the deploy has them. */
export const PLACEHOLDERS = ["route", "number", "branch", "service"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
/** Every deploy has a route and a service; a pull request number and a branch only some. */
export interface PlaceholderValues {
  route: string;
  service: string;
  number: string | undefined;
  branch: string | undefined;
}

/**
 * Environment variable names: letters, digits, `_`, `.` and `-`, not starting with a digit. ECS
 * itself takes any string, but a name with `=`, spaces or a leading digit cannot be set or read by
 * the shells and runtimes the copies run, so it is refused here rather than silently lost.
 */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const VARIABLE_NAME_MAX_LENGTH = 255;
/** Set by the action on every copy: the route's identity, never the user's to replace. */
const RESERVED_VARIABLES = ["ROUTE_VERSION"];
/** A Secrets Manager secret or an SSM parameter, which belong in the task definition's `secrets`. */
const SECRET_ARN = /arn:aws[a-z-]*:(secretsmanager|ssm):/i;
/** `{name}`, but not `${name}`: a value the application expands itself is left as written. */
const PLACEHOLDER = /(?<!\$)\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

/** Variables for one copy's routed container, values as written (placeholders unresolved). */
export type EnvironmentTemplate = Readonly<Record<string, string>>;

/**
 * Pure: checks one variable with a final value (no placeholders), naming `where` (e.g.
 * `item 2 (orders) environment: `) and `input` in the error: the name, a secret-looking value, NUL.
 */
export function checkLiteralVariable(name: string, value: string, input: string, where: string): void {
  if (!VARIABLE_NAME.test(name) || name.length > VARIABLE_NAME_MAX_LENGTH) {
    throw new ConfigurationError(
      `${where}'${name.slice(0, 60)}' is not an environment variable name; use letters, digits, '_', '.' and '-', not starting with a digit (at most ${VARIABLE_NAME_MAX_LENGTH})`,
      input,
    );
  }
  if (RESERVED_VARIABLES.includes(name)) {
    throw new ConfigurationError(`${where}${name} is set by the action on every copy (the route); choose another name`, input);
  }
  if (SECRET_ARN.test(value)) {
    throw new ConfigurationError(
      `${where}${name} looks like a Secrets Manager or SSM parameter ARN; secrets never go in environment overrides: reference it in the task definition's 'secrets' (valueFrom)`,
      input,
    );
  }
  if (value.includes("\0")) {
    throw new ConfigurationError(`${where}${name} contains a NUL character, which no process environment can hold`, input);
  }
}

/** Pure: checkLiteralVariable, and every `{placeholder}` in the value is a known one. */
export function checkVariable(name: string, value: string, input: string, where: string): void {
  checkLiteralVariable(name, value, input, where);
  for (const [, placeholder] of value.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(placeholder as string)) {
      throw new ConfigurationError(
        `${where}${name} uses the unknown placeholder {${placeholder}}; use ${PLACEHOLDERS.map((known) => `{${known}}`).join(", ")}`,
        input,
      );
    }
  }
}

/** Pure: an environment map for a copy, every variable checked by checkVariable. */
export function environmentTemplate(entries: ReadonlyMap<string, string>, input: string, where: string): EnvironmentTemplate {
  for (const [name, value] of entries) checkVariable(name, value, input, where);
  return Object.fromEntries(entries);
}

const ABSENT_REASON = {
  number: "this deploy is not for a pull request (use {route}, which every deploy has)",
  branch: "this deploy names no branch (use {route}, which every deploy has)",
} as const;

/**
 * Pure: the template with its placeholders replaced. A placeholder with no value in this deploy
 * (`{number}` on a shadow deploy) is a ConfigurationError: an empty value would quietly point
 * every such copy at one shared resource.
 */
export function resolveEnvironment(template: EnvironmentTemplate, values: PlaceholderValues, input: string, where: string): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(template)) {
    // Templates are checked (checkVariable): every placeholder in them is a known one.
    resolved[name] = value.replace(PLACEHOLDER, (_text, placeholder: Placeholder) => {
      const replacement = values[placeholder];
      if (replacement === undefined) {
        throw new ConfigurationError(`${where}${name} uses {${placeholder}}, but ${ABSENT_REASON[placeholder as keyof typeof ABSENT_REASON]}`, input);
      }
      return replacement;
    });
  }
  return resolved;
}
