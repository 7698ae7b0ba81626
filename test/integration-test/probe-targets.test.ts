import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { copyReachedBy, copyRuleSyntax, deriveProbeTarget, describeTarget, type RouteCopy } from "../../src/integration/probe-targets.js";

const entrypoint = new URL("https://traefik.dev.internal");
/** The route's signal part of a copy's rule, in each syntax. */
const SIGNAL = { v3: "(Header(`X-Route-Version`, `pr-7`))", v2: "(Headers(`X-Route-Version`, `pr-7`))" } as const;

function copy(match: string, ruleSyntax: "v2" | "v3" = "v3"): RouteCopy {
  return { baseService: "orders", service: "orders--pr-7", rule: `${match} && ${SIGNAL[ruleSyntax]}`, ruleSyntax };
}

describe("deriveProbeTarget", () => {
  it("takes the host from Host and the path from PathPrefix, sent to the entrypoint", () => {
    const target = deriveProbeTarget(copy("Host(`web.dev.internal`) && PathPrefix(`/app`)"), entrypoint, undefined);
    assert.deepEqual(target, { url: "https://traefik.dev.internal/app", host: "web.dev.internal", copy: "orders--pr-7" });
    assert.equal(describeTarget(target), "https://web.dev.internal/app via https://traefik.dev.internal");
  });

  it("probes / without a path matcher, and the path of Path", () => {
    assert.equal(deriveProbeTarget(copy("Host(`orders.dev.internal`)"), entrypoint, undefined).url, "https://traefik.dev.internal/");
    assert.equal(deriveProbeTarget(copy("Host(`orders.dev.internal`) && Path(`/orders/health`)"), entrypoint, undefined).url, "https://traefik.dev.internal/orders/health");
  });

  it("lets probe-path replace the derived path", () => {
    assert.equal(deriveProbeTarget(copy("Host(`web.dev.internal`) && PathPrefix(`/app`)"), entrypoint, "/health").url, "https://traefik.dev.internal/health");
  });

  it("takes nothing from a negated matcher, and the entrypoint's host when the rule names none", () => {
    const target = deriveProbeTarget(copy("PathPrefix(`/orders`) && !Host(`legacy.dev.internal`)"), entrypoint, undefined);
    assert.deepEqual(target, { url: "https://traefik.dev.internal/orders", copy: "orders--pr-7" });
  });

  it("reads v2 rules: the first of several Host arguments, a path template cut at its first variable", () => {
    const target = deriveProbeTarget(copy("Host(`a.dev.internal`, `b.dev.internal`) && Path(`/orders/{id:[0-9]+}`)", "v2"), entrypoint, undefined);
    assert.deepEqual(target, { url: "https://traefik.dev.internal/orders/", host: "a.dev.internal", copy: "orders--pr-7" });
  });

  it("keeps the entrypoint's credentials on the probe and out of its description", () => {
    const target = deriveProbeTarget(copy("Host(`orders.dev.internal`)"), new URL("https://ci:s3cret@traefik.dev.internal/"), undefined);
    assert.equal(target.url, "https://ci:s3cret@traefik.dev.internal/");
    assert.doesNotMatch(describeTarget(target), /s3cret/);
  });
});

describe("copyReachedBy", () => {
  const copies = [copy("Host(`orders.dev.internal`)"), { ...copy("Host(`web.dev.internal`) && PathPrefix(`/app`)"), baseService: "web", service: "web--pr-7" }];
  const headers = { "X-Route-Version": "pr-7" };

  it("finds the copy whose rule takes the URL with the routing headers", () => {
    assert.equal(copyReachedBy("https://web.dev.internal/app/health", headers, copies)?.service, "web--pr-7");
    assert.equal(copyReachedBy("https://orders.dev.internal/health", headers, copies)?.service, "orders--pr-7");
  });

  it("finds none for a service the route has no copy of, or a path outside the copy's match", () => {
    assert.equal(copyReachedBy("https://payments.dev.internal/health", headers, copies), undefined);
    assert.equal(copyReachedBy("https://web.dev.internal/health", headers, copies), undefined);
  });
});

describe("copyRuleSyntax", () => {
  it("uses the ruleSyntax label, else the syntax the rule parses in", () => {
    assert.equal(copyRuleSyntax("Host(`a`)", "v2"), "v2");
    assert.equal(copyRuleSyntax("Host(`a`) && Header(`X`, `y`)", undefined), "v3");
    assert.equal(copyRuleSyntax("Host(`a`) && Headers(`X`, `y`)", undefined), "v2");
  });
});
