import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { ConfigurationError } from "../../src/common/errors.js";
import { checkVariable, environmentTemplate, resolveEnvironment } from "../../src/config/environment-overrides.js";
import { parseKeyValueText } from "../../src/config/key-value-text.js";
import { parseServiceSpecs } from "../../src/config/services.js";
import { routeTaskDefinition, taskDefinitionBytes, TASK_DEFINITION_MAX_BYTES, withOverrides } from "../../src/ecs/task-definition.js";

const noSingle = { service: undefined, container: undefined, image: undefined, match: undefined, port: undefined, protocol: undefined, environment: undefined };

function inputError(input: string, message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.input, input);
    assert.equal(error.message, message);
    return true;
  };
}

const prValues = { route: "pr-42", service: "orders", number: "42", branch: "feature/x" };

describe("environment overrides: parsing and checks", () => {
  it("reads an environment map per services item, values as strings", () => {
    const [orders, payments] = parseServiceSpecs(
      "- service: orders\n  environment:\n    DATABASE_SCHEMA: \"{route}\"\n    POOL: 5\n    DEBUG: true\n    EMPTY:\n- service: payments\n",
      noSingle,
    );
    assert.deepEqual(orders?.environment, { DATABASE_SCHEMA: "{route}", POOL: "5", DEBUG: "true", EMPTY: "" });
    assert.deepEqual(payments?.environment, {});
  });

  it("reads the single-service environment input as NAME=value lines or a YAML map", () => {
    const lines = parseServiceSpecs(undefined, { ...noSingle, service: "orders", environment: "# per route\nDATABASE_SCHEMA={route}\nJAVA_OPTS=-Dx=y\n" });
    assert.deepEqual(lines[0]?.environment, { DATABASE_SCHEMA: "{route}", JAVA_OPTS: "-Dx=y" });
    const yaml = parseServiceSpecs(undefined, { ...noSingle, service: "orders", environment: "QUEUE: orders-{route}\nRETRIES: 3\n" });
    assert.deepEqual(yaml[0]?.environment, { QUEUE: "orders-{route}", RETRIES: "3" });
    assert.deepEqual(parseServiceSpecs(undefined, { ...noSingle, service: "orders" })[0]?.environment, {});
  });

  it("refuses the environment input next to services, like every single-service input", () => {
    assert.throws(
      () => parseServiceSpecs("- service: orders\n", { ...noSingle, environment: "A=1" }),
      inputError("services", "give either 'services' or the single-service inputs (environment), not both; put those keys in each services item"),
    );
  });

  it("refuses an environment that is not a map, naming the item", () => {
    assert.throws(
      () => parseServiceSpecs("- service: orders\n  environment: [A]\n", noSingle),
      inputError("services", `item 1 (orders) environment: must be a map of NAME: value, e.g. 'DATABASE_SCHEMA: "{route}"'`),
    );
    assert.throws(
      () => parseServiceSpecs("- service: orders\n  environment: A=1\n", noSingle),
      inputError("services", `item 1 (orders) environment: must be a map of NAME: value, e.g. 'DATABASE_SCHEMA: "{route}"'`),
    );
    assert.throws(
      () => parseServiceSpecs("- service: orders\n  environment:\n    A: [1]\n", noSingle),
      inputError("services", "item 1 (orders) environment: variable 'A' must have a plain value, not a list or map"),
    );
  });

  it("refuses a value that looks like a Secrets Manager or SSM ARN, saying to use secrets", () => {
    const advice = "looks like a Secrets Manager or SSM parameter ARN; secrets never go in environment overrides: reference it in the task definition's 'secrets' (valueFrom)";
    assert.throws(
      () => parseServiceSpecs("- service: orders\n- service: payments\n  environment:\n    DB_PASSWORD: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\n", noSingle),
      inputError("services", `item 2 (payments) environment: DB_PASSWORD ${advice}`),
    );
    assert.throws(
      () => parseServiceSpecs(undefined, { ...noSingle, service: "orders", environment: "TOKEN=ARN:AWS-US-GOV:SSM:us-gov-west-1:1:parameter/t" }),
      inputError("environment", `TOKEN ${advice}`),
    );
    // Another service's ARN is a plain value.
    assert.doesNotThrow(() => checkVariable("QUEUE_ARN", "arn:aws:sqs:us-east-1:123456789012:orders-pr-2", "services", ""));
  });

  it("refuses an unknown placeholder with one line naming the item and the known ones", () => {
    assert.throws(
      () => parseServiceSpecs("- service: orders\n  environment:\n    DATABASE_SCHEMA: \"app_{nmber}\"\n", noSingle),
      inputError("services", "item 1 (orders) environment: DATABASE_SCHEMA uses the unknown placeholder {nmber}; use {route}, {number}, {branch}, {service}"),
    );
  });

  it("leaves ${name} and JSON braces as written: only {name} is a placeholder", () => {
    assert.doesNotThrow(() => checkVariable("URL", "jdbc:${DB_HOST}/x", "environment", ""));
    assert.doesNotThrow(() => checkVariable("JSON", '{"a":1,"b":{"c":2}}', "environment", ""));
    assert.deepEqual(resolveEnvironment({ URL: "${HOST}/{route}", JSON: '{"a":1}' }, prValues, "environment", ""), {
      URL: "${HOST}/pr-42",
      JSON: '{"a":1}',
    });
  });

  it("refuses names ECS copies cannot carry, the action's own ROUTE_VERSION and NUL", () => {
    const bad = (name: string): string =>
      `'${name}' is not an environment variable name; use letters, digits, '_', '.' and '-', not starting with a digit (at most 255)`;
    for (const name of ["1ST", "A B", "A=B", "", "É"]) {
      assert.throws(() => checkVariable(name, "x", "environment", ""), inputError("environment", bad(name)));
    }
    assert.throws(() => checkVariable("A".repeat(256), "x", "environment", ""), inputError("environment", bad("A".repeat(60))));
    assert.doesNotThrow(() => checkVariable("A".repeat(255), "x", "environment", ""));
    for (const name of ["_A", "spring.profiles.active", "a-b", "Z9"]) assert.doesNotThrow(() => checkVariable(name, "x", "environment", ""));
    assert.throws(
      () => checkVariable("ROUTE_VERSION", "x", "services", "item 1 (orders) environment: "),
      inputError("services", "item 1 (orders) environment: ROUTE_VERSION is set by the action on every copy (the route); choose another name"),
    );
    assert.throws(() => checkVariable("A", "x\0y", "on-deploy", ""), inputError("on-deploy", "A contains a NUL character, which no process environment can hold"));
  });

  it("keeps duplicate NAME=value lines an error", () => {
    assert.throws(() => parseKeyValueText("A=1\nA=2\n", "environment", "variable"), inputError("environment", "variable 'A' is given twice"));
    assert.throws(() => parseKeyValueText("- a\n", "environment", "variable"), inputError("environment", "must be key=value lines or a YAML map, e.g. 'LOG_LEVEL=debug'"));
  });
});

