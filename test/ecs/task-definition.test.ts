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

describe("selectContainer (which container gets the route)", () => {
  const container = (name: string, portMappings: { containerPort: number }[] = [], dockerLabels: Record<string, string> = {}) => ({
    name,
    image: `${name}:1`,
    portMappings,
    dockerLabels,
  });
  const taskDefinition = (...containerDefinitions: ReturnType<typeof container>[]): TaskDefinition => ({ family: "orders", revision: 12, containerDefinitions });

  it("takes the named container even when it is not first and maps no port", () => {
    const base = taskDefinition(container("app", [{ containerPort: 8080 }]), container("worker"));
    assert.equal(selectContainer(base, "worker", "container").name, "worker");
  });

  it("takes the only container, port or not", () => {
    assert.equal(selectContainer(taskDefinition(container("app")), undefined, "container").name, "app");
  });

  it("refuses several containers none of which maps a port, naming the input to set", () => {
    const base = taskDefinition(container("app"), container("worker"));
    assert.throws(
      () => selectContainer(base, undefined, "container"),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        error.input === "container" &&
        error.message.endsWith("task definition orders has 2 containers (app, worker) and none with a port; name the one to route"),
    );
    assert.throws(() => selectContainer(base, undefined, "services"), (error: unknown) => error instanceof ConfigurationError && error.input === "services");
  });

  it("skips a sidecar whose Traefik labels are switched off or only name middlewares, else takes the first with a port", () => {
    const off = container("envoy", [{ containerPort: 9901 }], { "traefik.enable": "false", "traefik.http.routers.envoy.rule": "Host(`envoy`)" });
    const middlewaresOnly = container("auth", [{ containerPort: 4180 }], { "traefik.http.middlewares.auth.forwardauth.address": "http://auth" });
    const routed = container("app", [{ containerPort: 8080 }], { "traefik.http.services.app.loadbalancer.server.port": "8080" });
    assert.equal(selectContainer(taskDefinition(off, middlewaresOnly, routed), undefined, "container").name, "app");
    assert.equal(selectContainer(taskDefinition(container("worker"), off, middlewaresOnly), undefined, "container").name, "envoy");
  });
});

describe("resolvePort (refusals)", () => {
  const app = (portMappings: { containerPort?: number }[], dockerLabels: Record<string, string> = {}) => ({ name: "app", portMappings, dockerLabels });
  const refuses = (input: string, message: string) => (error: unknown) =>
    error instanceof ConfigurationError && error.input === input && error.message === message;

  it("asks for the port when the base labels route to several, and not when they repeat one", () => {
    const labels = { "traefik.http.services.a.loadbalancer.server.port": "8080", "traefik.http.services.b.loadbalancer.server.port": "9090" };
    const container = app([{ containerPort: 8080 }, { containerPort: 9090 }], labels);
    assert.throws(() => resolvePort(container, undefined, "port"), refuses("port", "container 'app' has Traefik labels for several ports (8080, 9090); give the port to route"));
    assert.throws(() => resolvePort(container, undefined, "services"), refuses("services", "container 'app' has Traefik labels for several ports (8080, 9090); give the port to route"));
    assert.equal(resolvePort(container, 9090, "port"), 9090);
    const repeated = { ...labels, "traefik.http.services.b.loadbalancer.server.port": "8080" };
    assert.equal(resolvePort(app([{ containerPort: 8080 }, { containerPort: 9090 }], repeated), undefined, "port"), 8080);
  });

  it("reads only service port labels, not other Traefik labels that end in port", () => {
    const labels = { "traefik.http.services.a.loadbalancer.healthcheck.port": "9000", "traefik.http.services.a.loadbalancer.server.port": "8080" };
    assert.equal(resolvePort(app([{ containerPort: 9000 }, { containerPort: 8080 }], labels), undefined, "port"), 8080);
  });

  it("accepts ports 1 to 65535 and refuses anything else", () => {
    assert.equal(resolvePort(app([{ containerPort: 1 }]), 1, "port"), 1);
    assert.equal(resolvePort(app([{ containerPort: 65535 }]), 65535, "port"), 65535);
    for (const port of [0, -1, 65536, 80.5]) {
      assert.throws(() => resolvePort(app([{ containerPort: 80 }]), port, "port"), refuses("port", "container 'app' has no port mapping or port label; give the port to route"), String(port));
    }
    const notANumber = app([{ containerPort: 80 }], { "traefik.http.services.a.loadbalancer.server.port": "http" });
    assert.throws(() => resolvePort(notANumber, undefined, "services"), refuses("services", "container 'app' has no port mapping or port label; give the port to route"));
  });

  it("refuses a container without port mappings, even with a port given, since Traefik skips it", () => {
    assert.throws(() => resolvePort(app([]), undefined, "port"), refuses("port", "container 'app' has no port mapping or port label; give the port to route"));
    assert.throws(() => resolvePort(app([{}]), 8080, "port"), refuses("port", "container 'app' has no port mappings; Traefik cannot route to it"));
    assert.throws(
      () => resolvePort(app([{ containerPort: 8080 }, { containerPort: 8443 }]), 3000, "services"),
      refuses("services", "port 3000 is not a container port of 'app' (its ports: 8080, 8443); Traefik only routes to mapped ports"),
    );
  });
});

