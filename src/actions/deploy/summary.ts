import type { DeployRouteResult } from "../../ecs/deploy.js";
import { escapeTableCell, imageTag } from "../../github/comment-body.js";
import { cookiePair, headerLine, mergeBaggage, type SignalNames } from "../../routing/signal.js";

function seconds(ms: number | undefined): string {
  return ms === undefined ? "–" : `${(ms / 1000).toFixed(1)} s`;
}

/** Pure: the job summary of one deploy, in GitHub-flavoured Markdown. */
export function deploySummary(result: DeployRouteResult, signal: SignalNames): string {
  const lines = [
    `## Route \`${result.route}\` ${result.failed ? "failed" : "deployed"}`,
    "",
    `Cluster \`${result.cluster}\` in ${result.region}.`,
    "",
    "| route service | image tag | status | time to stable |",
    "|---|---|---|---|",
    ...result.services.map(
      (service) =>
        `| \`${service.routeService}\` | \`${escapeTableCell(imageTag(service.image))}\` | ${service.status}${service.change !== undefined ? ` (${service.change})` : ""} | ${seconds(service.timeToStableMs)} |`,
    ),
    "",
  ];
  const failures = result.services.filter((service) => service.reason !== undefined);
  if (failures.length > 0) {
    lines.push("### Why", "", ...failures.map((service) => `- \`${service.routeService}\`: ${escapeTableCell(service.reason as string)}`), "");
  }
  lines.push(
    "### Reach the route",
    "",
    `- header: \`${headerLine(result.route, signal)}\` (curl: \`curl -H '${headerLine(result.route, signal)}' …\`)`,
    `- cookie: \`${cookiePair(result.route, signal)}\` (browser console: \`document.cookie = "${cookiePair(result.route, signal)}; path=/"\`)`,
    `- baggage: \`baggage: ${mergeBaggage(result.route, signal)}\` (OpenTelemetry propagates it downstream)`,
    "",
  );
  return lines.join("\n");
}
