// The demo's development cluster: three default ("legacy") services deployed by hand, each with its
// own Traefik router, web → orders → payments calling each other back through the router. orders is
// shaped like a real cluster's service: behind the team's forwardAuth, with a stripPrefix and a
// headers middleware defined in its own labels.
import type { RegisterTaskDefinitionRequest } from "@aws-sdk/client-ecs";
import type { SeedServiceInput } from "../../test/emulators/ecs/index.js";
import { join } from "node:path";
import { DOWNSTREAM_URL_VARIABLE, STORE_DIR_VARIABLE } from "./containers.js";

export const CLUSTER = "dev";
export const CONTAINER = "app";
export const CONTAINER_PORT = 8080;
/** The CloudWatch Logs group every service's awslogs driver writes to; a one-off test task takes it from its base service. */
export const LOG_GROUP = "/ecs/dev";
export const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

export interface BaseService {
  name: string;
  /** The path prefix its router answers (Host-free, so the demo needs no DNS). */
  path: string;
  /** The base service it calls for every request, through the router. */
  calls?: string;
  /** It keeps data: a "database" per route (a directory under the demo's stores). */
  store?: boolean;
  /** Its router runs forwardAuth, stripPrefix and headers middlewares (see middlewareLabels). */
  behindAuth?: boolean;
}

/** Where the demo's services find what is outside the cluster. */
export interface DemoEndpoints {
  /** The router (Traefik's entrypoint) the services call each other through. */
  routerUrl: string;
  /** The forwardAuth address of the team's auth server (auth.ts). */
  authAddress: string;
}

/** The response header orders' headers middleware sets, to show the copy runs the base's middlewares. */
export const OWNER_HEADER = "X-Owner-Team";

export const BASE_SERVICES: readonly BaseService[] = [
  { name: "web", path: "/web", calls: "orders" },
  { name: "orders", path: "/orders", calls: "payments", store: true, behindAuth: true },
  { name: "payments", path: "/payments" },
];

export function image(service: string, tag: string): string {
  return `${REGISTRY}/${service}:${tag}`;
}

/** A service behind auth: forwardAuth first, then stripPrefix (the container serves `/`), then headers. */
function middlewareLabels(service: BaseService, authAddress: string): Record<string, string> {
  const middleware = (name: string) => `traefik.http.middlewares.${service.name}-${name}`;
  return {
    [`${middleware("auth")}.forwardauth.address`]: authAddress,
    [`${middleware("strip")}.stripprefix.prefixes`]: service.path,
    [`${middleware("headers")}.headers.customresponseheaders.${OWNER_HEADER}`]: "checkout",
    [`traefik.http.routers.${service.name}.middlewares`]: ["auth", "strip", "headers"].map((name) => `${service.name}-${name}`).join(","),
  };
}

/** The Traefik labels a platform team puts on a default service: one router, one service, one port. */
export function baseLabels(service: BaseService, authAddress: string): Record<string, string> {
  return {
    "traefik.enable": "true",
    [`traefik.http.routers.${service.name}.rule`]: `PathPrefix(\`${service.path}\`)`,
    [`traefik.http.routers.${service.name}.service`]: service.name,
    [`traefik.http.services.${service.name}.loadbalancer.server.port`]: String(CONTAINER_PORT),
    ...(service.behindAuth === true ? middlewareLabels(service, authAddress) : {}),
    "com.example.team": "checkout",
  };
}

/** The store of `route` under `storesDir`: the default services' is `default`. */
export function storeDir(storesDir: string, route: string): string {
  return join(storesDir, route);
}

/** `storesDir` holds the stores of services with `store`; the default services write to `default`. */
export function baseTaskDefinition(service: BaseService, endpoints: DemoEndpoints, storesDir?: string): RegisterTaskDefinitionRequest {
  const downstream = BASE_SERVICES.find((candidate) => candidate.name === service.calls);
  return {
    family: service.name,
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: "256",
    memory: "512",
    executionRoleArn: "arn:aws:iam::123456789012:role/ecs-task-execution",
    taskRoleArn: `arn:aws:iam::123456789012:role/${service.name}-task`,
    containerDefinitions: [
      {
        name: CONTAINER,
        image: image(service.name, "2026.11.0"),
        essential: true,
        portMappings: [{ containerPort: CONTAINER_PORT, protocol: "tcp" }],
        environment: [
          { name: "OTEL_SERVICE_NAME", value: service.name },
          { name: "OTEL_PROPAGATORS", value: "tracecontext,baggage" },
          ...(downstream === undefined ? [] : [{ name: DOWNSTREAM_URL_VARIABLE, value: `${endpoints.routerUrl}${downstream.path}/` }]),
          ...(service.store === true && storesDir !== undefined ? [{ name: STORE_DIR_VARIABLE, value: storeDir(storesDir, "default") }] : []),
        ],
        dockerLabels: baseLabels(service, endpoints.authAddress),
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": LOG_GROUP, "awslogs-region": "us-east-1", "awslogs-stream-prefix": service.name } },
      },
    ],
  };
}

export function baseServiceSeed(service: BaseService, endpoints: DemoEndpoints, storesDir?: string): SeedServiceInput {
  return {
    cluster: CLUSTER,
    taskDefinition: baseTaskDefinition(service, endpoints, storesDir),
    service: {
      serviceName: service.name,
      cluster: CLUSTER,
      desiredCount: 1,
      launchType: "FARGATE",
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ["subnet-0a1b2c3d4e5f60718"], securityGroups: ["sg-0a1b2c3d4e5f60718"], assignPublicIp: "DISABLED" },
      },
    },
    tags: [{ key: "team", value: "checkout" }],
    stable: true,
  };
}
