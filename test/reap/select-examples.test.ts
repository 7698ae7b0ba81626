// Selection as examples, one rule each: what each tag, option and pull-request state decides.
// test/reap/select.test.ts checks the same against randomised clusters and an oracle.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { taskDefinitionFamily } from "../../src/ecs/names.js";
import { MANAGED_BY, TAG } from "../../src/ecs/tags.js";
import { REPOSITORY } from "../helpers/webhooks.js";
import {
  OVER_MAX_DELETIONS,
  parseTimestamp,
  pullRequestsToLookUp,
  routesTornDown,
  selectServices,
  type ClusterService,
  type PullRequestState,
  type SelectionOptions,
} from "../../src/reap/select.js";
import { revisionPullRequests, selectRevisions } from "../../src/reap/revisions.js";
import type { TaggedRevision } from "../../src/ecs/tagged-revisions.js";

const IDENTITY = { name: REPOSITORY, id: undefined };
const NOW = new Date("2026-11-22T12:00:00.000Z");
const HOUR = 3_600_000;

describe("selectServices (what each tag and option decides)", () => {
  const arn = (name: string) => `arn:aws:ecs:us-east-1:1:service/dev/${name}`;
  const copy = (name: string, tags: Record<string, string>, status = "ACTIVE", revision = 12): ClusterService => ({
    serviceName: name,
    serviceArn: arn(name),
    status,
    taskDefinition: `arn:aws:ecs:us-east-1:1:task-definition/${name}:${revision}`,
    taskDefinitions: [`arn:aws:ecs:us-east-1:1:task-definition/${name}:${revision}`],
    tags: { [TAG.managedBy]: MANAGED_BY, [TAG.repository]: REPOSITORY, ...tags },
  });
  const sweep = (overrides: Partial<SelectionOptions> = {}): SelectionOptions => ({
    repository: IDENTITY,
    mode: { kind: "sweep", maxAgeMs: undefined },
    includeShadow: false,
    maxDeletions: 25,
    now: NOW,
    ...overrides,
  });
  const reasons = (decisions: { service: string; reason: string }[]) => decisions.map((decision) => [decision.service, decision.reason]);
  const closed = (...numbers: number[]) => new Map<number, PullRequestState>(numbers.map((number) => [number, { kind: "closed", merged: false }]));

  it("deletes at most max-deletions stale copies, in service-name order, and keeps the rest saying why", () => {
    const services = ["web--pr-3", "orders--pr-2", "api--pr-1"].map((name) => copy(name, { [TAG.route]: name.split("--")[1] ?? "" }));
    const selection = selectServices(services, closed(1, 2, 3), sweep({ maxDeletions: 2 }));
    assert.deepEqual(reasons(selection.delete), [
      ["api--pr-1", "pull request #1 closed"],
      ["orders--pr-2", "pull request #2 closed"],
    ]);
    assert.deepEqual(reasons(selection.keep), [["web--pr-3", "over max-deletions (pull request #3 closed)"]]);
    assert.ok(selection.keep[0]?.reason.startsWith(OVER_MAX_DELETIONS));
    assert.equal(selection.overMaxDeletions, 1);
    // A route partly kept by the cap is not torn down yet: its comment and deployment stay.
    assert.deepEqual(routesTornDown(selection.delete, selection.keep, []).map((entry) => entry.route), ["pr-1", "pr-2"]);
  });

  it("ties only a route that is exactly pr-<n> to pull request n", () => {
    const services = [copy("web--fix-pr-5", { [TAG.route]: "fix-pr-5" }), copy("web--pr-5-fix", { [TAG.route]: "pr-5-fix" }), copy("web--pr-15", { [TAG.route]: "pr-15" })];
    const options = sweep();
    assert.deepEqual(pullRequestsToLookUp(services, options), [15]);
    const selection = selectServices(services, closed(5, 15), options);
    assert.deepEqual(reasons(selection.delete), [["web--pr-15", "pull request #15 closed"]]);
    assert.deepEqual(reasons(selection.keep), [
      ["web--fix-pr-5", "nothing marks it stale"],
      ["web--pr-5-fix", "nothing marks it stale"],
    ]);
  });

  it("asks GitHub about each tagged pull request once, in numeric order, and only in a sweep", () => {
    const services = [
      copy("a--pr-100", { [TAG.route]: "pr-100" }),
      copy("b--pr-9", { [TAG.route]: "pr-9" }),
      copy("c--pr-10", { [TAG.route]: "pr-10", [TAG.pullRequest]: "10" }),
      copy("d--pr-10", { [TAG.route]: "pr-10" }),
      copy("e--feature-x", { [TAG.route]: "feature-x", [TAG.pullRequest]: "42" }),
      copy("f--pr-77", { [TAG.route]: "pr-77" }, "DRAINING"),
      { ...copy("g--pr-88", { [TAG.route]: "pr-88" }), tags: { [TAG.route]: "pr-88", [TAG.repository]: REPOSITORY } },
    ];
    assert.deepEqual(pullRequestsToLookUp(services, sweep()), [9, 10, 42, 100]);
    assert.deepEqual(pullRequestsToLookUp(services, sweep({ mode: { kind: "route", route: "pr-9", because: "closed" } })), []);
  });

  it("keeps copies whose tags leave any doubt, each with the tag at fault", () => {
    const services = [
      copy("a--pr-1", { [TAG.route]: "Not_A_Route!" }),
      copy("b--pr-1", {}),
      copy("c-pr-1", { [TAG.route]: "pr-1" }),
      copy("d--pr-1", { [TAG.route]: "pr-1", [TAG.pullRequest]: "#1" }),
      copy("e--pr-1", { [TAG.route]: "pr-1", [TAG.pullRequest]: "01" }),
      copy("f--pr-1", { [TAG.route]: "pr-1", [TAG.pullRequest]: "12345678901" }),
      copy("g--pr-1", { [TAG.route]: "pr-1", [TAG.pullRequest]: "2" }),
      copy("h--pr-1", { [TAG.route]: "pr-1", [TAG.expiresAt]: "2026-11-22" }),
      copy("i--pr-1", { [TAG.route]: "pr-1", [TAG.createdAt]: "yesterday" }),
    ];
    const selection = selectServices(services, closed(1, 2), sweep());
    assert.deepEqual(selection.delete, []);
    assert.deepEqual(reasons(selection.keep), [
      ["a--pr-1", 'route tag "Not_A_Route!" is not a valid route'],
      ["b--pr-1", "route tag (missing) is not a valid route"],
      ["c-pr-1", "service name does not end with --pr-1, its route tag"],
      ["d--pr-1", 'pull-request tag "#1" is not a number'],
      ["e--pr-1", 'pull-request tag "01" is not a number'],
      ["f--pr-1", 'pull-request tag "12345678901" is not a number'],
      ["g--pr-1", "pull-request tag #2 disagrees with route pr-1"],
      ["h--pr-1", 'expires-at tag "2026-11-22" is not a timestamp'],
      ["i--pr-1", 'created-at tag "yesterday" is not a timestamp'],
    ]);
  });

  it("ties a branch route to the pull request its tag names, up to ten digits", () => {
    const services = [copy("web--feature-x", { [TAG.route]: "feature-x", [TAG.pullRequest]: "1234567890" })];
    const selection = selectServices(services, closed(1_234_567_890), sweep());
    assert.deepEqual(reasons(selection.delete), [["web--feature-x", "pull request #1234567890 closed"]]);
    assert.equal(selection.delete[0]?.pullRequest, 1_234_567_890);
  });

  it("counts what it never touches: unmanaged, another repository's, another route's, already deleting", () => {
    const services = [
      { ...copy("orders", {}), tags: {} },
      { ...copy("a--pr-1", { [TAG.route]: "pr-1" }), tags: { [TAG.managedBy]: "terraform", [TAG.repository]: REPOSITORY, [TAG.route]: "pr-1" } },
      copy("b--pr-1", { [TAG.route]: "pr-1", [TAG.repository]: "Codertocat/Other" }),
      copy("c--pr-1", { [TAG.route]: "pr-1" }, "DRAINING"),
      copy("d--pr-1", { [TAG.route]: "pr-1" }, "INACTIVE"),
      copy("e--pr-2", { [TAG.route]: "pr-2" }),
      copy("f--pr-1", { [TAG.route]: "pr-1" }),
    ];
    const selection = selectServices(services, new Map(), sweep({ mode: { kind: "route", route: "pr-1", because: "pull request #1 closed" } }));
    assert.deepEqual(reasons(selection.delete), [["f--pr-1", "pull request #1 closed"]]);
    assert.deepEqual(selection.keep, []);
    assert.deepEqual(
      [selection.unmanaged, selection.otherRepository, selection.otherRoutes, selection.alreadyDeleting, selection.overMaxDeletions],
      [2, 1, 1, 2, 0],
    );
  });

  it("reaping a shared route for one pull request leaves another pull request's copies, and counts them", () => {
    const services = [
      copy("a--feature-x", { [TAG.route]: "feature-x", [TAG.pullRequest]: "7" }),
      copy("b--feature-x", { [TAG.route]: "feature-x", [TAG.pullRequest]: "9" }),
      copy("c--feature-x", { [TAG.route]: "feature-x" }),
    ];
    const selection = selectServices(services, new Map(), sweep({ mode: { kind: "route", route: "feature-x", because: "pull request #7 closed", pullRequest: 7 } }));
    assert.deepEqual(reasons(selection.delete), [
      ["a--feature-x", "pull request #7 closed"],
      ["c--feature-x", "pull request #7 closed"],
    ]);
    assert.equal(selection.otherPullRequests, 1);
  });

  it("reads only a whole timestamp: nothing before it, nothing after it", () => {
    assert.equal(parseTimestamp("2026-12-01T10:00:00Z")?.toISOString(), "2026-12-01T10:00:00.000Z");
    assert.equal(parseTimestamp("x2026-12-01T10:00:00Z"), undefined);
    assert.equal(parseTimestamp("2026-12-01T10:00:00Z or later"), undefined);
  });

  it("keeps one teardown per route and pull request, each service named once", () => {
    const closed7 = { route: "feature-x", pullRequest: 7, service: "api--feature-x", reason: "pull request #7 closed" };
    const pushed = { ...closed7, pullRequest: undefined, service: "web--feature-x", reason: "expired" };
    const other = { ...closed7, route: "pr-3", pullRequest: 3, service: "api--pr-3", reason: "pull request #3 closed" };
    assert.deepEqual(routesTornDown([], [], [closed7, closed7, pushed, other]), [
      { route: "feature-x", pullRequest: 7, removed: ["api--feature-x"], reason: "pull request #7 closed" },
      { route: "feature-x", pullRequest: undefined, removed: ["web--feature-x"], reason: "expired" },
      { route: "pr-3", pullRequest: 3, removed: ["api--pr-3"], reason: "pull request #3 closed" },
    ]);
  });

  it("keeps shadow copies, by route or by kind tag, unless include-shadow is set", () => {
    const services = [
      copy("orders--shadow", { [TAG.route]: "shadow", [TAG.expiresAt]: "2026-11-22T11:00:00Z" }),
      copy("web--main", { [TAG.route]: "main", [TAG.kind]: "shadow", [TAG.expiresAt]: "2026-11-22T11:00:00Z" }),
    ];
    const kept = selectServices(services, new Map(), sweep());
    assert.deepEqual(reasons(kept.keep), [
      ["orders--shadow", "shadow (set include-shadow: true to reap it)"],
      ["web--main", "shadow (set include-shadow: true to reap it)"],
    ]);
    const reaped = selectServices(services, new Map(), sweep({ includeShadow: true }));
    assert.deepEqual(reaped.delete.map((decision) => decision.service), ["orders--shadow", "web--main"]);
  });

  it("expires a copy at its expires-at instant, and ages it out only when no deploy touched it for max-age", () => {
    const maxAgeMs = 24 * HOUR;
    const services = [
      copy("a--pr-1", { [TAG.route]: "pr-1", [TAG.expiresAt]: "2026-11-22T12:00Z" }),
      copy("b--pr-2", { [TAG.route]: "pr-2", [TAG.expiresAt]: "2026-11-22T13:00:00.001+01:00" }),
      copy("c--pr-3", { [TAG.route]: "pr-3", [TAG.createdAt]: "2026-11-21T12:00:00Z" }),
      copy("d--pr-4", { [TAG.route]: "pr-4", [TAG.createdAt]: "2026-11-21T11:59:59.999Z" }),
      copy("e--pr-5", { [TAG.route]: "pr-5", [TAG.expiresAt]: "2026-11-22T11:00:00+0000", [TAG.createdAt]: "2026-11-01T00:00:00Z" }),
      copy("f--pr-6", { [TAG.route]: "pr-6" }),
      copy("g--pr-7", { [TAG.route]: "pr-7", [TAG.createdAt]: "2026-11-01T00:00:00Z", [TAG.updatedAt]: "2026-11-22T00:00:00Z" }),
    ];
    const open = new Map<number, PullRequestState>([1, 2, 3, 4, 6, 7].map((number) => [number, { kind: "open" }]));
    open.set(5, { kind: "closed", merged: true });
    const selection = selectServices(services, open, sweep({ mode: { kind: "sweep", maxAgeMs } }));
    assert.deepEqual(reasons(selection.delete), [
      ["a--pr-1", "expired at 2026-11-22T12:00:00.000Z"],
      ["d--pr-4", "older than max-age (created 2026-11-21T11:59:59.999Z)"],
      ["e--pr-5", "pull request #5 merged; expired at 2026-11-22T11:00:00.000Z; older than max-age (created 2026-11-01T00:00:00.000Z)"],
    ]);
    assert.deepEqual(reasons(selection.keep), [
      ["b--pr-2", "pull request #2 open; expires at 2026-11-22T12:00:00.001Z; no updated-at or created-at tag for max-age"],
      ["c--pr-3", "pull request #3 open; created 2026-11-21T12:00:00.000Z"],
      ["f--pr-6", "pull request #6 open; no updated-at or created-at tag for max-age"],
      // A deploy refreshes updated-at: a copy created long ago but deployed to within max-age stays.
      ["g--pr-7", "pull request #7 open; updated 2026-11-22T00:00:00.000Z"],
    ]);
  });

  it("says when a pull request was not found or not looked up", () => {
    const services = [copy("a--pr-1", { [TAG.route]: "pr-1" }), copy("b--pr-2", { [TAG.route]: "pr-2" })];
    const selection = selectServices(services, new Map([[1, { kind: "not-found" }]]), sweep());
    assert.deepEqual(reasons(selection.keep), [
      ["a--pr-1", "pull request #1 not found"],
      ["b--pr-2", "pull request #2 unknown: not looked up"],
    ]);
  });
});

