// Selection is where a reaper can do harm, so it is checked against randomised clusters: the
// generator records what it meant each service to be, and an oracle written from that intent (not
// from parsing tags) says what must and must not be deleted.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { taskDefinitionFamily } from "../../src/ecs/names.js";
import { MANAGED_BY, TAG } from "../../src/ecs/tags.js";
import { REPOSITORY } from "../helpers/webhooks.js";
import { selectRevisions } from "../../src/reap/revisions.js";
import type { TaggedRevision } from "../../src/ecs/tagged-revisions.js";
import {
  OVER_MAX_DELETIONS,
  pullRequestsToLookUp,
  reapReason,
  routesPruned,
  routesTornDown,
  selectServices,
  type ClusterService,
  type Decision,
  type PullRequestState,
  type SelectionOptions,
} from "../../src/reap/select.js";

const IDENTITY = { name: REPOSITORY, id: undefined };
const NOW = new Date("2026-11-22T12:00:00.000Z");
const HOUR = 3_600_000;
/** Fixed, so that a run that reaches the cap or multi-digit revisions does so every time. */
const SEED = 20261201;

type Validity = "valid" | "missing" | "garbage";

interface Intent {
  managed: "yes" | "other-value" | "missing";
  repository: "this" | "other" | "missing";
  route: { kind: "pr"; number: number } | { kind: "shadow" } | { kind: "branch"; slug: string } | { kind: "invalid" } | { kind: "missing" };
  kindTag: "matching" | "shadow" | "missing";
  nameMatchesRoute: boolean;
  pullRequestTag: "matching" | "missing" | "mismatched" | "garbage";
  expires: "past" | "future" | Validity;
  created: "old" | "young" | Validity;
  status: "ACTIVE" | "DRAINING";
  base: string;
  /** Share a task-definition family with another route's copy, or use the base family. */
  family: "own" | "base";
}

interface Generated {
  service: ClusterService;
  intent: Intent;
}

const intentArbitrary: fc.Arbitrary<Intent> = fc.record({
  managed: fc.constantFrom("yes", "yes", "yes", "other-value", "missing"),
  repository: fc.constantFrom("this", "this", "this", "other", "missing"),
  route: fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("pr" as const), number: fc.integer({ min: 1, max: 15 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("shadow" as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("branch" as const), slug: fc.constantFrom("feature-x", "fix-1a2b3c", "release") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("invalid" as const, "missing" as const) }) },
  ),
  kindTag: fc.constantFrom("matching", "matching", "shadow", "missing"),
  nameMatchesRoute: fc.constantFrom(true, true, true, true, false),
  pullRequestTag: fc.constantFrom("matching", "matching", "matching", "missing", "mismatched", "garbage"),
  expires: fc.constantFrom("past", "future", "future", "missing", "garbage"),
  created: fc.constantFrom("old", "young", "young", "missing", "garbage"),
  status: fc.constantFrom("ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "DRAINING"),
  base: fc.constantFrom("orders", "payments", "web", "orders-api"),
  family: fc.constantFrom("own", "own", "own", "base"),
});

function routeOf(intent: Intent): string {
  switch (intent.route.kind) {
    case "pr":
      return `pr-${intent.route.number}`;
    case "shadow":
      return "shadow";
    case "branch":
      return intent.route.slug;
    case "invalid":
      return "Not_A_Route!";
    case "missing":
      return "unrouted";
  }
}

function render(intent: Intent, index: number): Generated {
  const route = routeOf(intent);
  const serviceName = intent.nameMatchesRoute ? `${intent.base}--${route}` : `${intent.base}-${index}-copy`;
  const tags: Record<string, string> = {};
  if (intent.managed !== "missing") tags[TAG.managedBy] = intent.managed === "yes" ? MANAGED_BY : "terraform";
  if (intent.repository !== "missing") tags[TAG.repository] = intent.repository === "this" ? REPOSITORY : "Codertocat/Other";
  if (intent.route.kind !== "missing") tags[TAG.route] = route;
  if (intent.kindTag !== "missing") {
    tags[TAG.kind] = intent.kindTag === "shadow" || intent.route.kind === "shadow" ? "shadow" : "ephemeral";
  }
  // A branch route may belong to PR 7 (or 107): its tag then names it.
  const number = intent.route.kind === "pr" ? intent.route.number : 7;
  const pullRequestTag = { matching: String(number), missing: undefined, mismatched: String(number + 100), garbage: "#7" }[intent.pullRequestTag];
  if (pullRequestTag !== undefined) tags[TAG.pullRequest] = pullRequestTag;
  const timestamp = (state: Intent["expires"] | Intent["created"], offsetHours: number): string | undefined =>
    ({
      past: new Date(NOW.getTime() - offsetHours * HOUR).toISOString(),
      future: new Date(NOW.getTime() + offsetHours * HOUR).toISOString(),
      old: new Date(NOW.getTime() - 10 * 24 * HOUR).toISOString(),
      young: new Date(NOW.getTime() - offsetHours * HOUR).toISOString(),
      valid: NOW.toISOString(),
      missing: undefined,
      garbage: "next tuesday",
    })[state];
  const expiresAt = timestamp(intent.expires, 2);
  if (expiresAt !== undefined) tags[TAG.expiresAt] = expiresAt;
  const createdAt = timestamp(intent.created, 3);
  if (createdAt !== undefined) tags[TAG.createdAt] = createdAt;
  const family = intent.family === "base" ? intent.base : `${intent.base}--${route}`;
  return {
    intent,
    service: {
      serviceName,
      serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/dev/${serviceName}-${index}`,
      status: intent.status,
      taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${index + 1}`,
      taskDefinitions: [`arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${index + 1}`],
      tags,
    },
  };
}

