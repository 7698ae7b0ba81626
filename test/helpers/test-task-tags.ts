// Pure (no emulator): the mutation runner counts tests that import only this as unit tests.
import { MANAGED_BY, TAG } from "../../src/ecs/tags.js";
import { REPOSITORY } from "./webhooks.js";

/**
 * The docs/design.md §4 tags integration-test puts on a test task of `route` (kind test, this
 * repository, `cluster`, base orders), created at `createdAt`; an override of `undefined` removes one.
 */
export function testTaskTags(route: string, cluster: string, createdAt: Date, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const tags: Record<string, string | undefined> = {
    [TAG.managedBy]: MANAGED_BY,
    [TAG.kind]: "test",
    [TAG.route]: route,
    [TAG.repository]: REPOSITORY,
    [TAG.cluster]: cluster,
    [TAG.baseService]: "orders",
    [TAG.pullRequest]: /^pr-(\d+)$/.exec(route)?.[1],
    [TAG.createdAt]: createdAt.toISOString(),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(tags).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
