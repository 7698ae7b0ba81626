import type { Route } from "../routing/route.js";

/** ECS service and task-definition family names: ≤ 255 letters, digits, `-` and `_`. */
export const ECS_NAME_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

/** The ECS service running `route`'s copy of `baseService`, e.g. `orders--pr-123`. */
export function routeServiceName(baseService: string, route: Route): string {
  return `${baseService}--${route}`;
}

/** The task-definition family of a route's copy; never the base family (DESIGN §3). */
export function routeFamily(baseFamily: string, route: Route): string {
  return `${baseFamily}--${route}`;
}
