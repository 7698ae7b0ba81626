/**
 * Traefik rule syntax: `v3` (the default since Traefik 3) or `v2` (per router `ruleSyntax=v2` or
 * Traefik's `core.defaultRuleSyntax`; deprecated since v3.4). The matcher sets differ.
 */
export type RuleSyntax = "v3" | "v2";

/** One matcher call, e.g. ``Header(`X-Route-Version`, `pr-1`)``, with its name as Traefik spells it. */
export interface MatcherCall {
  kind: "matcher";
  name: string;
  args: string[];
}

export type RuleExpression =
  | MatcherCall
  | { kind: "not"; operand: RuleExpression }
  | { kind: "and"; left: RuleExpression; right: RuleExpression }
  | { kind: "or"; left: RuleExpression; right: RuleExpression };

export interface ParsedRule {
  source: string;
  syntax: RuleSyntax;
  expression: RuleExpression;
}
