import { createHash } from "node:crypto";
import type {
  CreateServiceCommandInput,
  DeploymentConfiguration,
  Service,
  ServiceConnectConfiguration,
  UpdateServiceCommandInput,
} from "@aws-sdk/client-ecs";
import type { Route } from "../routing/route.js";
import { toEcsTags } from "./route-tags.js";

/** ECS's limit on CreateService's clientToken. */
export const CLIENT_TOKEN_MAX_LENGTH = 36;

export interface RouteServiceOptions {
  cluster: string;
  serviceName: string;
  taskDefinitionArn: string;
  desiredCount: number;
  tags: Record<string, string>;
}

/**
 * A CreateService clientToken: a retried call (the SDK retries on throttling and 5xx) carries the
 * same token and never creates two services. Derived from route, commit, service and the task
 * definition revision registered for this run, so a later re-run (a new revision) is a new request
 * and is not answered with a service deleted since.
 */
export function createServiceClientToken(route: Route, commit: string, serviceName: string, taskDefinitionArn: string): string {
  return createHash("sha256")
    .update([route, commit, serviceName, taskDefinitionArn].join("\n"))
    .digest("base64url")
    .slice(0, CLIENT_TOKEN_MAX_LENGTH);
}

/** The rollout of a copy: the base's pacing, always with the circuit breaker and rollback on. */
function routeDeploymentConfiguration(base: Service): DeploymentConfiguration {
  const configuration = base.deploymentConfiguration;
  return {
    ...(configuration?.maximumPercent !== undefined ? { maximumPercent: configuration.maximumPercent } : {}),
    ...(configuration?.minimumHealthyPercent !== undefined ? { minimumHealthyPercent: configuration.minimumHealthyPercent } : {}),
    deploymentCircuitBreaker: { enable: true, rollback: true },
  };
}

/**
 * Service Connect as a client only: the copy may call other services by their names, but its
 * `services` (server) entries are dropped, so it never answers for the base service's names.
 */
function clientOnlyServiceConnect(base: Service): ServiceConnectConfiguration | undefined {
  const primary = base.deployments?.find((deployment) => deployment.status === "PRIMARY") ?? base.deployments?.[0];
  const configuration = primary?.serviceConnectConfiguration;
  if (configuration?.enabled !== true) return undefined;
  return {
    enabled: true,
    ...(configuration.namespace !== undefined ? { namespace: configuration.namespace } : {}),
    ...(configuration.logConfiguration !== undefined ? { logConfiguration: configuration.logConfiguration } : {}),
  };
}

/** What the copy's tasks run on, as for the base service: its capacity providers or launch type. */
function capacity(base: Service): Partial<CreateServiceCommandInput> {
  const strategy = base.capacityProviderStrategy ?? [];
  return strategy.length > 0 ? { capacityProviderStrategy: strategy } : base.launchType !== undefined ? { launchType: base.launchType } : {};
}

/** Where and how the copy's tasks run, as for the base service. */
function placement(base: Service): Partial<CreateServiceCommandInput> {
  return {
    ...(base.platformVersion !== undefined ? { platformVersion: base.platformVersion } : {}),
    ...(base.networkConfiguration !== undefined ? { networkConfiguration: base.networkConfiguration } : {}),
    ...((base.placementConstraints ?? []).length > 0 ? { placementConstraints: base.placementConstraints } : {}),
    ...((base.placementStrategy ?? []).length > 0 ? { placementStrategy: base.placementStrategy } : {}),
  };
}

/**
 * Pure: CreateService for route R's copy of `base` (docs/design.md §3.3). Load balancers, service
 * registries, the health check grace period (only meaningful with a load balancer) and Service
 * Connect server entries are not copied: a copy must never answer for the base service's names.
 */
export function routeCreateServiceInput(base: Service, options: RouteServiceOptions & { clientToken: string }): CreateServiceCommandInput {
  const serviceConnect = clientOnlyServiceConnect(base);
  return {
    cluster: options.cluster,
    serviceName: options.serviceName,
    taskDefinition: options.taskDefinitionArn,
    desiredCount: options.desiredCount,
    ...capacity(base),
    ...placement(base),
    ...(base.deploymentController?.type === "ECS" ? { deploymentController: { type: "ECS" } } : {}),
    deploymentConfiguration: routeDeploymentConfiguration(base),
    ...(base.enableExecuteCommand !== undefined ? { enableExecuteCommand: base.enableExecuteCommand } : {}),
    ...(serviceConnect !== undefined ? { serviceConnectConfiguration: serviceConnect } : {}),
    propagateTags: "SERVICE",
    enableECSManagedTags: true,
    tags: toEcsTags(options.tags),
    clientToken: options.clientToken,
  };
}

/**
 * Pure: UpdateService moving an existing ACTIVE copy to the new task definition, with the base's
 * current network and placement. Launch type cannot change on update and a new capacity provider
 * strategy needs a forced redeployment, so the copy keeps the ones it was created with. Tags are
 * refreshed by a separate TagResource call: UpdateService takes none.
 */
export function routeUpdateServiceInput(base: Service, options: Omit<RouteServiceOptions, "tags">): UpdateServiceCommandInput {
  return {
    cluster: options.cluster,
    service: options.serviceName,
    taskDefinition: options.taskDefinitionArn,
    desiredCount: options.desiredCount,
    ...placement(base),
    deploymentConfiguration: routeDeploymentConfiguration(base),
    ...(base.enableExecuteCommand !== undefined ? { enableExecuteCommand: base.enableExecuteCommand } : {}),
    propagateTags: "SERVICE",
    enableECSManagedTags: true,
  };
}
