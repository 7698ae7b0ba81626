import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { ConfigurationError } from "../../src/common/errors.js";
import { resolvePort, routeTaskDefinition, selectContainer, withRouteResourceAttribute } from "../../src/ecs/task-definition.js";

function baseTaskDefinition(): TaskDefinition {
  return {
    taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/orders:7",
    family: "orders",
    revision: 7,
    status: "ACTIVE",
    requiresAttributes: [{ name: "com.amazonaws.ecs.capability.docker-remote-api.1.18" }],
    compatibilities: ["EC2", "FARGATE"],
    registeredAt: new Date("2026-11-01T00:00:00Z"),
    registeredBy: "arn:aws:iam::123456789012:role/deployer",
    taskRoleArn: "arn:aws:iam::123456789012:role/orders-task",
    executionRoleArn: "arn:aws:iam::123456789012:role/ecs-execution",
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: "256",
    memory: "512",
    runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
    volumes: [{ name: "scratch" }],
    containerDefinitions: [
      {
        name: "app",
        image: "registry.example.com/orders:main-1",
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: "tcp" }],
        environment: [
          { name: "LOG_LEVEL", value: "info" },
          { name: "OTEL_RESOURCE_ATTRIBUTES", value: "service.name=orders" },
        ],
        secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/db" }],
        dockerLabels: {
          "traefik.enable": "true",
          "traefik.http.routers.orders.rule": "Host(`orders.dev.internal`)",
          "traefik.http.services.orders.loadbalancer.server.port": "8080",
          "com.example.team": "payments",
        },
      },
      {
        name: "otel-collector",
        image: "otel/opentelemetry-collector:0.110.0",
        essential: false,
        environment: [{ name: "OTEL_PROPAGATORS", value: "tracecontext" }],
        dockerLabels: { "traefik.http.routers.collector.rule": "Host(`collector`)" },
      },
    ],
  };
}

const routeLabelSet = {
  "com.example.team": "payments",
  "traefik.enable": "true",
  "traefik.http.routers.orders--pr-2.rule": "Host(`orders.dev.internal`) && (Header(`X-Route-Version`, `pr-2`))",
};

