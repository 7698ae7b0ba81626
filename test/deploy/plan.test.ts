// The pure deploy plan (src/deploy/plan.ts): what a deploy decides from what it read, before any
// mutating call. Examples only, no emulator: the deploy tests run the same plan against ECS.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Service, TaskDefinition } from "@aws-sdk/client-ecs";
import { ConfigurationError } from "../../src/common/errors.js";
import type { ServiceSpec } from "../../src/config/services.js";
import type { PlanOptions } from "../../src/deploy/options.js";
import { planRoute, type ServicePlan } from "../../src/deploy/plan.js";
import type { BaseRead, RouteRead } from "../../src/deploy/read.js";
import { fromEcsTags, routeTags, toEcsTags } from "../../src/ecs/route-tags.js";
import { MANAGED_BY, TAG, TAG_LIMITS } from "../../src/ecs/tags.js";
import { TASK_DEFINITION_MAX_BYTES } from "../../src/ecs/task-definition.js";
import { DEFAULT_PRIORITIES } from "../../src/routing/labels.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { REPOSITORY } from "../helpers/webhooks.js";

const NOW = new Date("2026-12-02T01:00:00.000Z");

function spec(service: string, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return { service, container: undefined, image: undefined, match: undefined, port: undefined, protocol: "http", environment: {}, input: "services", ...overrides };
}

function options(overrides: Partial<PlanOptions> = {}): PlanOptions {
  return {
    cluster: "dev",
    route: "pr-7",
    kind: "ephemeral",
    services: [spec("orders")],
    routing: {
      signal: DEFAULT_SIGNAL_NAMES,
      ruleSyntax: "v3",
      entrypoints: [],
      priority: DEFAULT_PRIORITIES.route,
      fallbackPriority: DEFAULT_PRIORITIES.shadowFallback,
      fallback: "shadow",
    },
    desiredCount: 1,
    tags: { repository: REPOSITORY, repositoryId: "417", cluster: "dev", sharedRoute: false, commit: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", pullRequest: 7, expiresAt: undefined, userTags: {} },
    branch: "feature/checkout",
    ...overrides,
  };
}

/** A base task definition with a log sidecar listed first and the app Traefik routes to. */
function taskDefinition(family: string): TaskDefinition {
  return {
    taskDefinitionArn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:12`,
    family,
    revision: 12,
    containerDefinitions: [
      { name: "log-router", image: "fluent-bit:stable", portMappings: [{ containerPort: 2020 }] },
      {
        name: "app",
        image: `registry.example.com/${family}:main-1`,
        portMappings: [{ containerPort: 8080 }, { containerPort: 9090 }],
        environment: [{ name: "LOG_LEVEL", value: "info" }],
        dockerLabels: {
          "traefik.enable": "true",
          [`traefik.http.routers.${family}.rule`]: `Host(\`${family}.dev.internal\`)`,
          [`traefik.http.services.${family}.loadbalancer.server.port`]: "8080",
          team: "payments",
        },
      },
    ],
  };
}

function baseRead(serviceSpec: ServiceSpec, family = serviceSpec.service): BaseRead {
  return { spec: serviceSpec, base: { serviceName: serviceSpec.service, status: "ACTIVE" }, taskDefinition: taskDefinition(family) };
}

function read(plan: PlanOptions, copies: Service[] = []): RouteRead {
  return { region: "eu-west-1", bases: plan.services.map((serviceSpec) => baseRead(serviceSpec)), copies: new Map(copies.map((copy) => [copy.serviceName ?? "", copy])), routeCopies: [], pullRequests: new Map() };
}

/** A copy as ECS describes it, tagged as this repository's deploy tags it. */
function copy(name: string, status: string, tags: Record<string, string> = ourTags()): Service {
  return { serviceName: name, status, tags: toEcsTags(tags) };
}

function ourTags(overrides: Record<string, string> = {}): Record<string, string> {
  return { ...routeTags({ ...options().tags, route: "pr-7", kind: "ephemeral" }, "orders", new Date("2026-11-30T00:00:00Z")), ...overrides };
}

