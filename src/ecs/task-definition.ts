import type { ContainerDefinition, KeyValuePair, RegisterTaskDefinitionCommandInput, TaskDefinition } from "@aws-sdk/client-ecs";
import { ConfigurationError } from "../common/errors.js";
import type { Route } from "../routing/route.js";
import { routeFamily } from "./names.js";
import { toEcsTags } from "./route-tags.js";

/** Fields ECS sets on a registered revision; RegisterTaskDefinition rejects or ignores them. */
const READ_ONLY_FIELDS = [
  "taskDefinitionArn",
  "revision",
  "status",
  "requiresAttributes",
  "compatibilities",
  "registeredAt",
  "deregisteredAt",
  "registeredBy",
] as const;

export const ROUTE_VERSION_VARIABLE = "ROUTE_VERSION";
const RESOURCE_ATTRIBUTES_VARIABLE = "OTEL_RESOURCE_ATTRIBUTES";
const PROPAGATORS_VARIABLE = "OTEL_PROPAGATORS";
const ROUTE_RESOURCE_ATTRIBUTE = "deployment.route";
const TRAEFIK_LABEL = /^traefik\./;
const TRAEFIK_HTTP_LABEL = /^traefik\.http\.(routers|services)\./;
const SERVICE_PORT_LABEL = /^traefik\.http\.services\.[^.]+\.loadbalancer\.server\.port$/;

export interface RouteTaskDefinitionOptions {
  route: Route;
  /** The routed container: it gets the image and the route labels. */
  container: string;
  /** Undefined keeps the base image. */
  image: string | undefined;
  /** The Traefik labels of the route (routing/labels.ts). */
  labels: Record<string, string>;
  /** Variables set on the routed container (replaced in place, or added) before the route's own; default none. */
  environment?: Readonly<Record<string, string>>;
  tags: Record<string, string>;
}

export interface RouteTaskDefinition {
  input: RegisterTaskDefinitionCommandInput;
  /** Things the user should know but that do not stop the deploy. */
  warnings: string[];
}

/** True when the base task definition has Traefik route HTTP to this container. */
function routedByTraefik(container: ContainerDefinition): boolean {
  const labels = container.dockerLabels ?? {};
  return labels["traefik.enable"] !== "false" && Object.keys(labels).some((key) => TRAEFIK_HTTP_LABEL.test(key));
}

/**
 * The routed container of a task definition: the named one, or the only one. With several
 * containers and no name, the first one with a port mapping that the base's Traefik labels route
 * to, else the first one with a port mapping: a sidecar listed first (envoy, a collector) must
 * not get the new image.
 */
export function selectContainer(taskDefinition: TaskDefinition, name: string | undefined, input: string): ContainerDefinition {
  const containers = taskDefinition.containerDefinitions ?? [];
  const names = containers.map((container) => container.name ?? "").join(", ");
  if (name !== undefined) {
    const found = containers.find((container) => container.name === name);
    if (found === undefined) {
      throw new ConfigurationError(
        `container '${name}' is not in task definition ${taskDefinition.family}:${taskDefinition.revision}; its containers are: ${names}`,
        input === "services" ? "services" : "container",
      );
    }
    return found;
  }
  const withPort = containers.filter((container) => (container.portMappings ?? []).length > 0);
  const chosen = containers.length === 1 ? containers[0] : (withPort.find(routedByTraefik) ?? withPort[0]);
  if (chosen === undefined) {
    throw new ConfigurationError(
      `task definition ${taskDefinition.family} has ${containers.length} containers (${names}) and none with a port; name the one to route`,
      input === "services" ? "services" : "container",
    );
  }
  return chosen;
}

/**
 * The port Traefik should send route traffic to: the input, else the base's
 * `loadbalancer.server.port` label, else the container's first port mapping.
 */
export function resolvePort(container: ContainerDefinition, port: number | undefined, input: string): number {
  const portInput = input === "services" ? "services" : "port";
  const mapped = (container.portMappings ?? []).map((mapping) => mapping.containerPort).filter((value): value is number => value !== undefined);
  const labelled = [
    ...new Set(
      Object.entries(container.dockerLabels ?? {})
        .filter(([key]) => SERVICE_PORT_LABEL.test(key))
        .map(([, value]) => Number(value)),
    ),
  ];
  if (port === undefined && labelled.length > 1) {
    throw new ConfigurationError(
      `container '${container.name}' has Traefik labels for several ports (${labelled.join(", ")}); give the port to route`,
      portInput,
    );
  }
  const chosen = port ?? labelled[0] ?? mapped[0];
  if (chosen === undefined || !Number.isInteger(chosen) || chosen < 1 || chosen > 65535) {
    throw new ConfigurationError(`container '${container.name}' has no port mapping or port label; give the port to route`, portInput);
  }
  if (mapped.length > 0 && !mapped.includes(chosen)) {
    throw new ConfigurationError(
      `port ${chosen} is not a container port of '${container.name}' (its ports: ${mapped.join(", ")}); Traefik only routes to mapped ports`,
      portInput,
    );
  }
  if (mapped.length === 0) {
    throw new ConfigurationError(`container '${container.name}' has no port mappings; Traefik cannot route to it`, portInput);
  }
  return chosen;
}

