import type { Tag } from "@aws-sdk/client-ecs";
import { ConfigurationError } from "../common/errors.js";
import type { Route } from "../routing/route.js";
import { MANAGED_BY, TAG, TAG_LIMITS, type ResourceKind } from "./tags.js";

/** Who and what a deploy is, as recorded in the tags of everything it creates (docs/design.md §4). */
export interface RouteTagContext {
  route: Route;
  kind: ResourceKind;
  /** `owner/repo` */
  repository: string;
  /** GITHUB_REPOSITORY_ID; undefined only outside a workflow run. */
  repositoryId: string | undefined;
  /** The cluster's name (clusterName of the input). */
  cluster: string;
  /** The route came from a template with {branch} and no {number}: other repositories may share it. */
  sharedRoute: boolean;
  commit: string;
  /** The pull request, for ephemeral routes from a pull request. */
  pullRequest: number | undefined;
  /** When an ephemeral route may be reaped; refreshed on each push. */
  expiresAt: Date | undefined;
  /** The `tags` input. */
  userTags: Record<string, string>;
}

/**
 * Pure: the tags of one route service and of each revision registered for it (or of a test task and
 * its task definition). `now` is both created-at and updated-at: an existing copy keeps its
 * created-at (refreshedTags).
 */
export function routeTags(context: RouteTagContext, baseService: string, now: Date): Record<string, string> {
  const own: Record<string, string> = {
    [TAG.managedBy]: MANAGED_BY,
    [TAG.route]: context.route,
    [TAG.kind]: context.kind,
    [TAG.baseService]: baseService,
    [TAG.repository]: context.repository,
    [TAG.cluster]: context.cluster,
    [TAG.commit]: context.commit,
    [TAG.createdAt]: now.toISOString(),
    [TAG.updatedAt]: now.toISOString(),
  };
  if (context.repositoryId !== undefined) own[TAG.repositoryId] = context.repositoryId;
  if (context.sharedRoute) own[TAG.sharedRoute] = "true";
  if (context.pullRequest !== undefined) own[TAG.pullRequest] = String(context.pullRequest);
  if (context.expiresAt !== undefined) own[TAG.expiresAt] = context.expiresAt.toISOString();
  const total = Object.keys(own).length + Object.keys(context.userTags).length;
  if (total > TAG_LIMITS.perResource) {
    throw new ConfigurationError(
      `gives ${Object.keys(context.userTags).length} tags; with the ${Object.keys(own).length} the action sets that is ${total}, over ECS's limit of ${TAG_LIMITS.perResource}; give at most ${TAG_LIMITS.perResource - Object.keys(own).length}`,
      "tags",
    );
  }
  for (const [key, value] of Object.entries(own)) {
    if (value.length > TAG_LIMITS.valueLength) {
      throw new ConfigurationError(`tag ${key} would be longer than ${TAG_LIMITS.valueLength} characters`);
    }
  }
  // The action's own tags win: ownership must never be overwritten by a user tag.
  return { ...context.userTags, ...own };
}

/** The tags refreshed on an existing route service: everything but its original `created-at`. */
export function refreshedTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => key !== TAG.createdAt));
}

export function toEcsTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

export function fromEcsTags(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((tag) => tag.key !== undefined).map((tag) => [tag.key as string, tag.value ?? ""]));
}
