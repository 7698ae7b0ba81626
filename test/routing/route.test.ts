// Route names as examples; test/routing/properties.test.ts checks routeForBranch over random branches.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigurationError } from "../../src/common/errors.js";
import { isValidRoute, routeForBranch, routeForPullRequest, validateRoute } from "../../src/routing/route.js";

function configurationError(input: string | undefined, message: RegExp): (error: unknown) => boolean {
  return (error: unknown) => error instanceof ConfigurationError && error.input === input && message.test(error.message);
}

describe("routeForPullRequest", () => {
  it("is pr-<number> for any positive whole number, multi-digit ones included", () => {
    assert.equal(routeForPullRequest(1), "pr-1");
    assert.equal(routeForPullRequest(12), "pr-12");
    assert.equal(routeForPullRequest(1_234_567), "pr-1234567");
  });

  it("refuses zero, negatives, fractions and unsafe integers, naming the number", () => {
    for (const number of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
      assert.throws(() => routeForPullRequest(number), configurationError(undefined, new RegExp(`pull request number '${number}' must be a positive integer`)));
    }
  });
});

describe("validateRoute", () => {
  it("accepts 1 to 32 lowercase letters, digits and inner dashes, and returns the route", () => {
    for (const route of ["a", "7", "pr-1", "feature-x", "a".repeat(32)]) {
      assert.equal(validateRoute(route), route);
      assert.ok(isValidRoute(route), route);
    }
  });

  it("refuses anything else with one line naming the input, 'route' unless told", () => {
    for (const route of ["", "-a", "a-", "Pr-1", "pr_1", "pr.1", "a".repeat(33)]) {
      assert.equal(isValidRoute(route), false, route);
      assert.throws(() => validateRoute(route), configurationError("route", /is not a valid route; use 1-32 lowercase letters/), route);
    }
    assert.throws(() => validateRoute("Main", "branch-route"), configurationError("branch-route", /^'Main' is not a valid route/));
  });

  it("reserves the shadow copy's fallback router name", () => {
    assert.throws(() => validateRoute("shadow-fallback"), configurationError("route", /'shadow-fallback' is reserved for the shadow copy's fallback router/));
  });

  it("refuses '--', which joins base service and route in copy names", () => {
    assert.throws(() => validateRoute("pr--5"), configurationError("route", /^'pr--5' contains '--', which separates the base service from the route/));
  });
});

describe("routeForBranch (examples)", () => {
  it("keeps a branch that is already a route, up to the full 32 characters", () => {
    for (const branch of ["main", "release", "fix-login", "fix-pr-5", "pr-5-fix", "release-2026", "x1a2b3c", "a".repeat(32)]) {
      assert.equal(routeForBranch(branch), branch);
    }
  });

  it("hashes names another route owns: shadow, the fallback router, pull requests, hashed routes", () => {
    assert.equal(routeForBranch("shadow"), "shadow-0bb09d");
    assert.equal(routeForBranch("shadow-fallback"), "shadow-fallback-3f01d7");
    assert.equal(routeForBranch("pr-12"), "pr-12-809d34");
    assert.equal(routeForBranch("1a2b3c"), "1a2b3c-96b8b4");
    assert.equal(routeForBranch("fix-1a2b3c"), "fix-1a2b3c-061f4d");
  });

  it("slugs other names to one dash per run of other characters, trimmed, plus a hash of the full name", () => {
    assert.equal(routeForBranch("feature//login"), "feature-login-c107e2");
    assert.equal(routeForBranch("Feature/ABC-123"), "feature-abc-123-4ec093");
    assert.equal(routeForBranch("-x"), "x-a42096");
    assert.equal(routeForBranch("x-"), "x-c8b60e");
  });

  it("cuts a long slug to 25 characters before the hash, without a dash at the cut", () => {
    assert.equal(routeForBranch("a".repeat(33)), `${"a".repeat(25)}-852785`);
    assert.equal(routeForBranch(`${"a".repeat(24)}/${"b".repeat(10)}`), `${"a".repeat(24)}-860d09`);
  });

  it("prefixes branch- when a hashed route would read as a pull request's", () => {
    // `Pr` slugs to `pr` and its hash happens to be all digits: `pr-032727` would be PR 32727's route.
    assert.equal(routeForBranch("Pr"), "branch-pr-032727");
  });
});
