// The sticky pull-request comment (docs/design.md §6), rendered from a model: pure, no I/O.
import { inertText } from "../common/inert-text.js";
import { routeCostSection } from "../cost/render.js";
import type { Prices, UsageFigures } from "../cost/usage.js";
import type { Route } from "../routing/route.js";
import { clearCookieCommand, cookieDomain, setCookieCommand } from "../routing/cookie.js";
import { headerLine, mergeBaggage, type SignalNames } from "../routing/signal.js";

export interface RouteServiceRow {
  baseService: string;
  routeService: string;
  image: string;
  status: "running" | "failed" | "deploying" | "skipped";
  consoleUrl: string;
  reason?: string;
}

/** A live copy on the route, whichever repository and pull request deployed it. */
export interface RouteCopyRow {
  routeService: string;
  /** `owner/repo`, from the copy's tags. */
  repository: string;
  pullRequest: number | undefined;
}

export interface RouteCommentModel {
  route: Route;
  /** `owner/repo` */
  repository: string;
  commit: string;
  cluster: string;
  region: string;
  services: RouteServiceRow[];
  signal: SignalNames;
  expiresAt?: Date;
  environmentUrl?: string;
  /** Why the deploy failed, when it did (each service's reasons go in its row). */
  failure?: string;
  /** What the route's copies run and have used, and the prices the amounts are at. */
  cost?: { figures: UsageFigures; prices: Prices };
  /** The route's other copies this deploy pruned, and those it could not. */
  pruned?: PrunedCopies;
  /** Every copy on the route in the cluster, this deploy's included. */
  routeCopies?: RouteCopyRow[];
  updatedAt: Date;
}

/** A deploy's prune as the comment and the summary show it. */
export interface PrunedCopies {
  removed: readonly string[];
  left: readonly { service: string; reason: string }[];
  /** Why the prune could not run at all. */
  error?: string;
  /** Why the removed copies' on-reap failed (its first line): the next deploy runs it again. */
  pending?: { why: string };
}

/** Pure: the lines that say what a deploy's prune removed and left; none when it touched nothing. */
export function prunedLines(pruned: PrunedCopies | undefined): string[] {
  if (pruned === undefined) return [];
  return [
    ...(pruned.removed.length === 0
      ? []
      : [`- removed ${pruned.removed.map(inertText).join(", ")}: not in this deploy's services (\`prune: false\` keeps a route's other copies)`]),
    ...pruned.left.map((left) => `- not removed ${inertText(left.service)}: ${inertText(left.reason)}; the next deploy tries again`),
    ...(pruned.error === undefined ? [] : [`- could not prune the route's other copies: ${inertText(pruned.error)}; the next deploy tries again`]),
    ...(pruned.pending === undefined ? [] : [`- on-reap failed for the removed copies: ${inertText(pruned.pending.why)}`]),
  ];
}

export interface TornDownCommentModel {
  route: Route;
  /** The route services that were deleted. */
  removed: string[];
  tornDownAt: Date;
  /** Why, e.g. "pull request closed". */
  reason?: string;
}

const MARKER_PREFIX = "<!-- ecs-dynamic-routing route=";

/** The hidden line that identifies the comment of one route. */
export function routeMarker(route: Route): string {
  return `${MARKER_PREFIX}${route} -->`;
}

/**
 * `text` percent-encoded as one URL component, `(`, `)`, `!`, `'` and `*` included: encodeURIComponent
 * leaves those, and a `)` would end the Markdown link it is written in.
 */
