// Task-definition revisions found by their tags, account-wide (families are not per cluster, and a
// revision whose service was never created, or is already gone, is reachable through no service).
// ECS has no tag filter on ListTaskDefinitions; the Resource Groups Tagging API (`tag:GetResources`)
// filters by tags on the server. It only says whose a revision is: its status is read from ECS.
import { paginateListTaskDefinitions, type ECSClient, type TaskDefinitionStatus } from "@aws-sdk/client-ecs";
import { ResourceGroupsTaggingAPIClient, paginateGetResources } from "@aws-sdk/client-resource-groups-tagging-api";
import pLimit from "p-limit";
import { taskDefinitionFamily } from "./names.js";
import { MANAGED_BY, TAG } from "./tags.js";

/**
 * The Tagging API client every action uses, paced like the ECS client. The SDK honours
 * `AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API`, then `AWS_ENDPOINT_URL` (how tests reach the emulator).
 */
export function createTaggingClient(region?: string): ResourceGroupsTaggingAPIClient {
  return new ResourceGroupsTaggingAPIClient({ ...(region !== undefined ? { region } : {}), retryMode: "adaptive", maxAttempts: 10 });
}

export interface TaggedRevision {
  arn: string;
  family: string;
  revision: number;
  /** ACTIVE or INACTIVE, as ECS lists it now. */
  status: TaskDefinitionStatus;
  tags: Record<string, string>;
}

/** `arn:…:task-definition/<family>:<revision>` → family and revision. */
function parseTaskDefinitionArn(arn: string): { family: string; revision: number } | undefined {
  const family = taskDefinitionFamily(arn);
  return family === undefined ? undefined : { family, revision: Number(arn.slice(arn.lastIndexOf(":") + 1)) };
}

/**
 * The revisions this action registered for `cluster` (and `route`, when given), with their tags and
 * current status. A revision the Tagging API does not know yet (it is eventually consistent) is simply
 * not found this time: the safe side for a reaper. Revisions being deleted are in neither listing.
 */
export async function findTaggedRevisions(
  clients: { ecs: ECSClient; tagging: ResourceGroupsTaggingAPIClient },
  filter: { cluster: string; route?: string },
  concurrency: number,
): Promise<TaggedRevision[]> {
  const tagged = new Map<string, Record<string, string>>();
  const tagFilters = [
    { Key: TAG.managedBy, Values: [MANAGED_BY] },
    { Key: TAG.cluster, Values: [filter.cluster] },
    ...(filter.route === undefined ? [] : [{ Key: TAG.route, Values: [filter.route] }]),
  ];
  for await (const page of paginateGetResources(
    { client: clients.tagging, pageSize: 100 },
    { ResourceTypeFilters: ["ecs:task-definition"], TagFilters: tagFilters },
  )) {
    for (const mapping of page.ResourceTagMappingList ?? []) {
      if (mapping.ResourceARN === undefined) continue;
      tagged.set(mapping.ResourceARN, Object.fromEntries((mapping.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""])));
    }
  }
  const families = [...new Set([...tagged.keys()].flatMap((arn) => parseTaskDefinitionArn(arn)?.family ?? []))].sort();
  const limit = pLimit(concurrency);
  const statuses = new Map<string, TaskDefinitionStatus>();
  await Promise.all(
    families.flatMap((family) =>
      (["ACTIVE", "INACTIVE"] as const).map((status) =>
        limit(async () => {
          // familyPrefix is documented as the family, but filter on the exact family all the same.
          for await (const page of paginateListTaskDefinitions({ client: clients.ecs, pageSize: 100 }, { familyPrefix: family, status })) {
            for (const arn of page.taskDefinitionArns ?? []) if (parseTaskDefinitionArn(arn)?.family === family) statuses.set(arn, status);
          }
        }),
      ),
    ),
  );
  return [...tagged].flatMap(([arn, tags]) => {
    const parsed = parseTaskDefinitionArn(arn);
    const status = statuses.get(arn);
    return parsed === undefined || status === undefined ? [] : [{ arn, ...parsed, status, tags }];
  });
}
