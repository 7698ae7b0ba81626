import type { MatcherCall, ParsedRule, RuleExpression, RuleSyntax } from "./ast.js";
import { checkMatcherCall, findMatcher, matcherNames } from "./matchers.js";

/** A rule Traefik would refuse; `position` is the 0-based character offset of the problem. */
export class RuleSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly rule: string,
    readonly position: number,
  ) {
    super(`${reason} (at character ${position + 1} of ${rule})`);
    this.name = "RuleSyntaxError";
  }
}

type Token =
  | { kind: "identifier"; text: string; position: number }
  | { kind: "string"; value: string; position: number }
  | { kind: "&&" | "||" | "!" | "(" | ")" | "," | "end"; position: number };

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, '"': 34 };
const IDENTIFIER = /[\p{L}_][\p{L}\p{Nd}_]*/uy;

/**
 * Traefik parses rules with Go's expression parser (vulcand/predicate), so values are Go string
 * literals: raw backtick strings, or double-quoted strings with Go escapes. Pulls one token at a
 * time, so an error names the first problem from the left.
 */
class Lexer {
  private index = 0;
  private lookahead: Token | undefined;

  constructor(private readonly rule: string) {}

  peek(): Token {
    this.lookahead ??= this.read();
    return this.lookahead;
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  /** The unquoted text at `position` up to the next separator, to show a bare value whole. */
  bareWordAt(position: number): string {
    return /^[^\s,()`"]+/.exec(this.rule.slice(position))?.[0] ?? "";
  }

  fail(reason: string, position: number): never {
    throw new RuleSyntaxError(reason, this.rule, position);
  }

  private read(): Token {
    const rule = this.rule;
    while (this.index < rule.length && " \t\r\n".includes(rule.charAt(this.index))) this.index += 1;
    const position = this.index;
    if (position >= rule.length) return { kind: "end", position };
    const char = rule.charAt(position);
    const pair = rule.slice(position, position + 2);
    if (pair === "&&" || pair === "||") {
      this.index += 2;
      return { kind: pair, position };
    }
    if (pair === "!=" || pair === "==") this.fail(`operator ${pair} is not supported in rules`, position);
    if (char === "!" || char === "(" || char === ")" || char === ",") {
      this.index += 1;
      return { kind: char, position };
    }
    if (char === "`") {
      const end = rule.indexOf("`", position + 1);
      if (end < 0) this.fail("unterminated backtick string", position);
      this.index = end + 1;
      // Go drops carriage returns from raw strings.
      return { kind: "string", value: rule.slice(position + 1, end).replaceAll("\r", ""), position };
    }
    if (char === '"') return { kind: "string", value: this.readInterpreted(position), position };
    if (char === "'") this.fail("single quotes are not string quotes in Traefik rules; use backticks (`) or double quotes", position);
    IDENTIFIER.lastIndex = position;
    const identifier = IDENTIFIER.exec(rule);
    if (identifier !== null) {
      this.index += identifier[0].length;
      return { kind: "identifier", text: identifier[0], position };
    }
    return this.fail(`unexpected character '${char}'`, position);
  }

  /** A Go interpreted string literal, escapes decoded to UTF-8 bytes and back to text. */
  private readInterpreted(start: number): string {
    const rule = this.rule;
    const bytes: number[] = [];
    const encoder = new TextEncoder();
    let index = start + 1;
    for (;;) {
      const char = rule.charAt(index);
      if (index >= rule.length || char === "\n") this.fail("unterminated double-quoted string", start);
      if (char === '"') break;
      if (char !== "\\") {
        const codePoint = rule.codePointAt(index) ?? 0;
        const text = String.fromCodePoint(codePoint);
        bytes.push(...encoder.encode(text));
        index += text.length;
        continue;
      }
      const escape = rule.charAt(index + 1);
      const simple = SIMPLE_ESCAPES[escape];
      if (simple !== undefined) {
        bytes.push(simple);
        index += 2;
      } else if (/[0-7]/.test(escape)) {
        const digits = rule.slice(index + 1, index + 4);
        if (!/^[0-7]{3}$/.test(digits) || Number.parseInt(digits, 8) > 255) this.fail(`invalid octal escape \\${digits}`, index);
        bytes.push(Number.parseInt(digits, 8));
        index += 4;
      } else if (escape === "x" || escape === "u" || escape === "U") {
        const length = escape === "x" ? 2 : escape === "u" ? 4 : 8;
        const digits = rule.slice(index + 2, index + 2 + length);
        if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digits)) this.fail(`invalid escape \\${escape}${digits}`, index);
        const value = Number.parseInt(digits, 16);
        if (escape === "x") {
          bytes.push(value);
        } else {
          if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) this.fail(`invalid Unicode escape \\${escape}${digits}`, index);
          bytes.push(...encoder.encode(String.fromCodePoint(value)));
        }
        index += 2 + length;
      } else {
        this.fail(`unknown escape sequence \\${escape}`, index);
      }
    }
    this.index = index + 1;
    // Go compares bytes; invalid UTF-8 from \x or octal escapes becomes U+FFFD here.
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }
}