function withoutKey<T extends object>(value: T, key: keyof T): T {
  return Object.fromEntries(Object.entries(value).filter(([name]) => name !== key)) as T;
}

function only(plan: PlanOptions, copies: Service[] = []): ServicePlan {
  const [service, ...others] = planRoute(plan, read(plan, copies), NOW).services;
  assert.equal(others.length, 0);
  assert.ok(service !== undefined);
  return service;
}

function refuses(input: string, message: RegExp | string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ConfigurationError, `expected a ConfigurationError, got ${String(error)}`);
    assert.equal(error.input, input);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}

/** The routed container of a plan's task definition. */
function routedContainer(plan: ServicePlan) {
  const container = plan.taskDefinition.input.containerDefinitions?.find((definition) => definition.name === "app");
  assert.ok(container !== undefined);
  return container;
}

describe("planRoute: create, update or replace", () => {
  it("creates a copy no service has the name of, and one whose name only an INACTIVE service holds", () => {
    for (const copies of [[], [copy("orders--pr-7", "INACTIVE", { unrelated: "x" })]]) {
      const plan = only(options(), copies);
      assert.equal(plan.change, "create");
      assert.equal(plan.existing, undefined);
      assert.equal(plan.routeService, "orders--pr-7");
    }
  });

  it("updates this repository's ACTIVE copy in place, and replaces a DRAINING one once it is gone", () => {
    const active = copy("orders--pr-7", "ACTIVE");
    assert.equal(only(options(), [active]).change, "update");
    assert.equal(only(options(), [active]).existing, active);
    // A draining service is on its way out whoever made it: the copy is created anew after it.
    const draining = copy("orders--pr-7", "DRAINING", {});
    assert.equal(only(options(), [draining]).change, "replace");
    assert.equal(only(options(), [draining]).existing, draining);
  });

  it("plans every listed service in the order listed, each looked up by its own copy's name", () => {
    const plan = options({ services: [spec("payments"), spec("orders")] });
    const services = planRoute(plan, read(plan, [copy("orders--pr-7", "ACTIVE"), copy("orders--pr-8", "ACTIVE")]), NOW).services;
    assert.deepEqual(
      services.map((service) => [service.routeService, service.change]),
      [
        ["payments--pr-7", "create"],
        ["orders--pr-7", "update"],
      ],
    );
  });
});

