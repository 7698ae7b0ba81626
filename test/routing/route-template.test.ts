import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigurationError } from "../../src/common/errors.js";
import { DEFAULT_ROUTE_TEMPLATE, parseRouteTemplate, routeFromTemplate } from "../../src/routing/route.js";

const values = { number: 7, branch: "Feature/Checkout_V2", repository: "Hello-World" };
const inputError = (pattern: RegExp) => (error: unknown) => error instanceof ConfigurationError && error.input === "route-template" && pattern.test(error.message);

describe("route-template", () => {
  it("keeps pr-{number} as the default", () => {
    assert.equal(routeFromTemplate(parseRouteTemplate(DEFAULT_ROUTE_TEMPLATE), values), "pr-7");
    assert.equal(parseRouteTemplate(DEFAULT_ROUTE_TEMPLATE).shared, false);
  });

  it("slugs each placeholder and collapses what would be '--'", () => {
    assert.equal(routeFromTemplate(parseRouteTemplate("{repository}-pr-{number}"), values), "hello-world-pr-7");
    assert.equal(routeFromTemplate(parseRouteTemplate("feature-{branch}"), values), "feature-feature-checkout-v2");
    assert.equal(routeFromTemplate(parseRouteTemplate("{branch}"), { ...values, branch: "fix--double" }), "fix-double");
  });

  it("leaves one '-' where a placeholder slugs to nothing or the template doubles it, and none at the ends", () => {
    assert.equal(routeFromTemplate(parseRouteTemplate("feature-{branch}-{number}"), { ...values, branch: "***" }), "feature-7");
    assert.equal(routeFromTemplate(parseRouteTemplate("app--pr-{number}"), values), "app-pr-7");
    assert.equal(routeFromTemplate(parseRouteTemplate("{branch}-{number}-{repository}"), { ...values, branch: "!!", repository: "__" }), "7");
  });

  it("refuses a pull request number that is not a positive integer, before rendering", () => {
    for (const number of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => routeFromTemplate(parseRouteTemplate(DEFAULT_ROUTE_TEMPLATE), { ...values, number }),
        (error: unknown) => error instanceof ConfigurationError && error.message === `pull request number '${number}' must be a positive integer`,
        String(number),
      );
    }
    assert.equal(routeFromTemplate(parseRouteTemplate(DEFAULT_ROUTE_TEMPLATE), { ...values, number: 1 }), "pr-1");
  });

  it("keeps a result of exactly 32 characters whole", () => {
    const branch = "checkout-flow-redesign-for-mobil";
    assert.equal(branch.length, 32);
    assert.equal(routeFromTemplate(parseRouteTemplate("{branch}"), { ...values, branch }), branch);
  });

  it("drops the '-' a shortened prefix would end with before the hash", () => {
    const branch = "abcdefghijklmnopqrstuvwx-and-then-some-more";
    assert.match(routeFromTemplate(parseRouteTemplate("{branch}"), { ...values, branch }), /^abcdefghijklmnopqrstuvwx-[0-9a-f]{6}$/);
  });

  it("is shared only with {branch} and no {number}", () => {
    assert.equal(parseRouteTemplate("{branch}").shared, true);
    assert.equal(parseRouteTemplate("{repository}-{branch}").shared, true);
    assert.equal(parseRouteTemplate("{branch}-{number}").shared, false);
  });

  it("shortens a long result with a hash of the whole, the same in every repository", () => {
    const branch = "feature/a-very-long-branch-name-for-the-new-checkout-flow";
    const route = routeFromTemplate(parseRouteTemplate("{branch}"), { ...values, branch });
    assert.equal(route.length, 32);
    assert.match(route, /^feature-a-very-long-branc-[0-9a-f]{6}$/);
    assert.equal(routeFromTemplate(parseRouteTemplate("{branch}"), { number: 9, branch, repository: "other" }), route);
    assert.notEqual(routeFromTemplate(parseRouteTemplate("{branch}"), { ...values, branch: `${branch}-2` }), route);
  });

  it("rejects unknown placeholders, other characters, templates without {number} or {branch}, and 'shadow'", () => {
    assert.throws(() => parseRouteTemplate("pr-{id}"), inputError(/'\{id\}' is not a placeholder/));
    assert.throws(() => parseRouteTemplate("PR_{number}"), inputError(/may contain only lowercase letters/));
    assert.throws(() => parseRouteTemplate("{repository}"), inputError(/neither \{number\} nor \{branch\}/));
    assert.throws(() => routeFromTemplate(parseRouteTemplate("{branch}"), { ...values, branch: "shadow" }), inputError(/gives 'shadow'/));
    assert.throws(() => routeFromTemplate(parseRouteTemplate("{branch}"), { ...values, branch: "///" }), inputError(/empty route/));
  });
});