// 10–80 services (about one in ten stale) against max-deletions of 1–12: the cap is reached in a
// good share of runs, and revisions (index + 1) run past 9.
const clusterArbitrary = fc
  .array(intentArbitrary, { minLength: 10, maxLength: 80, size: "max" })
  .map((intents) => intents.map((intent, index) => render(intent, index)));

const prStateArbitrary: fc.Arbitrary<PullRequestState> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "open" as const }) },
  { weight: 3, arbitrary: fc.boolean().map((merged) => ({ kind: "closed" as const, merged })) },
  { weight: 1, arbitrary: fc.constant({ kind: "not-found" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "unknown" as const, reason: "HTTP 502" }) },
);
const prStatesArbitrary = fc
  .array(prStateArbitrary, { minLength: 116, maxLength: 116 })
  .map((states) => new Map(states.map((state, index) => [index, state] as const)));

/** Owned by this repository, unambiguous tags, and allowed by the shadow flag: may be reaped at all. */
function reapable(intent: Intent, includeShadow: boolean): boolean {
  const shadow = intent.route.kind === "shadow" || intent.kindTag === "shadow";
  return (
    intent.managed === "yes" &&
    intent.repository === "this" &&
    intent.route.kind !== "invalid" &&
    intent.route.kind !== "missing" &&
    intent.nameMatchesRoute &&
    (!shadow || includeShadow) &&
    intent.status === "ACTIVE" &&
    intent.expires !== "garbage" &&
    intent.created !== "garbage" &&
    intent.pullRequestTag !== "garbage" &&
    !(intent.pullRequestTag === "mismatched" && intent.route.kind === "pr")
  );
}

function pullRequestOf(intent: Intent): number | undefined {
  if (intent.route.kind === "pr") return intent.route.number;
  return { matching: 7, mismatched: 107, missing: undefined, garbage: undefined }[intent.pullRequestTag];
}

/** The sweep oracle: what the design calls stale, from the generator's intent. */
function staleInSweep(intent: Intent, states: Map<number, PullRequestState>, maxAge: boolean): boolean {
  const number = pullRequestOf(intent);
  const state = number === undefined ? undefined : states.get(number);
  // An unreadable PR (not found, unknown) proves nothing either way: the copy's own dates decide.
  return state?.kind === "closed" || intent.expires === "past" || (maxAge && intent.created === "old");
}

const optionsArbitrary = fc.record({
  includeShadow: fc.boolean(),
  maxDeletions: fc.integer({ min: 1, max: 12 }),
  maxAge: fc.boolean(),
});

function sweepOptions(options: { includeShadow: boolean; maxDeletions: number; maxAge: boolean }): SelectionOptions {
  return {
    repository: IDENTITY,
    mode: { kind: "sweep", maxAgeMs: options.maxAge ? 7 * 24 * HOUR : undefined },
    includeShadow: options.includeShadow,
    maxDeletions: options.maxDeletions,
    now: NOW,
  };
}