/**
 * Parses a Traefik HTTP router rule as Traefik does: `||` < `&&` < `!`, parentheses, matcher calls
 * with quoted arguments, matcher names in Traefik's four accepted spellings, argument counts and
 * values checked per matcher. Throws RuleSyntaxError for anything Traefik would refuse.
 */
export function parseRule(rule: string, syntax: RuleSyntax): ParsedRule {
  const lexer: Lexer = new Lexer(rule);

  const parseOr = (): RuleExpression => {
    let left = parseAnd();
    while (lexer.peek().kind === "||") {
      lexer.next();
      left = { kind: "or", left, right: parseAnd() };
    }
    return left;
  };

  const parseAnd = (): RuleExpression => {
    let left = parseUnary();
    while (lexer.peek().kind === "&&") {
      lexer.next();
      left = { kind: "and", left, right: parseUnary() };
    }
    return left;
  };

  const parseUnary = (): RuleExpression => {
    if (lexer.peek().kind === "!") {
      lexer.next();
      return { kind: "not", operand: parseUnary() };
    }
    return parsePrimary();
  };

  const parsePrimary = (): RuleExpression => {
    const token = lexer.next();
    switch (token.kind) {
      case "(": {
        const inner = parseOr();
        const close = lexer.next();
        if (close.kind !== ")") lexer.fail(`expected ')' but found ${describe(close)}`, close.position);
        return inner;
      }
      case "identifier":
        return parseCall(token.text, token.position);
      case "end":
        return lexer.fail("the rule ends where a matcher was expected", token.position);
      case "string":
        return lexer.fail("a quoted value must be the argument of a matcher, e.g. Host(`example.com`)", token.position);
      default:
        return lexer.fail(`expected a matcher but found ${describe(token)}`, token.position);
    }
  };

  const parseCall = (name: string, position: number): MatcherCall => {
    const open = lexer.next();
    if (open.kind !== "(") {
      lexer.fail(`'${name}' is a bare word; values must be quoted with backticks (\`${name}\`) inside a matcher`, position);
    }
    const definition = findMatcher(syntax, name);
    if (definition === undefined) {
      lexer.fail(`unknown matcher ${name} for rule syntax ${syntax}; known: ${matcherNames(syntax).join(", ")}`, position);
    }
    const args: string[] = [];
    // Go accepts a trailing comma before ')'.
    while (lexer.peek().kind !== ")") {
      const argument = lexer.next();
      if (argument.kind === "identifier") {
        const word = lexer.bareWordAt(argument.position);
        lexer.fail(`'${word}' is a bare word; quote values with backticks, e.g. \`${word}\``, argument.position);
      }
      if (argument.kind !== "string") lexer.fail(`expected a quoted value but found ${describe(argument)}`, argument.position);
      args.push(argument.value);
      const separator = lexer.peek();
      if (separator.kind === ",") lexer.next();
      else if (separator.kind !== ")") lexer.fail(`expected ',' or ')' but found ${describe(separator)}`, separator.position);
    }
    lexer.next();
    try {
      checkMatcherCall(definition, args);
    } catch (error) {
      lexer.fail((error as Error).message, position);
    }
    return { kind: "matcher", name: definition.name, args };
  };

  const expression = parseOr();
  const rest = lexer.peek();
  if (rest.kind !== "end") lexer.fail(`unexpected ${describe(rest)} after a complete rule`, rest.position);
  return { source: rule, syntax, expression };
}

function describe(token: Token): string {
  switch (token.kind) {
    case "identifier":
      return `'${token.text}'`;
    case "string":
      return "a quoted value";
    case "end":
      return "the end of the rule";
    default:
      return `'${token.kind}'`;
  }
}
