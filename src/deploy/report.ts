// What a deploy reports, rendered from its result: the step's outputs, its failure line and the
// job summary. Pure.
import { formatDuration } from "../common/duration.js";
import { OUTPUT } from "../config/action-io.js";
import { inertText } from "../common/inert-text.js";
import { routeCostSection } from "../cost/render.js";
import { usageOf, type Prices, type UsageFigures } from "../cost/usage.js";
import { imageTag, inlineCode, prunedLines, type PrunedCopies } from "../github/comment-body.js";
import { setCookieCommand } from "../routing/cookie.js";
import { cookiePair, headerLine, mergeBaggage, routingHeaders, type SignalNames } from "../routing/signal.js";
import type { DeployRouteResult } from "./apply.js";

/** What the summary says besides the result: the route's signal names, prices and dev site. */
export interface SummarySettings {
  signal: SignalNames;
  prices: Prices;
  environmentUrl: string | undefined;
}

/** What the copies a deploy created or updated run, and have used by `now`. */
export function routeUsage(result: DeployRouteResult, prices: Prices, now: Date): UsageFigures {
  return usageOf(result.services.flatMap((service) => service.usage ?? []), now, prices);
}

/** The outputs of both deploy actions (their action.yml documents them). */
export function deployOutputs(result: DeployRouteResult, signal: SignalNames): Record<string, string> {
  return {
    [OUTPUT.route]: result.route,
    [OUTPUT.headers]: JSON.stringify(routingHeaders(result.route, signal)),
    [OUTPUT.baggage]: mergeBaggage(result.route, signal),
    [OUTPUT.services]: JSON.stringify(
      result.services.map((service) => ({
        baseService: service.baseService,
        routeService: service.routeService,
        serviceArn: service.serviceArn ?? null,
        taskDefinitionArn: service.taskDefinitionArn ?? null,
        status: service.status,
      })),
    ),
    [OUTPUT.taskDefinitionArns]: JSON.stringify(result.services.flatMap((service) => service.taskDefinitionArn ?? [])),
  };
}

/** One line naming every failed copy and why, for the step's error. */
export function failureLine(result: DeployRouteResult): string {
  const failed = result.services.filter((service) => service.status === "failed");
  return `route ${result.route}: ${failed.map((service) => `${service.routeService} failed: ${service.reason ?? "unknown reason"}`).join(" | ")}`;
}

/** The job summary of one deploy, in GitHub-flavoured Markdown. */
export function deploySummary(result: DeployRouteResult, settings: SummarySettings, now: Date, pruned?: PrunedCopies): string {
  const { signal } = settings;
  const lines = [
    `## Route \`${result.route}\` ${result.failed ? "failed" : "deployed"}`,
    "",
    `Cluster ${inertText(result.cluster)} in ${inertText(result.region)}.`,
    "",
    "| route service | image tag | status | time to stable |",
    "|---|---|---|---|",
    ...result.services.map(
      (service) =>
        `| ${inertText(service.routeService)} | ${inertText(imageTag(service.image))} | ${service.status}${service.change !== undefined ? ` (${service.change})` : ""} | ${service.timeToStableMs === undefined ? "–" : formatDuration(service.timeToStableMs, "seconds-column")} |`,
    ),
    "",
  ];
  const failures = result.services.filter((service) => service.reason !== undefined);
  if (failures.length > 0) {
    lines.push("### Why", "", ...failures.map((service) => `- ${inertText(service.routeService)}: ${inertText(service.reason as string)}`), "");
  }
  const prunedList = prunedLines(pruned);
  if (prunedList.length > 0) lines.push("### Pruned", "", ...prunedList, "");
  lines.push(...routeCostSection(routeUsage(result, settings.prices, now), settings.prices, "### What the route runs"));
  lines.push(
    "### Reach the route",
    "",
    `- header: ${inlineCode(headerLine(result.route, signal))} (curl: ${inlineCode(`curl -H '${headerLine(result.route, signal)}' …`)})`,
    `- cookie: ${inlineCode(cookiePair(result.route, signal))} (browser console: ${inlineCode(setCookieCommand(result.route, signal, settings.environmentUrl))})`,
    `- baggage: ${inlineCode(`baggage: ${mergeBaggage(result.route, signal)}`)} (OpenTelemetry propagates it downstream)`,
    "",
  );
  return lines.join("\n");
}