describe("selectServices (property)", () => {
  it("never selects an unmanaged service, another repository's, or shadow without include-shadow", () => {
    fc.assert(
      fc.property(clusterArbitrary, prStatesArbitrary, optionsArbitrary, fc.boolean(), fc.integer({ min: 1, max: 15 }), (cluster, states, flags, sweep, prNumber) => {
        const options: SelectionOptions = sweep
          ? sweepOptions(flags)
          : { ...sweepOptions(flags), mode: { kind: "route", route: `pr-${prNumber}`, because: "asked" } };
        const selection = selectServices(cluster.map((entry) => entry.service), states, options);
        const byArn = new Map(cluster.map((entry) => [entry.service.serviceArn, entry]));
        for (const decision of selection.delete) {
          const entry = byArn.get(decision.serviceArn);
          assert.ok(entry !== undefined);
          assert.equal(entry.service.tags[TAG.managedBy], MANAGED_BY);
          assert.equal(entry.service.tags[TAG.repository], REPOSITORY);
          assert.ok(reapable(entry.intent, flags.includeShadow), `${entry.service.serviceName} is not reapable: ${JSON.stringify(entry.intent)}`);
          if (!sweep) assert.equal(entry.service.tags[TAG.route], `pr-${prNumber}`);
        }
        assert.ok(selection.delete.length <= flags.maxDeletions);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("sweep deletes every stale copy up to max-deletions and keeps the rest with a reason", () => {
    let capped = 0;
    fc.assert(
      fc.property(clusterArbitrary, prStatesArbitrary, optionsArbitrary, (cluster, states, flags) => {
        const selection = selectServices(cluster.map((entry) => entry.service), states, sweepOptions(flags));
        const stale = cluster.filter(
          (entry) => reapable(entry.intent, flags.includeShadow) && staleInSweep(entry.intent, states, flags.maxAge),
        );
        if (stale.length > flags.maxDeletions) capped++;
        // The cap keeps the last stale copies by service name, so a re-run continues where this one stopped.
        const byName = [...stale].sort((a, b) => (a.service.serviceName < b.service.serviceName ? -1 : a.service.serviceName > b.service.serviceName ? 1 : 0));
        assert.deepEqual(
          selection.delete.map((decision) => decision.serviceArn),
          byName.slice(0, flags.maxDeletions).map((entry) => entry.service.serviceArn),
        );
        const deleted = new Set(selection.delete.map((decision) => decision.serviceArn));
        assert.equal(selection.delete.length, Math.min(stale.length, flags.maxDeletions));
        assert.equal(selection.overMaxDeletions, Math.max(0, stale.length - flags.maxDeletions));
        for (const entry of stale) {
          if (!deleted.has(entry.service.serviceArn)) {
            const kept = selection.keep.find((decision) => decision.serviceArn === entry.service.serviceArn);
            assert.ok(kept?.reason.startsWith(OVER_MAX_DELETIONS), `${entry.service.serviceName} stale but kept: ${kept?.reason}`);
          }
        }
        for (const decision of [...selection.delete, ...selection.keep]) assert.ok(decision.reason.length > 0);
        assert.equal(
          selection.delete.length + selection.keep.length + selection.unmanaged + selection.otherRepository + selection.alreadyDeleting,
          cluster.length,
        );
        assert.equal(selection.unmanaged, cluster.filter((entry) => entry.intent.managed !== "yes").length);
      }),
      { seed: SEED, numRuns: 300 },
    );
    assert.ok(capped >= 30, `max-deletions was reached in only ${capped} of 300 runs`);
  });

  it("route mode deletes exactly that route's reapable copies, whatever their age or PR state", () => {
    fc.assert(
      fc.property(clusterArbitrary, prStatesArbitrary, optionsArbitrary, fc.integer({ min: 1, max: 15 }), (cluster, states, flags, number) => {
        const options: SelectionOptions = {
          ...sweepOptions({ ...flags, maxDeletions: 1000 }),
          mode: { kind: "route", route: `pr-${number}`, because: `pull request #${number} closed` },
        };
        const selection = selectServices(cluster.map((entry) => entry.service), states, options);
        const expected = cluster
          .filter((entry) => entry.service.tags[TAG.route] === `pr-${number}` && reapable(entry.intent, flags.includeShadow))
          .map((entry) => entry.service.serviceArn)
          .sort();
        assert.deepEqual(selection.delete.map((decision) => decision.serviceArn).sort(), expected);
        for (const decision of selection.delete) assert.equal(decision.reason, `pull request #${number} closed`);
        assert.deepEqual(pullRequestsToLookUp(cluster.map((entry) => entry.service), options), []);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("never retires a revision a remaining service runs, another repository's, or one of a live copy in a sweep", () => {
    fc.assert(
      fc.property(clusterArbitrary, prStatesArbitrary, optionsArbitrary, (cluster, states, flags) => {
        const services = cluster.map((entry) => entry.service);
        const options = { ...sweepOptions(flags), includeShadow: true };
        const selection = selectServices(services, states, options);
        const deleted = new Set(selection.delete.map((decision) => decision.serviceArn));
        const remaining = services.filter((service) => !deleted.has(service.serviceArn));
        // Every service's revision, as the Tagging API would find it with the service's own tags.
        const revisions: TaggedRevision[] = services.flatMap((service) => {
          const arn = service.taskDefinition ?? "";
          const match = /task-definition\/(.+):(\d+)$/.exec(arn);
          return match === null ? [] : [{ arn, family: match[1] as string, revision: Number(match[2]), status: "ACTIVE" as const, tags: { ...service.tags, [TAG.baseService]: service.serviceName.split("--")[0] as string } }];
        });
        const retired = selectRevisions(revisions, remaining, states, options).retire;
        for (const decision of retired) {
          assert.equal(decision.revision.tags[TAG.repository], REPOSITORY);
          assert.ok(decision.revision.family.endsWith(`--${decision.route}`));
          for (const service of remaining) {
            if (service.status === "ACTIVE") assert.ok(!service.taskDefinitions.includes(decision.revision.arn), `${service.serviceName} still runs it`);
            const ours = service.tags[TAG.managedBy] === MANAGED_BY && service.tags[TAG.repository] === REPOSITORY;
            if (service.status === "ACTIVE" && ours) assert.notEqual(service.serviceName, decision.service);
          }
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("selectServices (examples)", () => {
  const managed = (name: string, route: string, extra: Record<string, string> = {}): ClusterService => ({
    serviceName: name,
    serviceArn: `arn:aws:ecs:us-east-1:1:service/dev/${name}`,
    status: "ACTIVE",
    taskDefinition: `arn:aws:ecs:us-east-1:1:task-definition/${name}:3`,
    taskDefinitions: [`arn:aws:ecs:us-east-1:1:task-definition/${name}:3`],
    tags: { [TAG.managedBy]: MANAGED_BY, [TAG.repository]: REPOSITORY, [TAG.route]: route, ...extra },
  });

  it("reaping pr-1 leaves pr-12 alone", () => {
    const services = [managed("orders--pr-1", "pr-1"), managed("orders--pr-12", "pr-12")];
    const selection = selectServices(services, new Map(), {
      repository: IDENTITY,
      mode: { kind: "route", route: "pr-1", because: "pull request #1 closed" },
      includeShadow: false,
      maxDeletions: 25,
      now: NOW,
    });
    assert.deepEqual(selection.delete.map((decision) => decision.service), ["orders--pr-1"]);
    assert.equal(selection.otherRoutes, 1);
    assert.deepEqual(routesTornDown(selection.delete, selection.keep, []), [{ route: "pr-1", pullRequest: 1, removed: ["orders--pr-1"], reason: "pull request #1 closed" }]);
  });

  it("a prune's removed copies are one teardown of the route for the deploying pull request; a copy still there is not among them", () => {
    const mode = { kind: "prune", route: "feature-x", because: "not in this deploy's services (prune)", keep: ["orders--feature-x"], pullRequest: 9 } as const;
    const services = [
      managed("orders--feature-x", "feature-x", { [TAG.pullRequest]: "9" }),
      managed("payments--feature-x", "feature-x", { [TAG.pullRequest]: "4" }),
      managed("web--feature-x", "feature-x", { [TAG.pullRequest]: "9" }),
      managed("web--pr-1", "pr-1"),
    ];
    const selection = selectServices(services, new Map(), { repository: IDENTITY, mode, includeShadow: false, maxDeletions: 25, now: NOW });
    assert.deepEqual(selection.delete.map((decision) => decision.service), ["payments--feature-x", "web--feature-x"]);
    const [payments, web] = selection.delete as [Decision, Decision];
    const retiring = [{ route: "feature-x", pullRequest: 4, service: "catalog--feature-x", reason: mode.because }];
    // web's deletion failed: it stays on the route, so it is not among the removed copies.
    assert.deepEqual(routesPruned(mode, [payments], [{ ...web, reason: "delete failed" }], retiring), [
      { route: "feature-x", pullRequest: 9, removed: ["catalog--feature-x", "payments--feature-x"], reason: mode.because },
    ]);
    assert.deepEqual(routesPruned(mode, [], [], []), [], "a prune that removed nothing runs no hook");
  });

  it("names why a reap removes a route: closed, requested, stale or prune", () => {
    assert.equal(reapReason({ kind: "route", route: "pr-1", because: "pull request #1 closed", pullRequest: 1 }), "closed");
    assert.equal(reapReason({ kind: "route", route: "feature-x", because: "route feature-x asked for" }), "requested");
    assert.equal(reapReason({ kind: "sweep", maxAgeMs: undefined }), "stale");
    assert.equal(reapReason({ kind: "prune", route: "pr-1", because: "prune", keep: [] }), "prune");
  });

  it("a sweep keeps an open, fresh PR copy and names why", () => {
    const services = [managed("orders--pr-3", "pr-3", { [TAG.expiresAt]: "2026-11-23T00:00:00Z", [TAG.createdAt]: "2026-11-22T00:00:00Z" })];
    const options: SelectionOptions = { repository: IDENTITY, mode: { kind: "sweep", maxAgeMs: 7 * 24 * HOUR }, includeShadow: false, maxDeletions: 25, now: NOW };
    assert.deepEqual(pullRequestsToLookUp(services, options), [3]);
    const selection = selectServices(services, new Map([[3, { kind: "open" }]]), options);
    assert.deepEqual(selection.delete, []);
    assert.equal(selection.keep[0]?.reason, "pull request #3 open; expires at 2026-11-23T00:00:00.000Z; created 2026-11-22T00:00:00.000Z");
  });

  it("a sweep deletes a merged PR's copy and a copy past max-age, and keeps one with an unreadable date", () => {
    const services = [
      managed("orders--pr-4", "pr-4"),
      managed("web--feature-x", "feature-x", { [TAG.createdAt]: "2026-11-01T00:00:00Z" }),
      managed("web--pr-5", "pr-5", { [TAG.expiresAt]: "soon" }),
    ];
    const selection = selectServices(
      services,
      new Map<number, PullRequestState>([
        [4, { kind: "closed", merged: true }],
        [5, { kind: "closed", merged: false }],
      ]),
      { repository: IDENTITY, mode: { kind: "sweep", maxAgeMs: 7 * 24 * HOUR }, includeShadow: false, maxDeletions: 25, now: NOW },
    );
    assert.deepEqual(
      selection.delete.map((decision) => [decision.service, decision.reason]),
      [
        ["orders--pr-4", "pull request #4 merged"],
        ["web--feature-x", "older than max-age (created 2026-11-01T00:00:00.000Z)"],
      ],
    );
    assert.deepEqual(selection.keep.map((decision) => [decision.service, decision.reason]), [["web--pr-5", 'expires-at tag "soon" is not a timestamp']]);
  });
});

describe("selectServices (unreadable pull requests)", () => {
  const copy = (name: string, route: string, expiresAt: string): ClusterService => ({
    serviceName: name,
    serviceArn: `arn:aws:ecs:us-east-1:1:service/dev/${name}`,
    status: "ACTIVE",
    taskDefinition: `arn:aws:ecs:us-east-1:1:task-definition/${name}:1`,
    taskDefinitions: [`arn:aws:ecs:us-east-1:1:task-definition/${name}:1`],
    tags: { [TAG.managedBy]: MANAGED_BY, [TAG.repository]: REPOSITORY, [TAG.route]: route, [TAG.expiresAt]: expiresAt },
  });

  it("still reaps an expired copy whose pull request GitHub would not show, and keeps a fresh one", () => {
    const services = [copy("orders--pr-8", "pr-8", "2026-11-22T11:00:00Z"), copy("orders--pr-9", "pr-9", "2026-11-22T11:00:00Z"), copy("web--pr-9", "pr-9", "2026-11-23T11:00:00Z")];
    const selection = selectServices(
      services,
      new Map<number, PullRequestState>([
        [8, { kind: "not-found" }],
        [9, { kind: "unknown", reason: "HTTP 403" }],
      ]),
      { repository: IDENTITY, mode: { kind: "sweep", maxAgeMs: undefined }, includeShadow: false, maxDeletions: 25, now: NOW },
    );
    assert.deepEqual(
      selection.delete.map((decision) => [decision.service, decision.reason]),
      [
        ["orders--pr-8", "expired at 2026-11-22T11:00:00.000Z"],
        ["orders--pr-9", "expired at 2026-11-22T11:00:00.000Z"],
      ],
    );
    assert.deepEqual(selection.keep.map((decision) => [decision.service, decision.reason]), [
      ["web--pr-9", "pull request #9 unknown: HTTP 403; expires at 2026-11-23T11:00:00.000Z"],
    ]);
  });
});

describe("task-definition families", () => {
  it("reads the family from an ARN", () => {
    assert.equal(taskDefinitionFamily("arn:aws:ecs:us-east-1:1:task-definition/orders--pr-12:7"), "orders--pr-12");
    assert.equal(taskDefinitionFamily("orders:3"), "orders");
    assert.equal(taskDefinitionFamily("orders"), undefined);
  });
});
