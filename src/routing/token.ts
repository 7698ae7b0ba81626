import { ConfigurationError } from "../common/errors.js";

/** RFC 7230 `token`: one or more tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

/** Header, cookie and baggage names must be tokens; anything else would break the rule or the header. */
export function validateToken(value: string, input: string): string {
  if (!isToken(value)) {
    throw new ConfigurationError(
      `'${value}' is not a valid name; use letters, digits and !#$%&'*+-.^_\`|~ only (an RFC 7230 token), e.g. X-Route-Version`,
      input,
    );
  }
  return value;
}
