import type { ParsedRule, RuleExpression } from "./ast.js";
import { findMatcher } from "./matchers.js";
import { matcherSemantics } from "./semantics.js";
import type { HttpRequest } from "./request.js";

/** Whether Traefik's router with this rule matches the request. */
export function matchesRule(rule: ParsedRule, request: HttpRequest): boolean {
  const evaluate = (expression: RuleExpression): boolean => {
    switch (expression.kind) {
      case "and":
        return evaluate(expression.left) && evaluate(expression.right);
      case "or":
        return evaluate(expression.left) || evaluate(expression.right);
      case "not":
        return !evaluate(expression.operand);
      case "matcher": {
        const definition = findMatcher(rule.syntax, expression.name);
        const matches = definition === undefined ? undefined : matcherSemantics(rule.syntax, definition.name);
        if (matches === undefined) throw new Error(`matcher ${expression.name} is not a ${rule.syntax} matcher`);
        return matches(expression.args, request);
      }
    }
  };
  return evaluate(rule.expression);
}
