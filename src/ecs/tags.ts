/** Tag keys that mark what ecs-dynamic-routing owns (docs/design.md §4): the only source of truth for reaping. */
export const TAG = {
  managedBy: "dynamic-routing:managed-by",
  route: "dynamic-routing:route",
  kind: "dynamic-routing:kind",
  baseService: "dynamic-routing:base-service",
  repository: "dynamic-routing:repository",
  commit: "dynamic-routing:commit",
  createdAt: "dynamic-routing:created-at",
  pullRequest: "dynamic-routing:pull-request",
  expiresAt: "dynamic-routing:expires-at",
} as const;

export const MANAGED_BY = "ecs-dynamic-routing";

export type RouteKind = "shadow" | "ephemeral";

/** ECS limits on tags per resource. */
export const TAG_LIMITS = { perResource: 50, keyLength: 128, valueLength: 256 } as const;