describe("planRoute: ownership (docs/design.md §4)", () => {
  it("refuses to update an ACTIVE service without the managed-by tag: someone else made it", () => {
    const unmanaged = withoutKey(ourTags(), TAG.managedBy);
    assert.throws(
      () => only(options(), [copy("orders--pr-7", "ACTIVE", unmanaged)]),
      refuses(
        "route",
        `service 'orders--pr-7' already exists in cluster 'dev' without the tag ${TAG.managedBy}=${MANAGED_BY}, so it is not a copy this action made; rename it or choose another route`,
      ),
    );
    assert.throws(() => only(options(), [copy("orders--pr-7", "ACTIVE", ourTags({ [TAG.managedBy]: "someone-else" }))]), refuses("route", /without the tag/));
  });

  it("refuses to update another repository's copy of the same route", () => {
    assert.throws(
      () => only(options(), [copy("orders--pr-7", "ACTIVE", ourTags({ [TAG.repository]: "Codertocat/Other", [TAG.repositoryId]: "999" }))]),
      refuses(
        "route",
        "service 'orders--pr-7' is Codertocat/Other's copy of 'orders' for route pr-7, not Codertocat/Hello-World's, and a route has one copy of a service; give this repository routes of its own with route-template (e.g. {repository}-pr-{number})",
      ),
    );
    // The id decides where both have one: a repository re-created under the same name is another one.
    assert.throws(() => only(options(), [copy("orders--pr-7", "ACTIVE", ourTags({ [TAG.repositoryId]: "999" }))]), refuses("route", /not Codertocat\/Hello-World's/));
  });

  it("claims the route before it plans any copy: another open pull request's route stops the whole plan", () => {
    const plan = options({ services: [spec("orders"), spec("cart")] });
    const held: RouteRead = {
      ...read(plan),
      routeCopies: [
        { serviceName: "cart--pr-7", baseService: "cart", repository: REPOSITORY, owner: { kind: "ours", migrate: false }, pullRequest: 9, shared: false },
      ],
      pullRequests: new Map([[9, { kind: "open" }]]),
    };
    assert.throws(() => planRoute(plan, held, NOW), refuses("route", /^route pr-7 belongs to pull request #9, which is open \(cart--pr-7\)/));
  });

  it("updates its own copy made before the repository was renamed (same repository id)", () => {
    assert.equal(only(options(), [copy("orders--pr-7", "ACTIVE", ourTags({ [TAG.repository]: "Codertocat/Old-Name" }))]).change, "update");
  });

  it("updates a managed copy whose tags name no repository (made before the repository tag existed)", () => {
    const older = withoutKey(ourTags(), TAG.repository);
    assert.equal(only(options(), [copy("orders--pr-7", "ACTIVE", older)]).change, "update");
  });
});

describe("planRoute: tags", () => {
  it("tags the copy and its task definition with the route, kind, base service and the time of this deploy", () => {
    const plan = only(options({ tags: { ...options().tags, userTags: { team: "payments" } } }));
    assert.equal(plan.tags[TAG.route], "pr-7");
    assert.equal(plan.tags[TAG.kind], "ephemeral");
    assert.equal(plan.tags[TAG.baseService], "orders");
    assert.equal(plan.tags[TAG.createdAt], NOW.toISOString());
    assert.equal(plan.tags.team, "payments");
    assert.deepEqual(fromEcsTags(plan.taskDefinition.input.tags), plan.tags);
  });

  it("refuses an update whose tags, with those the copy already has, would pass ECS's limit; aws: tags do not count", () => {
    const own = Object.keys(ourTags()).length;
    const room = TAG_LIMITS.perResource - own;
    const earlier = Object.fromEntries(Array.from({ length: room }, (_, index) => [`earlier-${index}`, "x"]));
    const system = { "aws:cloudformation:stack-name": "dev" };
    // Exactly at the limit (the copy's earlier user tags fill it): fine.
    assert.equal(only(options(), [copy("orders--pr-7", "ACTIVE", ourTags({ ...earlier, ...system }))]).change, "update");
    // One new user tag more: over it, though the created-at tag is counted once.
    const plan = options({ tags: { ...options().tags, userTags: { added: "y" } } });
    assert.throws(
      () => only(plan, [copy("orders--pr-7", "ACTIVE", ourTags({ ...earlier, ...system }))]),
      refuses(
        "tags",
        `orders--pr-7 already has ${TAG_LIMITS.perResource} tags; with these it would have ${TAG_LIMITS.perResource + 1}, over ECS's limit of ${TAG_LIMITS.perResource}; untag the copy (aws ecs untag-resource) or give fewer tags`,
      ),
    );
    // A tag the copy already has is not counted twice.
    const repeated = options({ tags: { ...options().tags, userTags: { "earlier-0": "z" } } });
    assert.equal(only(repeated, [copy("orders--pr-7", "ACTIVE", ourTags(earlier))]).change, "update");
  });

  it("does not count a copy's tags when it creates one (a draining copy's tags go with it)", () => {
    const many = Object.fromEntries(Array.from({ length: TAG_LIMITS.perResource }, (_, index) => [`old-${index}`, "x"]));
    assert.equal(only(options(), [copy("orders--pr-7", "DRAINING", many)]).change, "replace");
  });
});

describe("planRoute: names ECS accepts", () => {
  it("refuses a copy whose service name or task-definition family would be longer than 255 characters", () => {
    const longest = "s".repeat(255 - "--pr-7".length);
    assert.equal(only(options({ services: [spec(longest)] })).routeService.length, 255);
    assert.throws(() => only(options({ services: [spec(`${longest}s`)] })), refuses("route", `'${longest}s--pr-7' would be longer than ECS's 255 characters; use a shorter route`));
    // The family is the base's family, which may be longer than the service name.
    const plan = options({ services: [spec("orders")] });
    const longFamily: RouteRead = { ...read(plan), bases: [baseRead(spec("orders"), `${longest}f`)] };
    assert.throws(() => planRoute(plan, longFamily, NOW), refuses("route", `'${longest}f--pr-7' would be longer than ECS's 255 characters; use a shorter route`));
  });
});

describe("planRoute: the copy's task definition", () => {
  it("routes the container Traefik routes to, on its labelled port, with the base's image unless one is given", () => {
    const kept = only(options());
    assert.equal(kept.image, "registry.example.com/orders:main-1");
    assert.equal(routedContainer(kept).image, "registry.example.com/orders:main-1");
    assert.equal(routedContainer(kept).dockerLabels?.["traefik.http.services.orders--pr-7.loadbalancer.server.port"], "8080");
    assert.equal(kept.taskDefinition.input.family, "orders--pr-7");
    const given = only(options({ services: [spec("orders", { image: "registry.example.com/orders:pr-7", port: 9090 })] }));
    assert.equal(given.image, "registry.example.com/orders:pr-7");
    assert.equal(routedContainer(given).image, "registry.example.com/orders:pr-7");
    assert.equal(routedContainer(given).dockerLabels?.["traefik.http.services.orders--pr-7.loadbalancer.server.port"], "9090");
  });

  it("routes the named container, and refuses one the task definition does not have", () => {
    const plan = only(options({ services: [spec("orders", { container: "log-router", match: "Host(`logs.dev.internal`)" })] }));
    const sidecar = plan.taskDefinition.input.containerDefinitions?.find((definition) => definition.name === "log-router");
    assert.equal(sidecar?.dockerLabels?.["traefik.http.services.orders--pr-7.loadbalancer.server.port"], "2020");
    assert.equal(routedContainer(plan).dockerLabels?.["traefik.enable"], "false");
    assert.throws(() => only(options({ services: [spec("orders", { container: "web" })] })), refuses("services", /container 'web' is not in task definition orders:12/));
  });

  it("labels the routed container with the route's router: the base rule (or the match) and the signal, at the route's priority", () => {
    const labels = routedContainer(only(options())).dockerLabels ?? {};
    assert.match(labels["traefik.http.routers.orders--pr-7.rule"] ?? "", /^Host\(`orders\.dev\.internal`\) && \(Header\(`X-Route-Version`, `pr-7`\)/);
    assert.equal(labels["traefik.http.routers.orders--pr-7.priority"], String(DEFAULT_PRIORITIES.route));
    assert.equal(labels.team, "payments");
    const matched = options({ services: [spec("orders", { match: "PathPrefix(`/api`)" })], routing: { ...options().routing, priority: 40000 } });
    const matchedLabels = routedContainer(only(matched)).dockerLabels ?? {};
    assert.match(matchedLabels["traefik.http.routers.orders--pr-7.rule"] ?? "", /^PathPrefix\(`\/api`\) && \(/);
    assert.equal(matchedLabels["traefik.http.routers.orders--pr-7.priority"], "40000");
  });

  it("runs the desired count of tasks asked for", () => {
    assert.equal(only(options({ desiredCount: 3 })).desiredCount, 3);
  });
});

describe("planRoute: label mistakes name the input they came from", () => {
  it("names the services item for its match or base labels, prefixed by the service; the single-service inputs as they are", () => {
    const badMatch = { match: "Host(`a`" };
    assert.throws(() => only(options({ services: [spec("orders", badMatch)] })), refuses("services", /^orders: Host\(`a` is not a valid Traefik v3 rule/));
    assert.throws(() => only(options({ services: [spec("orders", { ...badMatch, input: "service" })] })), refuses("match", /^Host\(`a` is not a valid Traefik v3 rule/));
    const tcp: RouteRead = { ...read(options()), bases: [baseRead(spec("orders"))] };
    const app = tcp.bases[0]?.taskDefinition.containerDefinitions?.[1];
    if (app?.dockerLabels !== undefined) app.dockerLabels["traefik.tcp.routers.db.rule"] = "HostSNI(`*`)";
    assert.throws(() => planRoute(options(), tcp, NOW), refuses("services", /^orders: the base label traefik\.tcp\.routers\.db\.rule routes TCP or UDP/));
    const single = options({ services: [spec("orders", { input: "service" })] });
    const singleTcp: RouteRead = { ...tcp, bases: [{ ...(tcp.bases[0] as BaseRead), spec: spec("orders", { input: "service" }) }] };
    assert.throws(() => planRoute(single, singleTcp, NOW), refuses("service", /^the base label traefik\.tcp\.routers\.db\.rule routes TCP or UDP/));
  });

  it("keeps a routing input's own name for a services item (the priority is not the item's)", () => {
    const lowPriority = options({ routing: { ...options().routing, priority: DEFAULT_PRIORITIES.shadowFallback } });
    assert.throws(() => only(lowPriority), refuses("priority", /^10000 must be above the shadow fallback priority 10000/));
  });
});

describe("planRoute: environment overrides (docs/design.md §3.2)", () => {
  const environment = (plan: ServicePlan) => Object.fromEntries((routedContainer(plan).environment ?? []).map((pair) => [pair.name, pair.value]));

  it("sets the deploy's variables, then each service's own (which win), with placeholders replaced", () => {
    const plan = options({
      environment: { DEPLOY_WIDE: "all", SHARED: "deploy" },
      services: [spec("orders", { environment: { SHARED: "{service}", DB: "orders_{number}", ROUTE: "{route}", BRANCH: "{branch}" } })],
    });
    const variables = environment(only(plan));
    assert.equal(variables.DEPLOY_WIDE, "all");
    assert.equal(variables.SHARED, "orders");
    assert.equal(variables.DB, "orders_7");
    assert.equal(variables.ROUTE, "pr-7");
    assert.equal(variables.BRANCH, "feature/checkout");
    assert.equal(variables.LOG_LEVEL, "info");
    assert.equal(variables.ROUTE_VERSION, "pr-7");
  });

  it("refuses a placeholder this deploy has no value for, naming the services item or the environment input", () => {
    const shadow = { route: "shadow", kind: "shadow" as const, tags: { ...options().tags, pullRequest: undefined } };
    assert.throws(
      () => only(options({ ...shadow, services: [spec("orders", { environment: { DB: "orders_{number}" } })] })),
      refuses("services", /^orders environment: DB uses \{number\}, but this deploy is not for a pull request/),
    );
    assert.throws(
      () => only(options({ ...shadow, services: [spec("orders", { environment: { DB: "orders_{number}" }, input: "service" })] })),
      refuses("environment", /^DB uses \{number\}, but this deploy is not for a pull request/),
    );
    const noBranch = withoutKey(options(), "branch");
    assert.throws(() => only({ ...noBranch, services: [spec("orders", { environment: { B: "{branch}" } })] }), refuses("services", /B uses \{branch\}, but this deploy names no branch/));
  });

  it("refuses overrides that make the task definition larger than ECS takes, naming the input they came from", () => {
    const large = { LARGE: "x".repeat(TASK_DEFINITION_MAX_BYTES) };
    assert.throws(
      () => only(options({ services: [spec("orders", { environment: large })] })),
      refuses("services", /^orders: the copy's task definition would be \d+ bytes with its environment overrides, over ECS's 65536; set fewer or shorter variables$/),
    );
    assert.throws(() => only(options({ services: [spec("orders", { environment: large, input: "service" })] })), refuses("environment", /over ECS's 65536/));
    assert.throws(() => only(options({ environment: large, services: [spec("orders", { input: "service" })] })), refuses("environment", /over ECS's 65536/));
  });

  it("takes a task definition of exactly ECS's limit", () => {
    const fits = (size: number) => only(options({ services: [spec("orders", { environment: { PAD: "x".repeat(size) } })] }));
    const base = JSON.stringify(fits(0).taskDefinition.input).length;
    assert.equal(JSON.stringify(fits(TASK_DEFINITION_MAX_BYTES - base).taskDefinition.input).length, TASK_DEFINITION_MAX_BYTES);
    assert.throws(() => fits(TASK_DEFINITION_MAX_BYTES - base + 1), refuses("services", /would be 65537 bytes/));
  });
});
