import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigurationError } from "../../src/common/errors.js";
import { readDeployInputs } from "../../src/config/deploy-inputs.js";
import { Inputs } from "../../src/config/inputs.js";
import { parseServiceSpecs } from "../../src/config/services.js";
import { parseUserTags } from "../../src/config/tags-input.js";

const noSingle = { service: undefined, container: undefined, image: undefined, match: undefined, port: undefined, protocol: undefined, environment: undefined };

function inputError(input: string, pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof ConfigurationError && error.input === input && pattern.test(error.message);
}

describe("parseServiceSpecs", () => {
  it("reads a YAML list of services with all keys", () => {
    const specs = parseServiceSpecs(
      "- service: orders\n  container: app\n  image: registry/orders:pr-2\n  port: 8080\n- service: payments\n  protocol: grpc\n  match: Host(`payments`)\n",
      noSingle,
    );
    assert.deepEqual(specs, [
      { service: "orders", container: "app", image: "registry/orders:pr-2", match: undefined, port: 8080, protocol: "http", environment: {}, input: "services" },
      { service: "payments", container: undefined, image: undefined, match: "Host(`payments`)", port: undefined, protocol: "grpc", environment: {}, input: "services" },
    ]);
  });

  it("reads the single-service inputs", () => {
    assert.deepEqual(parseServiceSpecs(undefined, { ...noSingle, service: "orders", port: "8080", protocol: "GRPC" }), [
      { service: "orders", container: undefined, image: undefined, match: undefined, port: 8080, protocol: "grpc", environment: {}, input: "service" },
    ]);
  });

  it("rejects invalid YAML, unknown keys, duplicates and mixing with the single inputs, naming services", () => {
    assert.throws(() => parseServiceSpecs("- service: [orders", noSingle), inputError("services", /is not valid YAML/));
    assert.throws(() => parseServiceSpecs("- service: orders\n  imgae: x\n", noSingle), inputError("services", /item 1: unknown key 'imgae'/));
    assert.throws(() => parseServiceSpecs("- service: orders\n- service: orders\n", noSingle), inputError("services", /twice/));
    assert.throws(() => parseServiceSpecs("service: orders\n", noSingle), inputError("services", /must be a YAML list/));
    assert.throws(() => parseServiceSpecs("- service: orders\n", { ...noSingle, image: "x" }), inputError("services", /not both/));
  });

  it("rejects an image ECS cannot register before anything is created, naming the input", () => {
    assert.throws(() => parseServiceSpecs(undefined, { ...noSingle, service: "orders", image: "registry/orders: pr-2" }), inputError("image", /not an image reference/));
    assert.throws(() => parseServiceSpecs(undefined, { ...noSingle, service: "orders", image: `registry/${"o".repeat(250)}:1` }), inputError("image", /255/));
    assert.throws(
      () => parseServiceSpecs("- service: orders\n- service: payments\n  image: registry/payments:${{ env.TAG }}\n", noSingle),
      inputError("services", /item 2: image 'registry\/payments:\$\{\{ env\.TAG \}\}' is not an image reference/),
    );
    for (const image of ["123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:pr-2_abc.1", "localhost:5000/team/orders@sha256:0123abcd", "Orders:Latest"]) {
      assert.equal(parseServiceSpecs(undefined, { ...noSingle, service: "orders", image })[0]?.image, image);
    }
  });

  it("requires a service and checks ports", () => {
    assert.throws(() => parseServiceSpecs(undefined, noSingle), inputError("service", /is required/));
    assert.throws(() => parseServiceSpecs(undefined, { ...noSingle, service: "orders", port: "70000" }), inputError("port", /1 to 65535/));
    assert.throws(() => parseServiceSpecs(undefined, { ...noSingle, service: "orders.v2" }), inputError("service", /not an ECS service name/));
  });
});

