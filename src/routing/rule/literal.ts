/**
 * `value` as a Go string literal for a rule: a raw backtick string, or a double-quoted one when
 * the value holds a backtick (a valid RFC 7230 token character) or a carriage return, which raw
 * strings cannot carry. JSON string syntax is a subset of Go's interpreted strings.
 */
export function ruleLiteral(value: string): string {
  return /[`\r]/.test(value) ? JSON.stringify(value) : `\`${value}\``;
}
