// The pure parts of "a route has one owner" (issue 10.3): which route a deploy and a reap take from
// route-template, and whether a deploy may take its route given the route's copies in the cluster.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigurationError } from "../../src/common/errors.js";
import { readDeployInputs } from "../../src/config/deploy-inputs.js";
import { Inputs } from "../../src/config/inputs.js";
import { readReapInputs } from "../../src/config/reap-inputs.js";
import { routeToDeploy } from "../../src/deploy/event-route.js";
import { claimRoute, pullRequestsHoldingRoute } from "../../src/deploy/plan.js";
import type { PlanOptions } from "../../src/deploy/options.js";
import type { RouteCopy } from "../../src/deploy/read.js";
import { parseWorkflowEvent, type WorkflowEvent } from "../../src/github/event.js";
import { reapMode } from "../../src/reap/mode.js";
import type { PullRequestState } from "../../src/reap/select.js";
import { parseRouteTemplate } from "../../src/routing/route.js";
import { pullRequestEvent, pushEvent } from "../helpers/webhooks.js";

function inputError(input: string, pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof ConfigurationError && error.input === input && pattern.test(error.message);
}

function event(name: string, payload: Record<string, unknown>, env: Record<string, string> = {}): WorkflowEvent {
  return parseWorkflowEvent({ GITHUB_EVENT_NAME: name, GITHUB_REPOSITORY: "Acme/Web.Shop", GITHUB_REF: "refs/heads/main", ...env }, payload);
}

const opened = (number: number, headRef: string): WorkflowEvent => event("pull_request", pullRequestEvent("opened", { number, headRef }));
const closed = (number: number, headRef: string): WorkflowEvent => event("pull_request", pullRequestEvent("closed", { number, headRef }));

