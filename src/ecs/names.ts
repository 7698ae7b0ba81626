import type { Route } from "../routing/route.js";

/** What ECS allows in cluster, service and task-definition family names: ≤ 255 letters, digits, `-` and `_`. */
const ECS_NAME = "[A-Za-z0-9_-]{1,255}";
export const ECS_NAME_PATTERN = new RegExp(`^${ECS_NAME}$`);
/** `arn:…:task-definition/<family>:<revision>` or a bare `<family>:<revision>`. */
const TASK_DEFINITION_REFERENCE = new RegExp(`(?:^|/)(${ECS_NAME}):\\d+$`);

/** arn:<partition>:ecs:<region>:<account>:cluster/<name> */
const CLUSTER_ARN_PATTERN = new RegExp(`^arn:aws[a-z-]*:ecs:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:cluster/${ECS_NAME}$`);

/** A cluster as the `cluster` input names it: its name or its ARN. */
export function isClusterReference(value: string): boolean {
  return ECS_NAME_PATTERN.test(value) || CLUSTER_ARN_PATTERN.test(value);
}

/** The family of a task-definition ARN or of a bare `family:revision`. */
export function taskDefinitionFamily(taskDefinition: string): string | undefined {
  return TASK_DEFINITION_REFERENCE.exec(taskDefinition)?.[1];
}

/** The ECS service running `route`'s copy of `baseService`, e.g. `orders--pr-123`. */
export function routeServiceName(baseService: string, route: Route): string {
  return `${baseService}--${route}`;
}

/** The base service of a route's copy (`orders--pr-123` → `orders`); a name without the suffix as it is. */
export function baseServiceName(routeService: string, route: Route): string {
  const suffix = `--${route}`;
  return routeService.endsWith(suffix) && routeService.length > suffix.length ? routeService.slice(0, -suffix.length) : routeService;
}

/** The task-definition family of a route's copy; never the base family (docs/design.md §1, §3). */
export function routeFamily(baseFamily: string, route: Route): string {
  return `${baseFamily}--${route}`;
}

/**
 * The name of a cluster given by name or ARN (`arn:aws:ecs:<region>:<account>:cluster/<name>`): what
 * the cluster tag records, so a copy deployed with either spelling is found by both.
 */
export function clusterName(cluster: string): string {
  const arn = /^arn:[^:]+:ecs:[^:]*:\d*:cluster\/(.+)$/.exec(cluster);
  return arn?.[1] ?? cluster;
}
