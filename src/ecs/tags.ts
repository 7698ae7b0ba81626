/** Tag keys that mark what ecs-dynamic-routing owns (docs/design.md §4): the only source of truth for reaping. */
export const TAG = {
  managedBy: "dynamic-routing:managed-by",
  route: "dynamic-routing:route",
  kind: "dynamic-routing:kind",
  baseService: "dynamic-routing:base-service",
  /** `owner/repo` as it was named when the copy was deployed. */
  repository: "dynamic-routing:repository",
  /** GitHub's numeric repository id: unlike the name, it survives a rename. */
  repositoryId: "dynamic-routing:repository-id",
  /** The cluster's name: task-definition families are account-wide, so a revision records its cluster. */
  cluster: "dynamic-routing:cluster",
  commit: "dynamic-routing:commit",
  /** When the copy was first created; never refreshed. */
  createdAt: "dynamic-routing:created-at",
  /** When a deploy last touched the copy; a sweep's max-age counts from it. */
  updatedAt: "dynamic-routing:updated-at",
  pullRequest: "dynamic-routing:pull-request",
  expiresAt: "dynamic-routing:expires-at",
  /** `true` when the route came from a template with {branch} and no {number}: other repositories may join it. */
  sharedRoute: "dynamic-routing:shared-route",
} as const;

export const MANAGED_BY = "ecs-dynamic-routing";
/** RunTask's startedBy of every integration-test task: the reaper lists them by it (ListTasks allows no tag filter). */
export const TEST_TASK_STARTED_BY = MANAGED_BY;

export type RouteKind = "shadow" | "ephemeral";
/** What a tagged resource is: a route's copy (its kind) or a one-off integration-test task and its task definition. */
export type ResourceKind = RouteKind | "test";

/** ECS limits on tags per resource. */
export const TAG_LIMITS = { perResource: 50, keyLength: 128, valueLength: 256 } as const;

/** The number a pull-request tag holds; undefined when it holds anything but a pull-request number. */
export function parsePullRequestTag(value: string): number | undefined {
  return /^[1-9]\d{0,9}$/.test(value) ? Number(value) : undefined;
}
