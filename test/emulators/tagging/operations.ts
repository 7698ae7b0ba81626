/**
 * The Resource Groups Tagging API's GetResources over the ECS emulator's resources (one account, one
 * region): what `tag:GetResources` answers about ECS clusters, services and task definitions. Served by
 * the ECS emulator's HTTP server under the target prefix `ResourceGroupsTaggingAPI_20170126.`, so one
 * endpoint serves both APIs (point `AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API` at it).
 */
import { EcsApiError } from "../ecs/errors.js";
import { paginate } from "../ecs/pagination.js";
import type { EcsModel } from "../ecs/services.js";

export const TAGGING_TARGET_PREFIX = "ResourceGroupsTaggingAPI_20170126.";

interface GetResourcesBody {
  TagFilters?: { Key?: string; Values?: string[] }[];
  ResourceTypeFilters?: string[];
  ResourcesPerPage?: number;
  PaginationToken?: string;
  ResourceARNList?: string[];
}

function invalidParameter(message: string): EcsApiError {
  return new EcsApiError("InvalidParameterException", message);
}

/** Tagging API operations by name; each answers in the API's own PascalCase shapes. */
export const taggingOperations: Record<string, (model: EcsModel, body: Record<string, unknown>, now: number) => Record<string, unknown>> = {
  GetResources(model, input, now) {
    const body = input as GetResourcesBody;
    const filters = body.TagFilters ?? [];
    if (filters.length > 50) throw invalidParameter("TagFilters can have at most 50 items.");
    const types = body.ResourceTypeFilters ?? [];
    if (body.ResourceARNList !== undefined && (filters.length > 0 || types.length > 0)) {
      throw invalidParameter("ResourceARNList cannot be combined with TagFilters or ResourceTypeFilters.");
    }
    const perPage = body.ResourcesPerPage ?? 50;
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) throw invalidParameter("ResourcesPerPage must be between 1 and 100.");
    const matching = model.taggedResources(now).filter((resource) => {
      if (body.ResourceARNList !== undefined) return body.ResourceARNList.includes(resource.arn);
      // "ecs" names every ECS type; "ecs:task-definition" one of them.
      if (types.length > 0 && !types.some((type) => type === resource.type || type === resource.type.split(":")[0])) return false;
      // Filters AND together; a filter's values OR; a filter without values asks only for the key.
      return filters.every((filter) =>
        resource.tags.some((tag) => tag.key === filter.Key && (filter.Values === undefined || filter.Values.length === 0 || filter.Values.includes(tag.value))),
      );
    });
    // The API's last page carries an empty token.
    const page = paginate(matching, (resource) => resource.arn, { maxResults: perPage, nextToken: body.PaginationToken || undefined }, { defaultMax: 50, max: 100 });
    return {
      PaginationToken: page.nextToken ?? "",
      ResourceTagMappingList: page.items.map((resource) => ({
        ResourceARN: resource.arn,
        Tags: resource.tags.map((tag) => ({ Key: tag.key, Value: tag.value })),
      })),
    };
  },
};
