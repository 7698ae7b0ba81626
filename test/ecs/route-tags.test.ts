import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigurationError } from "../../src/common/errors.js";
import { refreshedTags, routeTags } from "../../src/ecs/route-tags.js";

const now = new Date("2026-11-22T19:00:00Z");
const context = {
  route: "pr-2",
  kind: "ephemeral" as const,
  repository: "Codertocat/Hello-World",
  repositoryId: "1296269",
  cluster: "dev",
  sharedRoute: false,
  commit: "abc123",
  pullRequest: 2,
  expiresAt: new Date("2026-11-25T19:00:00Z"),
  userTags: { team: "payments" },
};

describe("routeTags", () => {
  it("writes every ownership tag of docs/design.md §4, with user tags beside them", () => {
    assert.deepEqual(routeTags(context, "orders", now), {
      team: "payments",
      "dynamic-routing:managed-by": "ecs-dynamic-routing",
      "dynamic-routing:route": "pr-2",
      "dynamic-routing:kind": "ephemeral",
      "dynamic-routing:base-service": "orders",
      "dynamic-routing:repository": "Codertocat/Hello-World",
      "dynamic-routing:repository-id": "1296269",
      "dynamic-routing:cluster": "dev",
      "dynamic-routing:commit": "abc123",
      "dynamic-routing:created-at": "2026-11-22T19:00:00.000Z",
      "dynamic-routing:updated-at": "2026-11-22T19:00:00.000Z",
      "dynamic-routing:pull-request": "2",
      "dynamic-routing:expires-at": "2026-11-25T19:00:00.000Z",
    });
  });

  it("leaves out pull-request and expires-at for shadow", () => {
    const tags = routeTags({ ...context, route: "shadow", kind: "shadow", pullRequest: undefined, expiresAt: undefined }, "orders", now);
    assert.equal(Object.keys(tags).length, 11);
    assert.equal(tags["dynamic-routing:kind"], "shadow");
  });

  it("accepts user tags up to ECS's 50 and rejects one more, naming the tags input", () => {
    const userTags = (count: number): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, index) => [`t${index}`, "v"]));
    assert.equal(Object.keys(routeTags({ ...context, userTags: userTags(38) }, "orders", now)).length, 50);
    assert.throws(
      () => routeTags({ ...context, userTags: userTags(39) }, "orders", now),
      (error: unknown) => error instanceof ConfigurationError && error.input === "tags" && /give at most 38/.test(error.message),
    );
  });

  it("refreshes everything but created-at on an existing copy, updated-at included", () => {
    const tags = refreshedTags(routeTags(context, "orders", now));
    assert.equal(tags["dynamic-routing:created-at"], undefined);
    assert.equal(tags["dynamic-routing:updated-at"], "2026-11-22T19:00:00.000Z");
    assert.equal(tags["dynamic-routing:commit"], "abc123");
  });

  it("marks a route shared only when asked", () => {
    assert.equal(routeTags(context, "orders", now)["dynamic-routing:shared-route"], undefined);
    assert.equal(routeTags({ ...context, sharedRoute: true }, "orders", now)["dynamic-routing:shared-route"], "true");
  });
});
