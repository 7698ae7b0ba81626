// Step one of a deploy (docs/design.md §3.1): reads what the plan decides on. Only reads: nothing
// here changes ECS, so a mistake found now or in the plan leaves nothing half-made.
import { DescribeTaskDefinitionCommand, type ECSClient, type Service, type TaskDefinition } from "@aws-sdk/client-ecs";
import pLimit from "p-limit";
import { ConfigurationError } from "../common/errors.js";
import type { ServiceSpec } from "../config/services.js";
import { checkAwsConfiguration } from "../ecs/client.js";
import { describeServices } from "../ecs/describe.js";
import { routeServiceName } from "../ecs/names.js";
import type { DeployRouteOptions } from "./options.js";

/** One base service as read: its service and the task definition it runs. */
export interface BaseRead {
  spec: ServiceSpec;
  base: Service;
  taskDefinition: TaskDefinition;
}

/** Everything the plan decides on. */
export interface RouteRead {
  region: string;
  bases: BaseRead[];
  /** The route's copies that ECS knows (any status, with tags), by service name. */
  copies: Map<string, Service>;
}

/**
 * Resolves region and credentials, then reads the base services (which must exist and be ACTIVE),
 * their task definitions and the route's existing copies.
 */
export async function readRoute(options: DeployRouteOptions): Promise<RouteRead> {
  const { region } = await checkAwsConfiguration(options.client);
  const bases = await readBases(options);
  const copyNames = options.services.map((spec) => routeServiceName(spec.service, options.route));
  const copies = await describeServices(options.client, options.cluster, copyNames, { includeTags: true });
  return { region, bases, copies };
}

async function readBases(options: DeployRouteOptions): Promise<BaseRead[]> {
  const bases = await describeServices(options.client, options.cluster, options.services.map((spec) => spec.service), { includeTags: true });
  for (const spec of options.services) {
    const base = bases.get(spec.service);
    if (base === undefined || base.status !== "ACTIVE") {
      const state = base === undefined ? "does not exist" : `is ${base.status}`;
      throw new ConfigurationError(`base service '${spec.service}' ${state} in cluster '${options.cluster}'; name an ACTIVE ECS service to copy`, spec.input);
    }
  }
  const limit = pLimit(options.maxConcurrency);
  return Promise.all(
    options.services.map((spec) => limit(async () => readTaskDefinition(options.client, spec, bases.get(spec.service) as Service))),
  );
}

async function readTaskDefinition(client: ECSClient, spec: ServiceSpec, base: Service): Promise<BaseRead> {
  const answer = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: base.taskDefinition, include: ["TAGS"] }));
  if (answer.taskDefinition === undefined) {
    throw new ConfigurationError(`base service '${spec.service}' runs task definition ${base.taskDefinition}, which cannot be read`, spec.input);
  }
  return { spec, base, taskDefinition: answer.taskDefinition };
}
