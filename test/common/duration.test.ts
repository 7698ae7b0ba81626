import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDuration } from "../../src/common/duration.js";
import { ConfigurationError } from "../../src/common/errors.js";

test("durations take units and combine", () => {
  assert.equal(parseDuration("72h", "ttl"), 72 * 3_600_000);
  assert.equal(parseDuration("7d", "max-age"), 7 * 86_400_000);
  assert.equal(parseDuration("1d12h", "max-age"), 36 * 3_600_000);
  assert.equal(parseDuration("90m", "ttl"), 90 * 60_000);
});

test("a duration without a unit, or zero, names the input", () => {
  assert.throws(() => parseDuration("72", "ttl"), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError);
    assert.equal(error.input, "ttl");
    assert.match(error.message, /^'72' is not a duration/);
    return true;
  });
  assert.throws(() => parseDuration("0h", "ttl"), /must be longer than zero/);
  assert.throws(() => parseDuration("h", "ttl"), /is not a duration/);
});
