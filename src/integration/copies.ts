// Reads the route's copies from ECS: this repository's ACTIVE services tagged with the route, and
// the rule of each copy's own router from its task definition's dockerLabels. Read-only.
import { DescribeTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import type { Logger } from "../common/logger.js";
import { ownerOf, type RepositoryIdentity } from "../ecs/ownership.js";
import { TAG } from "../ecs/tags.js";
import { discoverServices } from "../reap/discover.js";
import { routeTraefikName } from "../routing/labels.js";
import type { Route } from "../routing/route.js";
import { copyRuleSyntax, type RouteCopy } from "./probe-targets.js";

const DISCOVERY_CONCURRENCY = 5;

export interface CopyLookup {
  ecs: ECSClient;
  cluster: string;
  route: Route;
  /** Only this repository's copies count: by id when both sides have one, so a renamed repository keeps its copies (docs/design.md §4). */
  repository: RepositoryIdentity;
  logger: Logger;
}

/** The route's copies, by base service name. */
export async function findRouteCopies({ ecs, cluster, route, repository, logger }: CopyLookup): Promise<RouteCopy[]> {
  const services = await discoverServices(ecs, cluster, DISCOVERY_CONCURRENCY, logger);
  const owned = services.filter(
    (service) =>
      service.status === "ACTIVE" &&
      ownerOf(service.tags, repository).kind === "ours" &&
      service.tags[TAG.route] === route &&
      service.tags[TAG.baseService] !== undefined &&
      service.taskDefinition !== undefined,
  );
  const copies = await Promise.all(
    owned.map(async (service): Promise<RouteCopy | undefined> => {
      const baseService = service.tags[TAG.baseService] as string;
      const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
      const router = `traefik.http.routers.${routeTraefikName(baseService, route)}`;
      for (const container of taskDefinition?.containerDefinitions ?? []) {
        const labels = container.dockerLabels ?? {};
        const rule = labels[`${router}.rule`];
        if (rule !== undefined) {
          return { baseService, service: service.serviceName, rule, ruleSyntax: copyRuleSyntax(rule, labels[`${router}.ruleSyntax`]) };
        }
      }
      logger.warning(`${service.serviceName} is tagged as route ${route}'s copy of ${baseService} but has no router ${router}; not probed`);
      return undefined;
    }),
  );
  return copies.filter((copy) => copy !== undefined).sort((a, b) => a.baseService.localeCompare(b.baseService));
}