describe("task-definition revisions to retire (selectRevisions)", () => {
  const arn = (family: string, revision: number) => `arn:aws:ecs:us-east-1:1:task-definition/${family}:${revision}`;
  const revision = (family: string, number: number, tags: Record<string, string>): TaggedRevision => ({
    arn: arn(family, number),
    family,
    revision: number,
    status: "ACTIVE",
    tags: { [TAG.managedBy]: MANAGED_BY, [TAG.repository]: REPOSITORY, [TAG.cluster]: "dev", ...tags },
  });
  const service = (name: string, taskDefinitions: string[], tags: Record<string, string> = {}): ClusterService => ({
    serviceName: name,
    serviceArn: `arn:aws:ecs:us-east-1:1:service/dev/${name}`,
    status: "ACTIVE",
    taskDefinition: taskDefinitions[0],
    taskDefinitions,
    tags,
  });
  const options = (mode: SelectionOptions["mode"]): SelectionOptions => ({ repository: IDENTITY, mode, includeShadow: false, maxDeletions: 25, now: NOW });
  const summary = (decisions: { revision: TaggedRevision; service: string; reason: string }[]) =>
    decisions.map((decision) => [decision.revision.arn.split("/")[1], decision.service, decision.reason]);

  it("reads families from multi-digit revisions and bare family:revision", () => {
    assert.equal(taskDefinitionFamily("arn:aws:ecs:us-east-1:1:task-definition/orders--pr-1:123"), "orders--pr-1");
    assert.equal(taskDefinitionFamily("orders_v2:10"), "orders_v2");
    assert.equal(taskDefinitionFamily("orders:10:x"), undefined);
    assert.equal(taskDefinitionFamily("task-definition/orders"), undefined);
  });

  it("retires the route's own revisions, unless a remaining service runs one, and never another repository's", () => {
    const revisions = [
      revision("web--pr-1", 10, { [TAG.route]: "pr-1", [TAG.baseService]: "web" }),
      revision("orders--pr-1", 12, { [TAG.route]: "pr-1", [TAG.baseService]: "orders" }),
      revision("api--pr-1", 3, { [TAG.route]: "pr-1", [TAG.repository]: "Codertocat/Other" }),
      revision("api--pr-2", 4, { [TAG.route]: "pr-2", [TAG.baseService]: "api" }),
    ];
    const remaining = [service("pinned-by-hand", [arn("orders--pr-1", 12)])];
    const selection = selectRevisions(revisions, remaining, new Map(), options({ kind: "route", route: "pr-1", because: "pull request #1 closed" }));
    assert.deepEqual(summary(selection.retire), [["web--pr-1:10", "web--pr-1", "pull request #1 closed"]]);
    assert.deepEqual(summary(selection.keep), [["orders--pr-1:12", "orders--pr-1", "service pinned-by-hand runs it"]]);
    assert.equal(selection.otherRepository, 1);
  });

  it("takes an INACTIVE revision of a gone copy as done: only deleting it is left, and its pull request is not asked about", () => {
    const revisions = [{ ...revision("web--pr-5", 1, { [TAG.route]: "pr-5", [TAG.baseService]: "web" }), status: "INACTIVE" as const }];
    const sweep = options({ kind: "sweep", maxAgeMs: undefined });
    assert.deepEqual(revisionPullRequests(revisions, sweep), []);
    const selection = selectRevisions(revisions, [], new Map([[5, { kind: "closed", merged: false }]]), sweep);
    assert.deepEqual(selection.retire, []);
    assert.deepEqual(summary(selection.deregistered), [["web--pr-5:1", "web--pr-5", "deregistered when its route was torn down"]]);
    assert.deepEqual(routesTornDown([], [], selection.retire, selection.deregistered), []);
  });

  it("a route torn down again after a kill between two deregistrations names every copy it removed", () => {
    const active = { route: "pr-6", pullRequest: 6, service: "web--pr-6", reason: "pull request #6 closed" };
    const inactive = { ...active, service: "api--pr-6" };
    const elsewhere = { ...active, route: "pr-7", pullRequest: 7, service: "api--pr-7" };
    assert.deepEqual(routesTornDown([], [], [active], [inactive, elsewhere]), [
      { route: "pr-6", pullRequest: 6, removed: ["api--pr-6", "web--pr-6"], reason: "pull request #6 closed" },
    ]);
  });

  it("in a sweep keeps a live copy's superseded revisions and retires a gone copy's stale ones", () => {
    const revisions = [
      revision("web--pr-2", 1, { [TAG.route]: "pr-2", [TAG.baseService]: "web" }),
      revision("web--pr-2", 2, { [TAG.route]: "pr-2", [TAG.baseService]: "web" }),
      revision("web--pr-3", 1, { [TAG.route]: "pr-3", [TAG.baseService]: "web" }),
      revision("web--pr-4", 1, { [TAG.route]: "pr-4", [TAG.baseService]: "web" }),
    ];
    const remaining = [service("web--pr-2", [arn("web--pr-2", 2)], { [TAG.managedBy]: MANAGED_BY, [TAG.repository]: REPOSITORY, [TAG.route]: "pr-2" })];
    const states = new Map<number, PullRequestState>([[2, { kind: "closed", merged: false }], [3, { kind: "closed", merged: true }], [4, { kind: "open" }]]);
    const selection = selectRevisions(revisions, remaining, states, options({ kind: "sweep", maxAgeMs: undefined }));
    assert.deepEqual(summary(selection.retire), [["web--pr-3:1", "web--pr-3", "pull request #3 merged"]]);
    assert.deepEqual(summary(selection.keep), [
      ["web--pr-2:1", "web--pr-2", "its copy web--pr-2 is live"],
      ["web--pr-2:2", "web--pr-2", "service web--pr-2 runs it"],
      ["web--pr-4:1", "web--pr-4", "pull request #4 open"],
    ]);
  });
});