describe("routeTaskDefinition", () => {
  it("keeps every writable field, drops the read-only ones and names the route family", () => {
    const { input } = routeTaskDefinition(baseTaskDefinition(), {
      route: "pr-2",
      container: "app",
      image: "registry.example.com/orders:pr-2-abc",
      labels: routeLabelSet,
      tags: { "dynamic-routing:route": "pr-2" },
    });
    assert.deepEqual(Object.keys(input).sort(), [
      "containerDefinitions",
      "cpu",
      "executionRoleArn",
      "family",
      "memory",
      "networkMode",
      "requiresCompatibilities",
      "runtimePlatform",
      "tags",
      "taskRoleArn",
      "volumes",
    ]);
    assert.equal(input.family, "orders--pr-2");
    assert.deepEqual(input.runtimePlatform, { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" });
    assert.deepEqual(input.tags, [{ key: "dynamic-routing:route", value: "pr-2" }]);
  });

  it("re-images and relabels only the routed container, and turns Traefik off on the others", () => {
    const { input } = routeTaskDefinition(baseTaskDefinition(), {
      route: "pr-2",
      container: "app",
      image: "registry.example.com/orders:pr-2-abc",
      labels: routeLabelSet,
      tags: {},
    });
    const [app, collector] = input.containerDefinitions ?? [];
    assert.equal(app?.image, "registry.example.com/orders:pr-2-abc");
    assert.deepEqual(app?.dockerLabels, routeLabelSet);
    assert.deepEqual(app?.secrets, [{ name: "DB_PASSWORD", valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/db" }]);
    assert.equal(collector?.image, "otel/opentelemetry-collector:0.110.0");
    assert.deepEqual(collector?.dockerLabels, { "traefik.enable": "false" });
  });

  it("sets ROUTE_VERSION and appends deployment.route to OTEL_RESOURCE_ATTRIBUTES", () => {
    const { input } = routeTaskDefinition(baseTaskDefinition(), { route: "pr-2", container: "app", image: undefined, labels: {}, tags: {} });
    const [app, collector] = input.containerDefinitions ?? [];
    assert.deepEqual(app?.environment, [
      { name: "LOG_LEVEL", value: "info" },
      { name: "ROUTE_VERSION", value: "pr-2" },
      { name: "OTEL_RESOURCE_ATTRIBUTES", value: "service.name=orders,deployment.route=pr-2" },
    ]);
    assert.equal(app?.image, "registry.example.com/orders:main-1", "no image input keeps the base image");
    assert.deepEqual(collector?.environment, [
      { name: "OTEL_PROPAGATORS", value: "tracecontext" },
      { name: "ROUTE_VERSION", value: "pr-2" },
      { name: "OTEL_RESOURCE_ATTRIBUTES", value: "deployment.route=pr-2" },
    ]);
  });

  it("warns when OTEL_PROPAGATORS leaves out baggage, and not when it has it", () => {
    const base = baseTaskDefinition();
    const { warnings } = routeTaskDefinition(base, { route: "pr-2", container: "app", image: undefined, labels: {}, tags: {} });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /otel-collector.*OTEL_PROPAGATORS=tracecontext without 'baggage'/);
    const collector = base.containerDefinitions?.[1];
    if (collector !== undefined) collector.environment = [{ name: "OTEL_PROPAGATORS", value: "tracecontext, baggage" }];
    assert.deepEqual(routeTaskDefinition(base, { route: "pr-2", container: "app", image: undefined, labels: {}, tags: {} }).warnings, []);
    // The OpenTelemetry specification reads these values case-insensitively.
    if (collector !== undefined) collector.environment = [{ name: "OTEL_PROPAGATORS", value: "TraceContext,Baggage" }];
    assert.deepEqual(routeTaskDefinition(base, { route: "pr-2", container: "app", image: undefined, labels: {}, tags: {} }).warnings, []);
  });

  it("does not change the base task definition it was given", () => {
    const base = baseTaskDefinition();
    const before = structuredClone(base);
    routeTaskDefinition(base, { route: "pr-2", container: "app", image: "x:1", labels: routeLabelSet, tags: {} });
    assert.deepEqual(base, before);
  });
});

describe("withRouteResourceAttribute", () => {
  it("adds, appends and replaces the route attribute", () => {
    assert.equal(withRouteResourceAttribute(undefined, "pr-2"), "deployment.route=pr-2");
    assert.equal(withRouteResourceAttribute("a=1,b=2", "pr-2"), "a=1,b=2,deployment.route=pr-2");
    assert.equal(withRouteResourceAttribute("deployment.route=shadow,a=1", "pr-2"), "a=1,deployment.route=pr-2");
  });
});

describe("selectContainer and resolvePort", () => {
  it("names the input and lists the containers when the container is unknown", () => {
    assert.throws(
      () => selectContainer(baseTaskDefinition(), "web", "service"),
      (error: unknown) =>
        error instanceof ConfigurationError && error.input === "container" && /container 'web' is not in task definition orders:7; its containers are: app, otel-collector/.test(error.message),
    );
    assert.throws(() => selectContainer(baseTaskDefinition(), "web", "services"), (error: unknown) => error instanceof ConfigurationError && error.input === "services");
  });

  it("defaults to the container with a port when several exist", () => {
    assert.equal(selectContainer(baseTaskDefinition(), undefined, "service").name, "app");
  });

  it("defaults to the container Traefik routes to, not a sidecar listed first with a port of its own", () => {
    const base = baseTaskDefinition();
    const envoy = { name: "envoy", image: "envoyproxy/envoy:v1.31", essential: true, portMappings: [{ containerPort: 9901 }] };
    base.containerDefinitions = [envoy, ...(base.containerDefinitions ?? [])];
    assert.equal(selectContainer(base, undefined, "service").name, "app");
  });

  it("takes the port from the input, then the base label, then the first mapping", () => {
    const app = structuredClone(baseTaskDefinition().containerDefinitions?.[0]) ?? {};
    app.portMappings = [{ containerPort: 9090 }, { containerPort: 8080 }];
    assert.equal(resolvePort(app, 9090, "service"), 9090);
    assert.equal(resolvePort(app, undefined, "service"), 8080);
    app.dockerLabels = {};
    assert.equal(resolvePort(app, undefined, "service"), 9090);
  });

  it("rejects a port the container does not map", () => {
    const app = baseTaskDefinition().containerDefinitions?.[0] ?? {};
    assert.throws(
      () => resolvePort(app, 3000, "service"),
      (error: unknown) => error instanceof ConfigurationError && error.input === "port" && /port 3000 is not a container port of 'app' \(its ports: 8080\)/.test(error.message),
    );
  });
});