describe("environment overrides: placeholders", () => {
  it("replaces {route}, {number}, {branch} and {service}, every occurrence", () => {
    const template = environmentTemplate(new Map([["A", "{service}_{route}_{number}_{branch}_{route}"], ["B", "plain"]]), "services", "");
    assert.deepEqual(resolveEnvironment(template, prValues, "services", ""), { A: "orders_pr-42_42_feature/x_pr-42", B: "plain" });
  });

  it("refuses {number} and {branch} where the deploy has none, rather than an empty shared value", () => {
    const shadow = { route: "shadow", service: "orders", number: undefined, branch: undefined };
    assert.throws(
      () => resolveEnvironment({ SCHEMA: "pr_{number}" }, shadow, "services", "item 1 (orders) environment: "),
      inputError("services", "item 1 (orders) environment: SCHEMA uses {number}, but this deploy is not for a pull request (use {route}, which every deploy has)"),
    );
    assert.throws(
      () => resolveEnvironment({ BRANCH: "{branch}" }, shadow, "environment", ""),
      inputError("environment", "BRANCH uses {branch}, but this deploy names no branch (use {route}, which every deploy has)"),
    );
    assert.deepEqual(resolveEnvironment({ SCHEMA: "{route}" }, shadow, "services", ""), { SCHEMA: "shadow" });
  });
});

