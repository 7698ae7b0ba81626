import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  ecsConsoleUrl,
  imageTag,
  renderRouteComment,
  renderTornDownComment,
  routeMarker,
  type RouteCommentModel,
  type RouteServiceRow,
} from "../../src/github/comment-body.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { codeTexts, renderGfm, withoutCode } from "../helpers/markdown.js";

const SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";

function model(overrides: Partial<RouteCommentModel> = {}): RouteCommentModel {
  return {
    route: "pr-123",
    repository: "octo-org/shop",
    commit: SHA,
    cluster: "dev",
    region: "eu-west-1",
    services: [
      {
        baseService: "orders",
        routeService: "orders--pr-123",
        image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:sha-9f86d08",
        status: "running",
        consoleUrl: ecsConsoleUrl("eu-west-1", "dev", "orders--pr-123"),
      },
    ],
    signal: DEFAULT_SIGNAL_NAMES,
    expiresAt: new Date("2026-11-25T18:00:00.000Z"),
    environmentUrl: "https://shop.dev.example.com/",
    updatedAt: new Date("2026-11-22T18:00:00.000Z"),
    ...overrides,
  };
}

/** The cells of the Markdown table row that starts with `first`, split on unescaped pipes. */
function tableRow(body: string, first: string): string[] {
  const line = body.split("\n").find((candidate) => candidate.startsWith(`| ${first} |`));
  assert.ok(line !== undefined, `no table row for ${first}`);
  return line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim());
}