describe("routeTaskDefinition (labels, environment and read-only fields)", () => {
  const options = { route: "pr-12", container: "app", image: undefined, labels: { "traefik.enable": "true" }, tags: {} };

  it("keeps each container's own labels, dropping only traefik.* ones", () => {
    const base = baseTaskDefinition();
    const [app, collector] = base.containerDefinitions ?? [];
    if (app === undefined || collector === undefined) throw new Error("fixture has two containers");
    app.dockerLabels = { ...app.dockerLabels, traefik: "bare root, not a Traefik setting", "traefikee.node": "1" };
    collector.dockerLabels = { "com.example.team": "observability", "traefik.http.routers.collector.rule": "Host(`collector`)" };
    const [routedApp, routedCollector] = routeTaskDefinition(base, options).input.containerDefinitions ?? [];
    assert.deepEqual(routedApp?.dockerLabels, { "com.example.team": "payments", traefik: "bare root, not a Traefik setting", "traefikee.node": "1", "traefik.enable": "true" });
    assert.deepEqual(routedCollector?.dockerLabels, { "com.example.team": "observability", "traefik.enable": "false" });
  });

  it("replaces an older ROUTE_VERSION and route attribute, whatever the spacing", () => {
    const base = baseTaskDefinition();
    const app = base.containerDefinitions?.[0];
    if (app === undefined) throw new Error("fixture has an app container");
    app.environment = [
      { name: "ROUTE_VERSION", value: "shadow" },
      { name: "OTEL_RESOURCE_ATTRIBUTES", value: " service.name=orders , deployment.route = shadow,,team=payments" },
    ];
    assert.deepEqual(routeTaskDefinition(base, options).input.containerDefinitions?.[0]?.environment, [
      { name: "ROUTE_VERSION", value: "pr-12" },
      { name: "OTEL_RESOURCE_ATTRIBUTES", value: "service.name=orders,team=payments,deployment.route=pr-12" },
    ]);
    assert.equal(withRouteResourceAttribute("deployment.routes=x", "pr-12"), "deployment.routes=x,deployment.route=pr-12");
  });

  it("warns only when OTEL_PROPAGATORS names no baggage propagator, and says which container", () => {
    const base = baseTaskDefinition();
    const collector = base.containerDefinitions?.[1];
    if (collector === undefined) throw new Error("fixture has a collector container");
    collector.environment = [{ name: "OTEL_PROPAGATORS", value: "tracecontext,baggagex" }];
    assert.deepEqual(routeTaskDefinition(base, options).warnings, [
      "container 'otel-collector' of orders sets OTEL_PROPAGATORS=tracecontext,baggagex without 'baggage': the route stops at this service for calls it makes downstream; add baggage to the list",
    ]);
    collector.environment = [{ name: "OTEL_SERVICE_NAME", value: "collector" }];
    assert.deepEqual(routeTaskDefinition(base, options).warnings, []);
  });

  it("drops deregistration fields of an inactive base revision", () => {
    const base = { ...baseTaskDefinition(), status: "INACTIVE" as const, deregisteredAt: new Date("2026-11-20T00:00:00Z") };
    const { input } = routeTaskDefinition(base, options);
    assert.ok(!("deregisteredAt" in input) && !("status" in input));
  });

  it("treats a container that selectContainer did not choose as a bug, not a user mistake", () => {
    assert.throws(
      () => routeTaskDefinition(baseTaskDefinition(), { ...options, container: "web" }),
      (error: unknown) => !(error instanceof ConfigurationError) && error instanceof Error && /container web is not in orders/.test(error.message),
    );
  });
});

describe("Traefik labels are those whose key starts with traefik.", () => {
  it("keeps a label that only mentions traefik further in, on the routed container and the others", () => {
    const base = baseTaskDefinition();
    const [app, collector] = base.containerDefinitions ?? [];
    if (app === undefined || collector === undefined) throw new Error("fixture has two containers");
    app.dockerLabels = { ...app.dockerLabels, "com.example.traefik.note": "kept" };
    collector.dockerLabels = { "io.traefik.http.routers.note": "kept" };
    const [routedApp, routedCollector] = routeTaskDefinition(base, { route: "pr-12", container: "app", image: undefined, labels: {}, tags: {} }).input.containerDefinitions ?? [];
    assert.equal(routedApp?.dockerLabels?.["com.example.traefik.note"], "kept");
    assert.deepEqual(routedCollector?.dockerLabels, { "io.traefik.http.routers.note": "kept", "traefik.enable": "false" });
  });

  it("does not take a sidecar for the routed container because a label of its mentions traefik.http further in", () => {
    const sidecar = { name: "envoy", portMappings: [{ containerPort: 9901 }], dockerLabels: { "io.traefik.http.routers.note": "x" } };
    const app = { name: "app", portMappings: [{ containerPort: 8080 }], dockerLabels: { "traefik.http.routers.app.rule": "Host(`app`)" } };
    assert.equal(selectContainer({ family: "orders", containerDefinitions: [sidecar, app] }, undefined, "container").name, "app");
  });

  it("reads the port only from a key that is exactly traefik.http.services.<name>.loadbalancer.server.port", () => {
    const container = {
      name: "app",
      portMappings: [{ containerPort: 8080 }, { containerPort: 9090 }],
      dockerLabels: {
        "io.traefik.http.services.a.loadbalancer.server.port": "9090",
        "traefik.http.services.a.loadbalancer.server.port.note": "9090",
      },
    };
    assert.equal(resolvePort(container, undefined, "port"), 8080);
  });

  it("counts a container without a portMappings field as one without ports", () => {
    const worker = { name: "worker", image: "worker:1" };
    const app = { name: "app", image: "app:1", portMappings: [{ containerPort: 8080 }] };
    assert.equal(selectContainer({ family: "orders", containerDefinitions: [worker, app] }, undefined, "container").name, "app");
  });
});