function setVariable(environment: KeyValuePair[], name: string, value: string): KeyValuePair[] {
  return [...environment.filter((pair) => pair.name !== name), { name, value }];
}

/** `OTEL_RESOURCE_ATTRIBUTES` with `deployment.route=R` appended (an older route entry replaced). */
export function withRouteResourceAttribute(existing: string | undefined, route: Route): string {
  const kept = (existing ?? "")
    .split(",")
    .map((member) => member.trim())
    .filter((member) => member !== "" && member.split("=", 1)[0]?.trim() !== ROUTE_RESOURCE_ATTRIBUTE);
  return [...kept, `${ROUTE_RESOURCE_ATTRIBUTE}=${route}`].join(",");
}

/** `environment` with each override's value in place of its variable's, new variables appended. */
export function withOverrides(environment: readonly KeyValuePair[], overrides: Readonly<Record<string, string>>): KeyValuePair[] {
  const replaced = environment.map((pair) =>
    pair.name !== undefined && Object.hasOwn(overrides, pair.name) ? { name: pair.name, value: overrides[pair.name] } : pair,
  );
  const present = new Set(environment.map((pair) => pair.name));
  const added = Object.entries(overrides)
    .filter(([name]) => !present.has(name))
    .map(([name, value]) => ({ name, value }));
  return [...replaced, ...added];
}

function routedEnvironment(environment: KeyValuePair[], route: Route): KeyValuePair[] {
  const attributes = environment.find((pair) => pair.name === RESOURCE_ATTRIBUTES_VARIABLE)?.value;
  const withRoute = setVariable(environment, ROUTE_VERSION_VARIABLE, route);
  return setVariable(withRoute, RESOURCE_ATTRIBUTES_VARIABLE, withRouteResourceAttribute(attributes, route));
}

function withoutTraefikLabels(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([key]) => !TRAEFIK_LABEL.test(key)));
}

/**
 * Pure: the task definition of route R's copy (docs/design.md §3.2). Every field of the base is kept but
 * the read-only ones; the family is `<family>--<route>`, never a new revision of the base family.
 * Every container loses the copied `traefik.*` labels (Traefik reads them from all containers, and
 * a copied router name would collide with the base's); the routed container gets the route's
 * labels and image, and only it is exposed (`traefik.enable=false` on the others).
 */
export function routeTaskDefinition(base: TaskDefinition, options: RouteTaskDefinitionOptions): RouteTaskDefinition {
  const warnings: string[] = [];
  const copy: Record<string, unknown> = { ...base };
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  const containers = base.containerDefinitions ?? [];
  if (!containers.some((container) => container.name === options.container)) {
    throw new Error(`container ${options.container} is not in ${base.family}; select it with selectContainer first`);
  }
  const containerDefinitions = containers.map((container): ContainerDefinition => {
    const routed = container.name === options.container;
    const environment = routed ? withOverrides(container.environment ?? [], options.environment ?? {}) : (container.environment ?? []);
    const propagators = environment.find((pair) => pair.name === PROPAGATORS_VARIABLE)?.value;
    if (propagators !== undefined && !propagators.split(",").some((name) => name.trim().toLowerCase() === "baggage")) {
      warnings.push(
        `container '${container.name}' of ${base.family} sets ${PROPAGATORS_VARIABLE}=${propagators} without 'baggage': the route stops at this service for calls it makes downstream; add baggage to the list`,
      );
    }
    return {
      ...container,
      ...(routed && options.image !== undefined ? { image: options.image } : {}),
      environment: routedEnvironment(environment, options.route),
      dockerLabels: routed
        ? { ...withoutTraefikLabels(container.dockerLabels), ...options.labels }
        : { ...withoutTraefikLabels(container.dockerLabels), "traefik.enable": "false" },
    };
  });
  const input: RegisterTaskDefinitionCommandInput = {
    ...(copy as Omit<RegisterTaskDefinitionCommandInput, "family" | "containerDefinitions">),
    family: routeFamily(base.family ?? "", options.route),
    containerDefinitions,
    tags: toEcsTags(options.tags),
  };
  return { input, warnings };
}

/** ECS refuses a task definition whose JSON is larger than 64 KiB. */
export const TASK_DEFINITION_MAX_BYTES = 65_536;

/** The task definition's size as ECS counts it: the bytes of its JSON. */
export function taskDefinitionBytes(input: RegisterTaskDefinitionCommandInput): number {
  return Buffer.byteLength(JSON.stringify(input), "utf8");
}