function urlComponent(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The ECS console page of a service (its health tab). */
export function ecsConsoleUrl(region: string, cluster: string, service: string): string {
  const r = urlComponent(region);
  return `https://${r}.console.aws.amazon.com/ecs/v2/clusters/${urlComponent(cluster)}/services/${urlComponent(service)}/health?region=${r}`;
}

/** The tag of an image reference: what follows the last `@` (a digest) or the last `:` after the last `/`. */
export function imageTag(image: string): string {
  const at = image.lastIndexOf("@");
  if (at >= 0) {
    return image.slice(at + 1);
  }
  const colon = image.lastIndexOf(":");
  return colon > image.lastIndexOf("/") ? image.slice(colon + 1) : "latest";
}

/** The length of the longest run of backticks in `text` (0 without any). */
function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

/**
 * An inline code span that no content can end early: a cookie domain comes from the environment URL,
 * whose host may hold backticks (a branch name in it), and a signal name may too (an RFC 7230 token).
 * Delimited by one backtick more than the longest run inside, and padded with a space where the text
 * starts or ends with a backtick (Markdown strips that one space again).
 */
export function inlineCode(text: string): string {
  const delimiter = "`".repeat(longestBacktickRun(text) + 1);
  const padding = /^`|`$/.test(text) ? " " : "";
  return `${delimiter}${padding}${text}${padding}${delimiter}`;
}

/** A fenced block that no content can close early. */
function codeBlock(language: string, text: string): string {
  const fence = "`".repeat(Math.max(3, longestBacktickRun(text) + 1));
  return `${fence}${language}\n${text}\n${fence}`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function utc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A full SHA as its bare short form, which GitHub links to the commit itself; anything else inert. */
function shortSha(commit: string): string {
  return /^[0-9a-f]{40}$/i.test(commit) ? commit.slice(0, 7) : inertText(commit);
}

const STATUS_LABEL: Record<RouteServiceRow["status"], string> = {
  running: "✅ running",
  failed: "❌ failed",
  deploying: "⏳ deploying",
  skipped: "⏭️ skipped",
};

function headline(model: RouteCommentModel): string {
  const route = inlineCode(model.route);
  if (model.failure !== undefined || model.services.some((row) => row.status === "failed")) {
    return `### ❌ Route ${route} failed to deploy`;
  }
  if (model.services.some((row) => row.status === "deploying")) {
    return `### ⏳ Route ${route} is deploying`;
  }
  return `### ✅ Route ${route} is ready`;
}

function serviceTable(model: RouteCommentModel): string[] {
  const rows = model.services.map((row) => {
    const status = row.reason === undefined ? STATUS_LABEL[row.status] : `${STATUS_LABEL[row.status]}: ${inertText(row.reason)}`;
    return [
      inertText(row.baseService),
      inertText(row.routeService),
      inertText(imageTag(row.image)),
      status,
      `[console](${row.consoleUrl.replace(/[()\s|]/g, urlComponent)})`,
    ];
  });
  return [
    "| Service | Route service | Image tag | Status | ECS |",
    "|---|---|---|---|---|",
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
  ];
}

function prunedSection(model: RouteCommentModel): string[] {
  const lines = prunedLines(model.pruned);
  return lines.length === 0 ? [] : ["", "**Pruned from the route**", "", ...lines];
}

/**
 * Every copy on the route in the cluster, with its repository, when some are not in the services
 * table (another repository's on a shared route, or this repository's from an earlier deploy).
 * Repository names and numbers are inert: `owner/repo#5` would otherwise link, and notify, another repository.
 */
function routeCopiesSection(model: RouteCommentModel): string[] {
  const copies = model.routeCopies ?? [];
  const listed = new Set(model.services.map((row) => row.routeService));
  if (copies.every((copy) => listed.has(copy.routeService))) return [];
  return [
    "",
    `**Every copy on route ${inlineCode(model.route)} in this cluster**`,
    "",
    "| Route service | Repository | Pull request |",
    "|---|---|---|",
    ...copies.map((copy) =>
      `| ${[inertText(copy.routeService), inertText(copy.repository), copy.pullRequest === undefined ? "" : inertText(`#${copy.pullRequest}`)].join(" | ")} |`,
    ),
  ];
}

function failureSection(model: RouteCommentModel): string[] {
  const reasons = model.services
    .filter((row) => row.status === "failed" && row.reason !== undefined)
    .map((row) => `${row.routeService}: ${row.reason}`);
  if (model.failure === undefined && reasons.length === 0) {
    return [];
  }
  const lines = [model.failure, ...reasons].filter((line) => line !== undefined);
  return ["", "**Why it failed**", "", ...lines.map((line) => `- ${inertText(line)}`)];
}

function browserReach(environmentUrl: string | undefined): string {
  const domain = cookieDomain(environmentUrl);
  return domain === undefined ? "this host only" : `every host under ${inlineCode(domain)}`;
}

function reachSection(model: RouteCommentModel): string[] {
  const { route, signal } = model;
  const known = model.environmentUrl !== undefined && model.environmentUrl !== "";
  const target = known ? shellQuote(model.environmentUrl as string) : "https://<dev-host>/";
  return [
    "",
    "<details open><summary>How to reach this route</summary>",
    "",
    `**curl** or any HTTP client: send the header${known ? "" : " (replace `<dev-host>` with your dev host)"}`,
    "",
    codeBlock("sh", `curl -H ${shellQuote(headerLine(route, signal))} ${target}`),
    "",
    `**Browser**: run in the dev tools console on the dev site, then reload (for a day; ${browserReach(model.environmentUrl)})`,
    "",
    codeBlock("js", setCookieCommand(route, signal, model.environmentUrl)),
    "",
    `Back to the default: ${inlineCode(clearCookieCommand(signal, model.environmentUrl))}. A page that calls another subdomain sends the cookie with \`fetch(url, { credentials: "include" })\` when that service answers CORS with credentials allowed.`,
    "",
    "**OpenTelemetry clients**: add the baggage entry; services propagate it downstream",
    "",
    codeBlock("http", `baggage: ${mergeBaggage(route, signal)}`),
    "",
    `**Mobile debug menu**: header ${inlineCode(signal.header)} with value ${inlineCode(route)}`,
    "",
    "</details>",
  ];
}

/** The comment while the route exists: what runs, how to reach it, until when, at which commit. */
export function renderRouteComment(model: RouteCommentModel): string {
  const facts = [
    // A bare short SHA is linked to the commit by GitHub itself (also on GitHub Enterprise Server).
    `Commit ${shortSha(model.commit)}`,
    `cluster ${inertText(model.cluster)} (${inertText(model.region)})`,
    model.expiresAt === undefined ? undefined : `expires ${utc(model.expiresAt)} (UTC, extended on every push)`,
    `updated ${utc(model.updatedAt)}`,
  ].filter((fact) => fact !== undefined);
  return [
    routeMarker(model.route),
    headline(model),
    "",
    facts.join(" · "),
    ...(model.environmentUrl === undefined || model.environmentUrl === "" ? [] : ["", `Environment: ${inertText(model.environmentUrl)}`]),
    "",
    ...serviceTable(model),
    ...prunedSection(model),
    ...routeCopiesSection(model),
    ...failureSection(model),
    ...(model.cost === undefined ? [] : ["", ...routeCostSection(model.cost.figures, model.cost.prices, "**What the route runs**")]),
    ...reachSection(model),
    "",
  ].join("\n");
}

/** What the comment becomes when the route is deleted. */
const TORN_DOWN_HEADING = /^### 🧹 Route `[^`]*` was torn down$/m;

/** Whether a route comment already is the torn-down note. */
export function isTornDownComment(body: string): boolean {
  return TORN_DOWN_HEADING.test(body);
}

export function renderTornDownComment(model: TornDownCommentModel): string {
  const removed = model.removed.length === 0 ? "no route services were left" : `removed ${model.removed.map((name) => inertText(name)).join(", ")}`;
  return [
    routeMarker(model.route),
    `### 🧹 Route ${inlineCode(model.route)} was torn down`,
    "",
    `${model.reason === undefined ? "" : `${model.reason}: `}${removed} · ${utc(model.tornDownAt)} (UTC)`,
    "",
  ].join("\n");
}
