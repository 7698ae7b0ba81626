// The sticky pull-request comment as a reader sees it, line by line (docs/design.md §6): which parts
// appear in which state, in which order, separated how, and what outside text turns into. Examples
// only; test/github/comment-body.test.ts holds the property over hostile text.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { routeCostSection } from "../../src/cost/render.js";
import {
  ecsConsoleUrl,
  imageTag,
  isTornDownComment,
  renderRouteComment,
  renderTornDownComment,
  type RouteCommentModel,
  type RouteServiceRow,
} from "../../src/github/comment-body.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { codeTexts, renderGfm, withoutCode } from "../helpers/markdown.js";

const SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";

function row(baseService: string, status: RouteServiceRow["status"], reason?: string): RouteServiceRow {
  const routeService = `${baseService}--pr-7`;
  return {
    baseService,
    routeService,
    image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${baseService}:v2`,
    status,
    consoleUrl: ecsConsoleUrl("eu-west-1", "dev", routeService),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** A ready route of one service, with an expiry and an environment URL. */
function model(overrides: Partial<RouteCommentModel> = {}): RouteCommentModel {
  return {
    route: "pr-7",
    repository: "octo-org/shop",
    commit: SHA,
    cluster: "dev",
    region: "eu-west-1",
    services: [row("orders", "running")],
    signal: DEFAULT_SIGNAL_NAMES,
    expiresAt: new Date("2026-12-05T10:00:00.000Z"),
    environmentUrl: "https://shop.dev.example.com/",
    updatedAt: new Date("2026-12-02T10:00:00.000Z"),
    ...overrides,
  };
}

const lines = (overrides: Partial<RouteCommentModel> = {}): string[] => renderRouteComment(model(overrides)).split("\n");

const TABLE_HEAD = ["| Service | Route service | Image tag | Status | ECS |", "|---|---|---|---|---|"];

function tableRow(baseService: string, status: string): string {
  const url = ecsConsoleUrl("eu-west-1", "dev", `${baseService}--pr-7`);
  return `| <code>${baseService}</code> | <code>${baseService}--pr-7</code> | <code>v2</code> | ${status} | [console](${url}) |`;
}

/** The end of the how-to-reach section, whatever the environment URL, then the comment's closing empty line. */
const REACH_END = [
  "",
  "**OpenTelemetry clients**: add the baggage entry; services propagate it downstream",
  "",
  "```http",
  "baggage: dynamic_route=pr-7",
  "```",
  "",
  "**Mobile debug menu**: header `X-Route-Version` with value `pr-7`",
  "",
  "</details>",
  "",
];

/** The how-to-reach section for https://shop.dev.example.com/, then the comment's closing empty line. */
const REACH_SHOP = [
  "",
  "<details open><summary>How to reach this route</summary>",
  "",
  "**curl** or any HTTP client: send the header",
  "",
  "```sh",
  "curl -H 'X-Route-Version: pr-7' https://shop.dev.example.com/",
  "```",
  "",
  "**Browser**: run in the dev tools console on the dev site, then reload (for a day; every host under `dev.example.com`)",
  "",
  "```js",
  'document.cookie = "x-route-version=pr-7; domain=dev.example.com; path=/; max-age=86400; SameSite=Lax; Secure"',
  "```",
  "",
  'Back to the default: `document.cookie = "x-route-version=; domain=dev.example.com; path=/; max-age=0; SameSite=Lax; Secure"`. A page that calls another subdomain sends the cookie with `fetch(url, { credentials: "include" })` when that service answers CORS with credentials allowed.',
  ...REACH_END,
];

/** The comment's lines from the end of the services table (after `rows` rows) to the how-to-reach section. */
function between(comment: string[], rows: number): string[] {
  const tableStart = comment.indexOf(TABLE_HEAD[0] as string);
  assert.ok(tableStart > 0, "a services table");
  return comment.slice(tableStart + TABLE_HEAD.length + rows, comment.indexOf("<details open><summary>How to reach this route</summary>") - 1);
}

describe("the route comment, line by line", () => {
  it("of a ready route: marker, headline, the facts with expiry, the environment, the services, how to reach it", () => {
    assert.deepEqual(lines(), [
      "<!-- ecs-dynamic-routing route=pr-7 -->",
      "### ✅ Route `pr-7` is ready",
      "",
      "Commit 9f86d08 · cluster <code>dev</code> (<code>eu-west-1</code>) · expires 2026-12-05T10:00:00Z (UTC, extended on every push) · updated 2026-12-02T10:00:00Z",
      "",
      "Environment: <code>https&#58;&#47;&#47;shop&#46;dev&#46;example&#46;com&#47;</code>",
      "",
      ...TABLE_HEAD,
      tableRow("orders", "✅ running"),
      ...REACH_SHOP,
    ]);
  });

  it("without an expiry or environment URL: no expiry fact, no environment line, a placeholder host and a cookie for that host only", () => {
    assert.deepEqual(lines({ expiresAt: undefined, environmentUrl: undefined }), [
      "<!-- ecs-dynamic-routing route=pr-7 -->",
      "### ✅ Route `pr-7` is ready",
      "",
      "Commit 9f86d08 · cluster <code>dev</code> (<code>eu-west-1</code>) · updated 2026-12-02T10:00:00Z",
      "",
      ...TABLE_HEAD,
      tableRow("orders", "✅ running"),
      "",
      "<details open><summary>How to reach this route</summary>",
      "",
      "**curl** or any HTTP client: send the header (replace `<dev-host>` with your dev host)",
      "",
      "```sh",
      "curl -H 'X-Route-Version: pr-7' https://<dev-host>/",
      "```",
      "",
      "**Browser**: run in the dev tools console on the dev site, then reload (for a day; this host only)",
      "",
      "```js",
      'document.cookie = "x-route-version=pr-7; path=/; max-age=86400; SameSite=Lax"',
      "```",
      "",
      'Back to the default: `document.cookie = "x-route-version=; path=/; max-age=0; SameSite=Lax"`. A page that calls another subdomain sends the cookie with `fetch(url, { credentials: "include" })` when that service answers CORS with credentials allowed.',
      ...REACH_END,
    ]);
  });

  it("treats an empty environment URL as none", () => {
    assert.deepEqual(lines({ environmentUrl: "" }), lines({ environmentUrl: undefined }));
  });

  it("with an expiry but no environment URL, and the other way round, shows exactly the one it has", () => {
    const expiryOnly = lines({ environmentUrl: undefined });
    assert.equal(expiryOnly[3], "Commit 9f86d08 · cluster <code>dev</code> (<code>eu-west-1</code>) · expires 2026-12-05T10:00:00Z (UTC, extended on every push) · updated 2026-12-02T10:00:00Z");
    assert.deepEqual(expiryOnly.slice(4, 6), ["", TABLE_HEAD[0]]);
    const environmentOnly = lines({ expiresAt: undefined });
    assert.deepEqual(environmentOnly.slice(3, 8), [
      "Commit 9f86d08 · cluster <code>dev</code> (<code>eu-west-1</code>) · updated 2026-12-02T10:00:00Z",
      "",
      "Environment: <code>https&#58;&#47;&#47;shop&#46;dev&#46;example&#46;com&#47;</code>",
      "",
      TABLE_HEAD[0],
    ]);
  });

  it("of a deploying route: the ⏳ headline and row, nothing about a failure", () => {
    const comment = lines({ services: [row("orders", "running"), row("payments", "deploying")] });
    assert.equal(comment[1], "### ⏳ Route `pr-7` is deploying");
    assert.deepEqual(comment.slice(7, 11), [...TABLE_HEAD, tableRow("orders", "✅ running"), tableRow("payments", "⏳ deploying")]);
    assert.deepEqual(comment.slice(11), REACH_SHOP);
  });

  it("of a failed route: the ❌ headline, each reason in its row, then Why it failed: the deploy's failure first, then each failed service's reason", () => {
    const comment = lines({
      failure: "2 of 3 services failed to deploy",
      services: [row("orders", "failed", "Essential container exited"), row("payments", "skipped", "unchanged"), row("web", "failed", "CannotPullContainerError")],
    });
    assert.equal(comment[1], "### ❌ Route `pr-7` failed to deploy");
    assert.deepEqual(comment.slice(7, 12), [
      ...TABLE_HEAD,
      tableRow("orders", "❌ failed: <code>Essential container exited</code>"),
      tableRow("payments", "⏭️ skipped: <code>unchanged</code>"),
      tableRow("web", "❌ failed: <code>CannotPullContainerError</code>"),
    ]);
    assert.deepEqual(between(comment, 3), [
      "",
      "**Why it failed**",
      "",
      "- <code>2 of 3 services failed to deploy</code>",
      "- <code>orders--pr-7&#58; Essential container exited</code>",
      "- <code>web--pr-7&#58; CannotPullContainerError</code>",
    ]);
  });

  it("lists a failed service's reason even when the deploy gave no failure of its own", () => {
    const comment = lines({ services: [row("orders", "failed", "exit code 1")] });
    assert.equal(comment[1], "### ❌ Route `pr-7` failed to deploy");
    assert.deepEqual(between(comment, 1), ["", "**Why it failed**", "", "- <code>orders--pr-7&#58; exit code 1</code>"]);
  });

  it("has no Why it failed list when nothing says why: a failed service without a reason and no failure", () => {
    const comment = lines({ services: [row("orders", "failed")] });
    assert.equal(comment[1], "### ❌ Route `pr-7` failed to deploy");
    assert.deepEqual(between(comment, 1), []);
  });

  it("shows the deploy's failure alone when every service is running, with the failed headline", () => {
    const comment = lines({ failure: "the route's copies did not answer", services: [row("orders", "running", "answers")] });
    assert.equal(comment[1], "### ❌ Route `pr-7` failed to deploy");
    assert.deepEqual(between(comment, 1), ["", "**Why it failed**", "", "- <code>the route&#39;s copies did not answer</code>"]);
  });

  it("heads with the worst state: any failure, else any service still deploying, else ready", () => {
    const headline = (statuses: RouteServiceRow["status"][], failure?: string) =>
      lines({ services: statuses.map((status, index) => row(`service${index}`, status)), ...(failure === undefined ? {} : { failure }) })[1];
    assert.equal(headline(["running", "deploying", "failed"]), "### ❌ Route `pr-7` failed to deploy");
    assert.equal(headline(["failed", "running"]), "### ❌ Route `pr-7` failed to deploy");
    assert.equal(headline(["deploying", "failed"]), "### ❌ Route `pr-7` failed to deploy");
    assert.equal(headline(["running", "deploying"], "a deploy hook failed"), "### ❌ Route `pr-7` failed to deploy");
    assert.equal(headline(["running", "skipped", "deploying"]), "### ⏳ Route `pr-7` is deploying");
    assert.equal(headline(["deploying", "running"]), "### ⏳ Route `pr-7` is deploying");
    assert.equal(headline(["running", "skipped"]), "### ✅ Route `pr-7` is ready");
    assert.equal(headline([]), "### ✅ Route `pr-7` is ready");
  });

  it("places the pruned copies after the services table, then every copy on the route, then Why it failed, then the cost", () => {
    const cost = {
      figures: { copies: 2, tasks: 2, vcpu: 0.5, memoryGiB: 1, vcpuHoursPerDay: 12, gibHoursPerDay: 24, vcpuHoursSoFar: 3, gibHoursSoFar: 6 },
      prices: {},
    };
    const comment = lines({
      failure: "1 of 1 services failed to deploy",
      services: [row("orders", "failed", "exit code 1")],
      pruned: { removed: ["payments--pr-7", "web--pr-7"], left: [{ service: "api--pr-7", reason: "delete failed: throttled" }], error: "ListServices: access denied" },
      routeCopies: [
        { routeService: "api--pr-7", repository: "octo-org/shop", pullRequest: 7 },
        { routeService: "orders--pr-7", repository: "octo-org/shop", pullRequest: 7 },
      ],
      cost,
    });
    assert.deepEqual(between(comment, 1), [
      "",
      "**Pruned from the route**",
      "",
      "- removed <code>payments--pr-7</code>, <code>web--pr-7</code>: not in this deploy's services (`prune: false` keeps a route's other copies)",
      "- not removed <code>api--pr-7</code>: <code>delete failed&#58; throttled</code>; the next deploy tries again",
      "- could not prune the route's other copies: <code>ListServices&#58; access denied</code>; the next deploy tries again",
      "",
      "**Every copy on route `pr-7` in this cluster**",
      "",
      "| Route service | Repository | Pull request |",
      "|---|---|---|",
      "| <code>api--pr-7</code> | <code>octo-org&#47;shop</code> | <code>&#35;7</code> |",
      "| <code>orders--pr-7</code> | <code>octo-org&#47;shop</code> | <code>&#35;7</code> |",
      "",
      "**Why it failed**",
      "",
      "- <code>1 of 1 services failed to deploy</code>",
      "- <code>orders--pr-7&#58; exit code 1</code>",
      "",
      ...routeCostSection(cost.figures, cost.prices, "**What the route runs**"),
    ]);
  });

  it("says only what the prune did: copies left without any removed, or nothing at all when it touched nothing", () => {
    assert.deepEqual(between(lines({ pruned: { removed: [], left: [{ service: "api--pr-7", reason: "not tagged by this action" }] } }), 1), [
      "",
      "**Pruned from the route**",
      "",
      "- not removed <code>api--pr-7</code>: <code>not tagged by this action</code>; the next deploy tries again",
    ]);
    assert.deepEqual(lines({ pruned: { removed: [], left: [] } }), lines());
  });

  it("says when on-reap failed for the pruned copies, its first line as inert text, after what the prune did", () => {
    const pruned = { removed: ["payments--pr-7"], left: [], pending: { why: "on-reap exited 3: see @octocat's https://evil.example" } };
    assert.deepEqual(between(lines({ pruned }), 1), [
      "",
      "**Pruned from the route**",
      "",
      "- removed <code>payments--pr-7</code>: not in this deploy's services (`prune: false` keeps a route's other copies)",
      "- on-reap failed for the removed copies: <code>on-reap exited 3&#58; see &#64;⁠octocat&#39;s https&#58;&#47;&#47;evil&#46;example</code>",
    ]);
  });

  it("lists several repositories' copies on one route, a copy without a pull request with that cell empty", () => {
    const comment = lines({
      services: [row("orders", "running")],
      routeCopies: [
        { routeService: "orders--pr-7", repository: "octo-org/shop", pullRequest: 7 },
        { routeService: "payments--pr-7", repository: "octo-org/payments", pullRequest: 12 },
        { routeService: "search--pr-7", repository: "octo-org/search", pullRequest: undefined },
      ],
    });
    assert.deepEqual(between(comment, 1), [
      "",
      "**Every copy on route `pr-7` in this cluster**",
      "",
      "| Route service | Repository | Pull request |",
      "|---|---|---|",
      "| <code>orders--pr-7</code> | <code>octo-org&#47;shop</code> | <code>&#35;7</code> |",
      "| <code>payments--pr-7</code> | <code>octo-org&#47;payments</code> | <code>&#35;12</code> |",
      "| <code>search--pr-7</code> | <code>octo-org&#47;search</code> |  |",
    ]);
  });

  it("leaves out the copies table when the services table already is the whole route", () => {
    const routeCopies = [{ routeService: "orders--pr-7", repository: "octo-org/shop", pullRequest: 7 }];
    assert.deepEqual(lines({ routeCopies }), lines());
    assert.deepEqual(lines({ routeCopies: [] }), lines());
  });
});

describe("the facts line", () => {
  it("shows a full SHA, in either case, as its 7-character short form, and anything else whole and inert", () => {
    const facts = (commit: string) => lines({ commit, expiresAt: undefined })[3];
    assert.equal(facts(SHA.toUpperCase()), "Commit 9F86D08 · cluster <code>dev</code> (<code>eu-west-1</code>) · updated 2026-12-02T10:00:00Z");
    assert.equal(facts("main"), "Commit <code>main</code> · cluster <code>dev</code> (<code>eu-west-1</code>) · updated 2026-12-02T10:00:00Z");
    assert.equal(facts(`${SHA}0`), `Commit <code>${SHA}0</code> · cluster <code>dev</code> (<code>eu-west-1</code>) · updated 2026-12-02T10:00:00Z`);
    assert.equal(facts(`v${SHA}`), `Commit <code>v${SHA}</code> · cluster <code>dev</code> (<code>eu-west-1</code>) · updated 2026-12-02T10:00:00Z`);
  });

  it("gives times to the second in UTC", () => {
    const facts = lines({ expiresAt: new Date("2026-12-05T10:00:59.999Z"), updatedAt: new Date("2026-12-02T09:08:07.654Z") })[3];
    assert.equal(facts, "Commit 9f86d08 · cluster <code>dev</code> (<code>eu-west-1</code>) · expires 2026-12-05T10:00:59Z (UTC, extended on every push) · updated 2026-12-02T09:08:07Z");
  });
});

describe("outside text in the comment, line by line", () => {
  it("renders stopped reasons and failures with mentions, links and Markdown as inert code in the row and in Why it failed", () => {
    const reason = "@octocat see [x](https://evil.example) **now**";
    const comment = lines({ failure: "<img src=x> `x` # no", services: [row("orders", "failed", reason)] });
    const inertReason = "&#64;\u2060octocat see &#91;x&#93;&#40;https&#58;&#47;&#47;evil&#46;example&#41; &#42;&#42;now&#42;&#42;";
    assert.equal(comment[9], tableRow("orders", `❌ failed: <code>${inertReason}</code>`));
    assert.deepEqual(between(comment, 1), [
      "",
      "**Why it failed**",
      "",
      "- <code>&#60;img src&#61;x&#62; &#96;x&#96; &#35; no</code>",
      `- <code>orders--pr-7&#58; ${inertReason}</code>`,
    ]);
    const html = renderGfm(comment.join("\n"));
    assert.equal((html.match(/<a /g) ?? []).length, 1, "only the ECS console link");
    assert.doesNotMatch(withoutCode(html), /<img|<strong>now|octocat/);
  });

  it("quotes an environment URL with a quote for the shell and fences it past any backticks it holds", () => {
    const comment = lines({ environmentUrl: "https://shop.dev.example.com/?q=it's```" });
    const curl = comment.findIndex((line) => line.startsWith("curl "));
    assert.deepEqual(comment.slice(curl - 1, curl + 2), ["````sh", "curl -H 'X-Route-Version: pr-7' 'https://shop.dev.example.com/?q=it'\\''s```'", "````"]);
  });

  it("keeps a cookie domain with backticks (from a host name) whole inside its code spans", () => {
    const environmentUrl = "https://app.`www.evil.example`.example.com/";
    const comment = lines({ environmentUrl });
    assert.equal(comment.find((line) => line.startsWith("**Browser**")), "**Browser**: run in the dev tools console on the dev site, then reload (for a day; every host under `` `www.evil.example`.example.com ``)");
    assert.ok(
      comment.find((line) => line.startsWith("Back to the default"))?.startsWith('Back to the default: ``document.cookie = "x-route-version=; domain=`www.evil.example`.example.com; path=/; max-age=0; SameSite=Lax; Secure"``. '),
    );
    const html = renderGfm(comment.join("\n"));
    assert.equal((html.match(/<a /g) ?? []).length, 1, "only the ECS console link");
    assert.ok(codeTexts(html).includes("`www.evil.example`.example.com"));
    assert.ok(codeTexts(html).includes('document.cookie = "x-route-version=; domain=`www.evil.example`.example.com; path=/; max-age=0; SameSite=Lax; Secure"'));
  });

  it("keeps a signal name that ends with a backtick whole inside its code span", () => {
    const comment = lines({ signal: { ...DEFAULT_SIGNAL_NAMES, header: "X-Route`" } });
    assert.equal(comment.at(-4), "**Mobile debug menu**: header `` X-Route` `` with value `pr-7`");
    assert.deepEqual(codeTexts(renderGfm(comment.at(-4) as string)), ["X-Route`", "pr-7"]);
  });
});

describe("an image's tag", () => {
  it("is latest for an image named without a tag or digest", () => {
    assert.equal(imageTag("nginx"), "latest");
    assert.equal(imageTag("ghcr.io/octo-org/shop"), "latest");
  });
});

describe("the torn-down note", () => {
  const note = renderTornDownComment({
    route: "pr-123",
    removed: ["orders--pr-123", "payments--pr-123"],
    tornDownAt: new Date("2026-11-26T09:30:00.250Z"),
    reason: "pull request #123 closed",
  });

  it("reads: marker, heading, why and what was removed, when", () => {
    assert.equal(
      note,
      [
        "<!-- ecs-dynamic-routing route=pr-123 -->",
        "### 🧹 Route `pr-123` was torn down",
        "",
        "pull request #123 closed: removed <code>orders--pr-123</code>, <code>payments--pr-123</code> · 2026-11-26T09:30:00Z (UTC)",
        "",
      ].join("\n"),
    );
  });

  it("says when no route services were left, and gives no reason it was not told", () => {
    const bare = renderTornDownComment({ route: "pr-123", removed: [], tornDownAt: new Date("2026-11-26T09:30:00.000Z") });
    assert.equal(bare.split("\n")[3], "no route services were left · 2026-11-26T09:30:00Z (UTC)");
  });

  it("is recognised by its heading line alone, not by a route comment or a heading quoted or extended", () => {
    assert.equal(isTornDownComment(note), true);
    assert.equal(isTornDownComment(renderRouteComment(model())), false);
    assert.equal(isTornDownComment("> ### 🧹 Route `pr-123` was torn down"), false);
    assert.equal(isTornDownComment("### 🧹 Route `pr-123` was torn down, then deployed again"), false);
    assert.equal(isTornDownComment("### 🧹 Route `` was torn down"), true);
  });
});
