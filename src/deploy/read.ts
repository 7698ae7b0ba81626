// Step one of a deploy (docs/design.md §3.1): reads what the plan decides on. Only reads: nothing
// here changes ECS, so a mistake found now or in the plan leaves nothing half-made.
import { DescribeTaskDefinitionCommand, paginateListServices, type ECSClient, type Service, type TaskDefinition } from "@aws-sdk/client-ecs";
import pLimit from "p-limit";
import { ConfigurationError } from "../common/errors.js";
import type { ServiceSpec } from "../config/services.js";
import { asClusterInputError, checkAwsConfiguration } from "../ecs/client.js";
import { describeServices } from "../ecs/describe.js";
import { routeServiceName } from "../ecs/names.js";
import { ownerOf, type Owner, type RepositoryIdentity } from "../ecs/ownership.js";
import { fromEcsTags } from "../ecs/route-tags.js";
import { parsePullRequestTag, TAG } from "../ecs/tags.js";
import type { PullRequestState } from "../reap/select.js";
import type { Route } from "../routing/route.js";
import type { DeployRouteOptions } from "./options.js";
import { pullRequestsHoldingRoute } from "./plan.js";

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
  /** Ephemeral: every live copy of the route in the cluster, whichever repository made it (none read for shadow). */
  routeCopies: RouteCopy[];
  /** What GitHub says of this repository's other pull requests that hold copies of the route. */
  pullRequests: ReadonlyMap<number, PullRequestState>;
}

/** A live copy of a route, as its tags describe it. */
export interface RouteCopy {
  serviceName: string;
  baseService: string;
  /** The repository tag (`owner/repo`). */
  repository: string;
  owner: Exclude<Owner, { kind: "unmanaged" }>;
  /** The pull-request tag. */
  pullRequest: number | undefined;
  /** Deployed to a route shared on purpose (the shared-route tag). */
  shared: boolean;
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
  if (options.kind !== "ephemeral") return { region, bases, copies, routeCopies: [], pullRequests: new Map() };
  const repository = { name: options.tags.repository, id: options.tags.repositoryId };
  const routeCopies = await findRouteCopies(options.client, options.cluster, options.route, repository);
  const numbers = pullRequestsHoldingRoute(routeCopies, options.tags.pullRequest);
  const pullRequests =
    numbers.length === 0
      ? new Map<number, PullRequestState>()
      : options.pullRequestStates !== undefined
        ? await options.pullRequestStates(numbers)
        : new Map<number, PullRequestState>(numbers.map((number) => [number, { kind: "unknown", reason: "no github-token to ask" }]));
  return { region, bases, copies, routeCopies, pullRequests };
}

/**
 * The ACTIVE copies of `route` in `cluster` that this action made, whoever deployed them (managed-by
 * and route tags): ListServices (every page) names them, and only the names ending with `--<route>`
 * are described, so the cost is one call per 100 services plus one per 10 copies.
 */
export async function findRouteCopies(client: ECSClient, cluster: string, route: Route, repository: RepositoryIdentity): Promise<RouteCopy[]> {
  const names: string[] = [];
  try {
    for await (const page of paginateListServices({ client, pageSize: 100 }, { cluster, maxResults: 100 })) {
      for (const arn of page.serviceArns ?? []) {
        const name = arn.slice(arn.lastIndexOf("/") + 1);
        if (name.endsWith(`--${route}`)) names.push(name);
      }
    }
  } catch (error) {
    throw asClusterInputError(error, cluster);
  }
  const described = await describeServices(client, cluster, names, { includeTags: true });
  const found: RouteCopy[] = [];
  for (const service of described.values()) {
    const tags = fromEcsTags(service.tags);
    const owner = ownerOf(tags, repository);
    if (service.status !== "ACTIVE" || owner.kind === "unmanaged" || tags[TAG.route] !== route) continue;
    found.push({
      serviceName: service.serviceName ?? "",
      baseService: tags[TAG.baseService] ?? "",
      repository: tags[TAG.repository] ?? "",
      owner,
      pullRequest: parsePullRequestTag(tags[TAG.pullRequest] ?? ""),
      shared: tags[TAG.sharedRoute] === "true",
    });
  }
  return found.sort((a, b) => (a.serviceName < b.serviceName ? -1 : a.serviceName > b.serviceName ? 1 : 0));
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
