import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigurationError } from "../../src/common/errors.js";
import { DEFAULT_SIGNAL_NAMES, extraBaggageEntries, mergeBaggage } from "../../src/routing/signal.js";

function assertBaggageInputError(text: string, message: RegExp): void {
  assert.throws(
    () => extraBaggageEntries(text),
    (error: unknown) => {
      assert.ok(error instanceof ConfigurationError, `expected a ConfigurationError for ${text}`);
      assert.equal(error.input, "baggage");
      assert.match(error.message, message);
      return true;
    },
  );
}

test("mergeBaggage puts the route entry first, replaces an older one and keeps other members with their properties", () => {
  assert.equal(mergeBaggage("pr-1", DEFAULT_SIGNAL_NAMES), "dynamic_route=pr-1");
  assert.equal(
    mergeBaggage("pr-1", DEFAULT_SIGNAL_NAMES, "a=1, dynamic_route=pr-9;p=1 ,b=x%20y;q"),
    "dynamic_route=pr-1,a=1,b=x%20y;q",
  );
});

test("mergeBaggage keeps the route entry when the existing baggage is at OpenTelemetry's limits", () => {
  const manyMembers = Array.from({ length: 200 }, (_, index) => `k${index}=v`).join(",");
  assert.ok(mergeBaggage("pr-1", DEFAULT_SIGNAL_NAMES, manyMembers).startsWith("dynamic_route=pr-1,k0=v,"));
  const longMembers = `a=${"x".repeat(4090)},b=${"y".repeat(4090)}`;
  assert.match(mergeBaggage("pr-1", DEFAULT_SIGNAL_NAMES, longMembers), /^dynamic_route=pr-1,a=x+$/);
});

test("extraBaggageEntries accepts key=value members, comma- or newline-separated, with properties", () => {
  assert.equal(extraBaggageEntries("team=payments\n tenant=acme;p=1 ,discount=50%25\n"), "team=payments,tenant=acme;p=1,discount=50%25");
  assert.equal(extraBaggageEntries(""), "");
});

test("extraBaggageEntries rejects what OpenTelemetry's propagator would silently drop", () => {
  assertBaggageInputError("team", /'team' is not a baggage entry; write key=value/);
  assertBaggageInputError("=x", /not a baggage entry; write key=value/);
  assertBaggageInputError("team x=1", /not a valid name/);
  assertBaggageInputError("team=", /'team=' is not a baggage entry OpenTelemetry accepts; give a non-empty value/);
  assertBaggageInputError("ok=1\ndiscount=50%", /'discount=50%' is not a baggage entry OpenTelemetry accepts.*%25/);
});