describe("route comment", () => {
  const body = renderRouteComment(model());

  it("starts with the route's hidden marker", () => {
    assert.equal(routeMarker("pr-123"), "<!-- ecs-dynamic-routing route=pr-123 -->");
    assert.equal(body.split("\n")[0], routeMarker("pr-123"));
  });

  it("names the route, the short commit, the cluster and the expiry in UTC", () => {
    assert.match(body, /Route `pr-123` is ready/);
    assert.match(body, /Commit 9f86d08 ·/);
    assert.doesNotMatch(body, new RegExp(SHA));
    assert.match(body, /cluster <code>dev<\/code> \(<code>eu-west-1<\/code>\)/);
    assert.match(body, /expires 2026-11-25T18:00:00Z \(UTC/);
  });

  it("has a table row per service with the image tag, the status and the ECS console link", () => {
    const cells = tableRow(body, "<code>orders</code>");
    assert.deepEqual(cells.slice(0, 4), ["<code>orders</code>", "<code>orders--pr-123</code>", "<code>sha-9f86d08</code>", "✅ running"]);
    assert.equal(
      cells[4],
      "[console](https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/dev/services/orders--pr-123/health?region=eu-west-1)",
    );
  });

  it("says how to reach the route: curl, a one-line document.cookie, baggage, the mobile header", () => {
    assert.ok(body.includes("curl -H 'X-Route-Version: pr-123' https://shop.dev.example.com/\n"));
    assert.ok(body.split("\n").includes('document.cookie = "x-route-version=pr-123; domain=dev.example.com; path=/; max-age=86400; SameSite=Lax; Secure"'));
    assert.ok(body.includes('Back to the default: `document.cookie = "x-route-version=; domain=dev.example.com; path=/; max-age=0; SameSite=Lax; Secure"`'));
    assert.match(body, /fetch\(url, \{ credentials: "include" \}\)/);
    assert.match(body, /then reload \(for a day; every host under `dev\.example\.com`\)/);
    assert.match(renderRouteComment(model({ environmentUrl: "http://127.0.0.1:8000/" })), /then reload \(for a day; this host only\)/);
    assert.ok(body.split("\n").includes("baggage: dynamic_route=pr-123"));
    assert.match(body, /Mobile debug menu\*\*: header `X-Route-Version` with value `pr-123`/);
  });

  it("uses the configured signal names", () => {
    const custom = renderRouteComment(model({ signal: { header: "X-Env", cookie: "env", baggageKey: "env_route" } }));
    assert.ok(custom.includes("curl -H 'X-Env: pr-123'"));
    assert.ok(custom.includes('document.cookie = "env=pr-123; domain=dev.example.com; path=/; max-age=86400; SameSite=Lax; Secure"'));
    assert.ok(custom.includes("baggage: env_route=pr-123"));
  });

  it("quotes an environment URL the shell would split, and shows a placeholder without one", () => {
    assert.ok(renderRouteComment(model({ environmentUrl: "https://shop.dev/?a=1&b=2" })).includes("curl -H 'X-Route-Version: pr-123' 'https://shop.dev/?a=1&b=2'"));
    const unknown = renderRouteComment(model({ environmentUrl: undefined }));
    assert.ok(unknown.includes("curl -H 'X-Route-Version: pr-123' https://<dev-host>/"));
  });

  it("shows a failed deploy with its reasons, escaping what could break the table", () => {
    const failed = renderRouteComment(
      model({
        failure: "1 of 2 services failed to deploy",
        services: [
          ...model().services,
          {
            baseService: "payments",
            routeService: "payments--pr-123",
            image: "registry.example.com:5000/payments@sha256:abc123",
            status: "failed",
            consoleUrl: ecsConsoleUrl("eu-west-1", "dev", "payments--pr-123"),
            reason: "Essential container exited | exit code 1\nCannotPullContainerError <missing>",
          },
        ],
      }),
    );
    assert.match(failed, /Route `pr-123` failed to deploy/);
    const html = renderGfm(failed);
    const row = /<tr>\n<td><code>payments<\/code><\/td>[^]*?<\/tr>/.exec(html)?.[0] ?? "";
    assert.deepEqual(codeTexts(row).slice(2, 4), ["sha256:abc123", "Essential container exited | exit code 1 CannotPullContainerError <missing>"]);
    assert.match(row, /<td>❌ failed: <code>/);
    const why = html.slice(html.indexOf("<strong>Why it failed</strong>"));
    assert.deepEqual(codeTexts(why.slice(0, why.indexOf("</ul>"))), [
      "1 of 2 services failed to deploy",
      "payments--pr-123: Essential container exited | exit code 1 CannotPullContainerError <missing>",
    ]);
  });
});

describe("the ECS console link", () => {
  /** The href of each link in the rendered comment. */
  const links = (body: string) => [...renderGfm(body).matchAll(/<a href="([^"]*)"/g)].map((match) => match[1]);

  it("encodes every part, brackets included, so a ')' in a region or cluster cannot end the Markdown link early", () => {
    const url = ecsConsoleUrl("eu-west-1) [x](https://evil.example", "dev (blue)|*!'", "orders--pr-123");
    assert.equal(
      url,
      "https://eu-west-1%29%20%5Bx%5D%28https%3A%2F%2Fevil.example.console.aws.amazon.com/ecs/v2/clusters/dev%20%28blue%29%7C%2A%21%27/services/orders--pr-123/health?region=eu-west-1%29%20%5Bx%5D%28https%3A%2F%2Fevil.example",
    );
    const body = renderRouteComment(model({ services: [{ ...(model().services[0] as RouteServiceRow), consoleUrl: url }] }));
    assert.deepEqual(links(body), [url]);
  });

  it("stays one link when a console URL given to the comment holds brackets, spaces or pipes", () => {
    const consoleUrl = "https://console.example/a (b)|c\td";
    const body = renderRouteComment(model({ services: [{ ...(model().services[0] as RouteServiceRow), consoleUrl }] }));
    assert.deepEqual(links(body), ["https://console.example/a%20%28b%29%7Cc%09d"]);
  });
});

describe("comment helpers", () => {
  it("lists every copy on the route with its repository when some are not this deploy's, each inert", () => {
    const copies = [
      { routeService: "orders--pr-123", repository: "octo-org/shop", pullRequest: 123 },
      { routeService: "payments--pr-123", repository: "octo-org/payments", pullRequest: 9 },
    ];
    const shared = renderRouteComment(model({ routeCopies: copies }));
    assert.match(shared, /\*\*Every copy on route `pr-123` in this cluster\*\*/);
    assert.deepEqual(codeTexts(renderGfm(tableRow(shared, "<code>payments--pr-123</code>").join(" "))), ["payments--pr-123", "octo-org/payments", "#9"]);
    assert.equal((renderGfm(shared).match(/<a /g) ?? []).length, 1, "octo-org/payments#9 links nowhere");
    // Only this deploy's copies: the services table already is the whole route.
    assert.doesNotMatch(renderRouteComment(model({ routeCopies: copies.slice(0, 1) })), /Every copy on route/);
  });

  it("takes the tag after the last ':' or '@', never a registry port", () => {
    assert.equal(imageTag("nginx:1.27"), "1.27");
    assert.equal(imageTag("registry.example.com:5000/team/app"), "latest");
    assert.equal(imageTag("registry.example.com:5000/team/app:v2"), "v2");
    assert.equal(imageTag("app:v2@sha256:deadbeef"), "sha256:deadbeef");
  });
});

describe("torn-down comment", () => {
  it("keeps the marker and lists what was removed", () => {
    const body = renderTornDownComment({
      route: "pr-123",
      removed: ["orders--pr-123", "payments--pr-123"],
      tornDownAt: new Date("2026-11-26T09:30:00.000Z"),
      reason: "pull request closed",
    });
    assert.equal(body.split("\n")[0], routeMarker("pr-123"));
    assert.match(body, /Route `pr-123` was torn down/);
    assert.match(body, /pull request closed: removed <code>orders--pr-123<\/code>, <code>payments--pr-123<\/code> · 2026-11-26T09:30:00Z/);
    assert.doesNotMatch(body, /curl|document\.cookie/);
  });
});

describe("outside text in the comment", () => {
  /** Text a pull-request author controls: through their image (stopped reasons, tags) or the workflow. */
  const hostile = fc.constantFrom(
    "[x](https://evil.example/)",
    "![t](https://evil.example/i.png)",
    "@org/team please look",
    "see https://evil.example and www.evil.example or a@evil.example",
    "<img src=x onerror=alert(1)> </td></tr>",
    "a | b\n\n# heading\n```\n<details open>",
  );

  function hostileModel(text: string): RouteCommentModel {
    const base = model();
    return {
      ...base,
      commit: text,
      region: text,
      cluster: text,
      environmentUrl: text,
      failure: text,
      services: [{ ...(base.services[0] as RouteServiceRow), baseService: text, image: `registry.example.com/orders:${text}`, status: "failed", reason: text }],
      // Another repository's copy on a shared route: its name and service come from its tags.
      routeCopies: [{ routeService: `payments--${text}`, repository: text, pullRequest: 5 }],
    };
  }

  it("never becomes a link, an image, a mention or HTML: the rendered comment differs from a plain one only inside code", () => {
    const plain = withoutCode(renderGfm(renderRouteComment(hostileModel("plain"))));
    fc.assert(
      fc.property(hostile, (text) => {
        const html = renderGfm(renderRouteComment(hostileModel(text)));
        assert.equal(withoutCode(html), plain);
        assert.equal((html.match(/<a /g) ?? []).length, 1, "only the ECS console link");
      }),
    );
  });
});

describe("route comment: a deploy's prune", () => {
  it("lists the copies removed and those left with why, as inert text", () => {
    const body = renderRouteComment(
      model({ pruned: { removed: ["payments--pr-123"], left: [{ service: "web--pr-123", reason: "delete failed: <img src=x> @octocat" }] } }),
    );
    const html = renderGfm(body);
    assert.match(body, /\*\*Pruned from the route\*\*/);
    assert.ok(codeTexts(html).includes("payments--pr-123"));
    assert.ok(codeTexts(html).includes("delete failed: <img src=x> @\u2060octocat"));
    assert.match(body, /the next deploy tries again/);
    assert.doesNotMatch(withoutCode(html), /<img|@octocat/);
  });

  it("says nothing when the prune removed and left nothing, or did not run", () => {
    assert.doesNotMatch(renderRouteComment(model({ pruned: { removed: [], left: [] } })), /Pruned/);
    assert.doesNotMatch(renderRouteComment(model()), /Pruned/);
  });
});