function twoContainers(): TaskDefinition {
  return {
    family: "orders",
    containerDefinitions: [
      {
        name: "app",
        image: "orders:1",
        portMappings: [{ containerPort: 8080 }],
        environment: [
          { name: "DATABASE_SCHEMA", value: "public" },
          { name: "LOG_LEVEL", value: "info" },
          { name: "OTEL_RESOURCE_ATTRIBUTES", value: "service.name=orders" },
        ],
      },
      { name: "sidecar", image: "envoy:1", environment: [{ name: "DATABASE_SCHEMA", value: "public" }] },
    ],
  };
}

describe("routeTaskDefinition with overrides", () => {
  it("replaces a variable in place and appends new ones on the routed container only", () => {
    const base = twoContainers();
    const { input } = routeTaskDefinition(base, {
      route: "pr-2",
      container: "app",
      image: undefined,
      labels: {},
      tags: {},
      environment: { DATABASE_SCHEMA: "pr-2", QUEUE_URL: "https://sqs/orders-pr-2" },
    });
    assert.deepEqual(input.containerDefinitions?.[0]?.environment, [
      { name: "DATABASE_SCHEMA", value: "pr-2" },
      { name: "LOG_LEVEL", value: "info" },
      { name: "QUEUE_URL", value: "https://sqs/orders-pr-2" },
      { name: "ROUTE_VERSION", value: "pr-2" },
      { name: "OTEL_RESOURCE_ATTRIBUTES", value: "service.name=orders,deployment.route=pr-2" },
    ]);
    assert.deepEqual(input.containerDefinitions?.[1]?.environment, [
      { name: "DATABASE_SCHEMA", value: "public" },
      { name: "ROUTE_VERSION", value: "pr-2" },
      { name: "OTEL_RESOURCE_ATTRIBUTES", value: "deployment.route=pr-2" },
    ]);
    // The base is not changed.
    assert.deepEqual(base, twoContainers());
  });

  it("keeps the route entry when an override replaces OTEL_RESOURCE_ATTRIBUTES", () => {
    const { input } = routeTaskDefinition(twoContainers(), {
      route: "pr-2",
      container: "app",
      image: undefined,
      labels: {},
      tags: {},
      environment: { OTEL_RESOURCE_ATTRIBUTES: "service.name=orders-pr" },
    });
    assert.equal(
      input.containerDefinitions?.[0]?.environment?.find((pair) => pair.name === "OTEL_RESOURCE_ATTRIBUTES")?.value,
      "service.name=orders-pr,deployment.route=pr-2",
    );
  });

  it("judges OTEL_PROPAGATORS as overridden: an override without baggage warns, one with baggage clears the warning", () => {
    const base = twoContainers();
    base.containerDefinitions?.[0]?.environment?.push({ name: "OTEL_PROPAGATORS", value: "tracecontext" });
    const options = { route: "pr-2", container: "app", image: undefined, labels: {}, tags: {} };
    assert.equal(routeTaskDefinition(base, { ...options, environment: { OTEL_PROPAGATORS: "tracecontext,baggage" } }).warnings.length, 0);
    assert.equal(routeTaskDefinition(base, options).warnings.length, 1);
    assert.equal(routeTaskDefinition(twoContainers(), { ...options, environment: { OTEL_PROPAGATORS: "b3" } }).warnings.length, 1);
  });

  it("withOverrides: no overrides keep the list as it is, a container without environment gets the new ones", () => {
    const environment = [{ name: "A", value: "1" }, { value: "unnamed" }];
    assert.deepEqual(withOverrides(environment, {}), environment);
    assert.deepEqual(withOverrides([], { B: "2" }), [{ name: "B", value: "2" }]);
    assert.deepEqual(withOverrides([{ name: "A", value: "1" }, { name: "A", value: "3" }], { A: "2" }), [
      { name: "A", value: "2" },
      { name: "A", value: "2" },
    ]);
    // A name inherited from Object.prototype is not an override.
    assert.deepEqual(withOverrides([{ name: "toString", value: "x" }], {}), [{ name: "toString", value: "x" }]);
  });

  it("measures the task definition as ECS does, in bytes of JSON", () => {
    assert.equal(TASK_DEFINITION_MAX_BYTES, 65_536);
    assert.equal(taskDefinitionBytes({ family: "é", containerDefinitions: [] }), '{"family":"é","containerDefinitions":[]}'.length + 1);
  });
});