describe("routeToDeploy", () => {
  const template = (text: string) => ({ route: undefined, routeTemplate: parseRouteTemplate(text) });

  it("names a pull request's route from route-template, each placeholder slugged; only {branch} without {number} is shared", () => {
    assert.deepEqual(routeToDeploy(opened(42, "feature/x"), template("pr-{number}")), { route: "pr-42", shared: false, routeInput: "route-template" });
    assert.deepEqual(routeToDeploy(opened(42, "feature/x"), template("{repository}-pr-{number}")), { route: "web-shop-pr-42", shared: false, routeInput: "route-template" });
    assert.deepEqual(routeToDeploy(opened(42, "Feature/Checkout_V2"), template("f-{branch}")), { route: "f-feature-checkout-v2", shared: true, routeInput: "route-template" });
    assert.deepEqual(routeToDeploy(opened(42, "feature/x"), template("{branch}-{number}")), { route: "feature-x-42", shared: false, routeInput: "route-template" });
  });

  it("takes the route input over the template; a pushed branch's route is shared like {branch}", () => {
    assert.deepEqual(routeToDeploy(opened(42, "x"), { route: "demo", routeTemplate: parseRouteTemplate("{branch}") }), { route: "demo", shared: false, routeInput: "route" });
    assert.deepEqual(routeToDeploy(opened(42, "x"), { route: "pr-42", routeTemplate: undefined }), { route: "pr-42", shared: false, routeInput: "route" });
    const push = event("push", pushEvent({ branch: "checkout-v2" }), { GITHUB_REF: "refs/heads/checkout-v2" });
    assert.deepEqual(routeToDeploy(push, template("pr-{number}")), { route: "checkout-v2", shared: true, routeInput: "route" });
  });

  it("refuses another pull request's pr-<n> route, which would tag a copy of pr-5 with pull request 7", () => {
    assert.throws(() => routeToDeploy(opened(7, "x"), { route: "pr-5", routeTemplate: undefined }), inputError("route", /^pr-5 is pull request #5's route/));
  });

  it("refuses a rendered route that is not valid, naming route-template", () => {
    assert.throws(() => routeToDeploy(opened(7, "shadow"), template("{branch}")), inputError("route-template", /'shadow'/));
    assert.throws(() => routeToDeploy(opened(7, "---"), template("{branch}")), inputError("route-template", /empty route/));
  });
});

describe("route-template settings", () => {
  const read = (values: Record<string, string>) => (name: string) => values[name] ?? "";

  it("defaults to pr-{number} in deploy-ephemeral and reap, and is checked when read", () => {
    assert.equal(readDeployInputs(new Inputs(read({ service: "orders" })), "ephemeral").routeTemplate?.text, "pr-{number}");
    assert.equal(readDeployInputs(new Inputs(read({ service: "orders" })), "shadow").routeTemplate, undefined);
    assert.equal(readReapInputs(new Inputs(read({}))).routeTemplate.text, "pr-{number}");
    assert.throws(() => readDeployInputs(new Inputs(read({ service: "orders", "route-template": "pr-{title}" })), "ephemeral"), inputError("route-template", /\{title\}/));
    assert.throws(() => readReapInputs(new Inputs(read({ "route-template": "Demo-{number}" }))), inputError("route-template", /lowercase/));
  });
});

describe("reapMode on a pull request's close", () => {
  const settings = (template: string, route?: string) => ({ ...readReapInputs(new Inputs((name) => (name === "route" ? (route ?? "") : ""))), routeTemplate: parseRouteTemplate(template) });

  it("reaps the route the deploy's template gave the pull request, and only that pull request's copies", () => {
    assert.deepEqual(reapMode(closed(12, "Checkout/V2"), settings("feature-{branch}")), {
      kind: "route",
      route: "feature-checkout-v2",
      because: "pull request #12 closed",
      pullRequest: 12,
    });
    assert.equal((reapMode(closed(12, "x"), settings("{repository}-pr-{number}")) as { route: string }).route, "web-shop-pr-12");
    assert.equal((reapMode(closed(12, "x"), settings("{repository}-pr-{number}", "demo")) as { route: string }).route, "demo");
  });
});

describe("claimRoute", () => {
  const ours = { kind: "ours", migrate: false } as const;
  const other = (repository: string) => ({ kind: "other", repository }) as const;
  const copy = (serviceName: string, fields: Partial<RouteCopy>): RouteCopy => ({
    serviceName,
    baseService: serviceName.split("--")[0] as string,
    repository: "Acme/Web.Shop",
    owner: ours,
    pullRequest: undefined,
    shared: false,
    ...fields,
  });
  const options = (fields: { route?: string; pullRequest?: number; shared?: boolean; routeInput?: "route" | "route-template" } = {}) =>
    ({
      route: fields.route ?? "pr-5",
      cluster: "dev",
      ...(fields.routeInput !== undefined ? { routeInput: fields.routeInput } : {}),
      tags: { repository: "Acme/Web.Shop", pullRequest: fields.pullRequest ?? 5, sharedRoute: fields.shared ?? false },
    }) as unknown as PlanOptions;
  const states = (entries: [number, PullRequestState][] = []) => new Map(entries);

  it("takes a route with no copies, with this pull request's own, or with a closed pull request's", () => {
    claimRoute(options(), [], states());
    claimRoute(options(), [copy("orders--pr-5", { pullRequest: 5 })], states());
    claimRoute(options({ route: "demo", pullRequest: 8 }), [copy("orders--demo", { pullRequest: 7 })], states([[7, { kind: "closed", merged: true }]]));
    claimRoute(options({ route: "demo", pullRequest: 8 }), [copy("orders--demo", { pullRequest: 7 })], states([[7, { kind: "not-found" }]]));
  });

  it("refuses another repository's copy, naming it and the fix, unless both share the route", () => {
    const foreign = copy("payments--pr-5", { repository: "Acme/Payments", owner: other("Acme/Payments"), pullRequest: 5 });
    assert.throws(
      () => claimRoute(options({ routeInput: "route-template" }), [foreign], states()),
      inputError("route-template", /^route pr-5 already has Acme\/Payments's copy payments--pr-5 in cluster 'dev'; give this repository routes of its own with route-template/),
    );
    const sharedForeign = { ...foreign, serviceName: "payments--checkout", shared: true };
    claimRoute(options({ route: "checkout", shared: true }), [sharedForeign], states());
    assert.throws(() => claimRoute(options({ route: "checkout", shared: false }), [sharedForeign], states()), inputError("route", /Acme\/Payments's copy/));
    assert.throws(() => claimRoute(options({ route: "checkout", shared: true }), [{ ...sharedForeign, shared: false }], states()), inputError("route", /Acme\/Payments's copy/));
  });

  it("refuses a route another open pull request holds, or one whose state GitHub could not tell", () => {
    const held = [copy("orders--demo", { pullRequest: 7 }), copy("payments--demo", { pullRequest: 7 })];
    assert.throws(
      () => claimRoute(options({ route: "demo", pullRequest: 8 }), held, states([[7, { kind: "open" }]])),
      inputError("route", /^route demo belongs to pull request #7, which is open \(orders--demo, payments--demo\); choose another route, or close #7 first$/),
    );
    assert.throws(
      () => claimRoute(options({ route: "demo", pullRequest: 8 }), held, states([[7, { kind: "unknown", reason: "HTTP 502" }]])),
      inputError("route", /could not say whether it is open \(HTTP 502\); pass github-token/),
    );
    assert.throws(() => claimRoute(options({ route: "demo", pullRequest: 8 }), held, states()), inputError("route", /not looked up/));
  });

  it("names in the refusal only the copies that pull request holds, whatever else the route has", () => {
    const copies = [
      copy("orders--demo", { pullRequest: 7 }),
      copy("cart--demo", { pullRequest: 8 }),
      copy("search--demo", { pullRequest: 6 }),
      copy("payments--demo", { pullRequest: 7, owner: other("Acme/Payments"), shared: true }),
      copy("web--demo", { pullRequest: 7 }),
    ];
    const claim = (state: PullRequestState) => () =>
      claimRoute(options({ route: "demo", pullRequest: 8, shared: true }), copies, states([[6, { kind: "closed", merged: false }], [7, state]]));
    assert.throws(claim({ kind: "open" }), inputError("route", /which is open \(orders--demo, web--demo\);/));
    assert.throws(claim({ kind: "unknown", reason: "HTTP 502" }), inputError("route", /has copies of pull request #7 \(orders--demo, web--demo\) and GitHub/));
  });

  it("asks GitHub only about this repository's other pull requests, each once", () => {
    const copies = [
      copy("a--demo", { pullRequest: 7 }),
      copy("b--demo", { pullRequest: 7 }),
      copy("c--demo", { pullRequest: 8 }),
      copy("d--demo", { pullRequest: 3 }),
      copy("e--demo", {}),
      copy("f--demo", { pullRequest: 9, owner: other("Acme/Payments") }),
    ];
    assert.deepEqual(pullRequestsHoldingRoute(copies, 8), [3, 7]);
    assert.deepEqual(pullRequestsHoldingRoute(copies, undefined), [3, 7, 8]);
  });
});