describe("parseUserTags", () => {
  it("reads key=value lines and YAML maps", () => {
    assert.deepEqual(parseUserTags("team=payments\ncost-center = 42\nnote=a=b"), { team: "payments", "cost-center": "42", note: "a=b" });
    assert.deepEqual(parseUserTags("team: payments\ncost-center: 42\n"), { team: "payments", "cost-center": "42" });
  });

  it("rejects characters ECS does not allow in tags, before anything is created", () => {
    assert.throws(() => parseUserTags("cost-center=#42"), inputError("tags", /the value of tag 'cost-center' has a character ECS does not allow/));
    assert.throws(() => parseUserTags("team!=payments"), inputError("tags", /tag key 'team!' has a character ECS does not allow/));
    assert.deepEqual(parseUserTags("owner=jane@example.com\nnote=a b+c/d:e.f_g-h=i\nÉquipe=paiements"), {
      owner: "jane@example.com",
      note: "a b+c/d:e.f_g-h=i",
      Équipe: "paiements",
    });
  });

  it("keeps keys that are names of Object's own properties", () => {
    assert.deepEqual(parseUserTags("toString=x\nconstructor=y"), { toString: "x", constructor: "y" });
    assert.deepEqual(Object.entries(parseUserTags("__proto__=z")), [["__proto__", "z"]]);
  });

  it("rejects reserved prefixes and over-long values", () => {
    assert.throws(() => parseUserTags("aws:foo=1"), inputError("tags", /reserved prefix 'aws:'/));
    assert.throws(() => parseUserTags("dynamic-routing:route=x"), inputError("tags", /reserved prefix/));
    // ECS reserves `aws:` in values too, in any letter case.
    assert.throws(() => parseUserTags("source=AWS:cloudformation"), inputError("tags", /value of tag 'source' starts with the reserved prefix 'aws:'/));
    assert.throws(() => parseUserTags(`k=${"v".repeat(257)}`), inputError("tags", /longer than 256/));
  });
});

describe("readDeployInputs", () => {
  const read = (values: Record<string, string>) => (name: string) => values[name] ?? "";

  it("applies the documented defaults for each action", () => {
    const ephemeral = readDeployInputs(new Inputs(read({ service: "orders" })), "ephemeral");
    assert.equal(ephemeral.cluster, "default");
    assert.equal(ephemeral.routing.priority, 30000);
    assert.equal(ephemeral.desiredCount, 1);
    assert.equal(ephemeral.timeoutMs, 15 * 60_000);
    assert.equal(ephemeral.ttlMs, 72 * 3_600_000);
    assert.equal(ephemeral.maxConcurrency, 5);
    assert.equal(ephemeral.wait, true);
    const shadow = readDeployInputs(new Inputs(read({ service: "orders", route: "pr-9" })), "shadow");
    assert.equal(shadow.route, "shadow", "deploy-shadow always deploys route shadow");
    assert.equal(shadow.routing.priority, 20000);
    assert.equal(shadow.routing.fallbackPriority, 10000);
    assert.equal(shadow.routing.fallback, "shadow");
    assert.equal(shadow.desiredCount, 1, "shadow runs one task per copy, not the base service's count");
  });

  it("names the input of each mistake", () => {
    assert.throws(() => readDeployInputs(new Inputs(read({ service: "orders", route: "PR_2" })), "ephemeral"), inputError("route", /not a valid route/));
    assert.throws(() => readDeployInputs(new Inputs(read({ service: "orders", route: "shadow" })), "ephemeral"), inputError("route", /reserved/));
    assert.throws(() => readDeployInputs(new Inputs(read({ service: "orders", header: "X Route" })), "ephemeral"), inputError("header", /RFC 7230/));
    assert.throws(() => readDeployInputs(new Inputs(read({ service: "orders", "rule-syntax": "v1" })), "ephemeral"), inputError("rule-syntax", /v3, v2/));
    assert.throws(
      () => readDeployInputs(new Inputs(read({ service: "orders", "fallback-priority": "25000" })), "shadow"),
      inputError("fallback-priority", /must be below priority 20000/),
    );
    assert.throws(() => readDeployInputs(new Inputs(read({ service: "orders", ttl: "72" })), "ephemeral"), inputError("ttl", /unit/));
  });
});
