// Markdown for what copies cost: a route's section (pull-request comment, deploy job summary) and the
// cluster's table by route (sweep job summary). Pure.
import { oldestRoute, type Prices, type RouteUsage, type UsageFigures } from "./usage.js";

/** Up to two decimals, fewer for large numbers, no trailing zeros: 0.25, 1.5, 12, 1234. */
export function formatQuantity(value: number): string {
  const decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return String(Number(value.toFixed(decimals)));
}

export function formatAmount(value: number): string {
  return value.toFixed(2);
}

/** `5 h` under two days, else `3.2 days`. */
export function formatAge(ms: number): string {
  const hours = Math.max(0, ms) / 3_600_000;
  return hours < 48 ? `${formatQuantity(hours)} h` : `${formatQuantity(hours / 24)} days`;
}

function pricesNote(prices: Prices | undefined): string | undefined {
  if (prices === undefined || (prices.vcpuHour === undefined && prices.gibHour === undefined)) return undefined;
  const parts = [
    prices.vcpuHour === undefined ? undefined : `${prices.vcpuHour} per vCPU-hour`,
    prices.gibHour === undefined ? undefined : `${prices.gibHour} per GiB-hour`,
  ].filter((part) => part !== undefined);
  return `Amounts at ${parts.join(" and ")} (the price-vcpu-hour and price-gib-hour inputs).`;
}

function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** What one route runs and has used: a sentence and a two-row table (per day, so far). */
export function routeCostSection(figures: UsageFigures, prices: Prices | undefined, heading: string): string[] {
  if (figures.copies === 0) return [];
  const withAmount = figures.amountPerDay !== undefined;
  const since = figures.since === undefined ? "" : ` (since ${utcMinute(figures.since)})`;
  const row = (label: string, vcpuHours: number, gibHours: number, money: number | undefined): string =>
    `| ${label} | ${formatQuantity(vcpuHours)} | ${formatQuantity(gibHours)} |${withAmount ? ` ${formatAmount(money ?? 0)} |` : ""}`;
  const note = pricesNote(prices);
  return [
    heading,
    "",
    `${figures.tasks} ${figures.tasks === 1 ? "task" : "tasks"} in ${figures.copies} ${figures.copies === 1 ? "copy" : "copies"}: ` +
      `${formatQuantity(figures.vcpu)} vCPU and ${formatQuantity(figures.memoryGiB)} GiB in all.`,
    "",
    `| | vCPU-hours | GiB-hours |${withAmount ? " amount |" : ""}`,
    `|---|---|---|${withAmount ? "---|" : ""}`,
    row("per day", figures.vcpuHoursPerDay, figures.gibHoursPerDay, figures.amountPerDay),
    row(`so far${since}`, figures.vcpuHoursSoFar, figures.gibHoursSoFar, figures.amountSoFar),
    ...(note === undefined ? [] : ["", note]),
    "",
  ];
}

/**
 * The cluster's copies by route, the most expensive first, with a total, and the oldest and most
 * expensive route named. Route names are validated routes (`[a-z0-9-]`), safe in Markdown as they are.
 */
export function clusterCostSection(routes: readonly RouteUsage[], total: UsageFigures, prices: Prices | undefined, now: Date): string[] {
  const heading = "### What the copies cost";
  if (routes.length === 0) return [heading, "", "No copies of this repository run in the cluster.", ""];
  const withAmount = total.amountPerDay !== undefined;
  const cells = (figures: UsageFigures): string[] => [
    String(figures.copies),
    String(figures.tasks),
    formatQuantity(figures.vcpu),
    formatQuantity(figures.memoryGiB),
    formatQuantity(figures.vcpuHoursPerDay),
    formatQuantity(figures.gibHoursPerDay),
    formatQuantity(figures.vcpuHoursSoFar),
    formatQuantity(figures.gibHoursSoFar),
    ...(withAmount ? [formatAmount(figures.amountPerDay ?? 0), formatAmount(figures.amountSoFar ?? 0)] : []),
    figures.since === undefined ? "–" : formatAge(now.getTime() - figures.since.getTime()),
  ];
  const header = [
    "route",
    "copies",
    "tasks",
    "vCPU",
    "GiB",
    "vCPU-h per day",
    "GiB-h per day",
    "vCPU-h so far",
    "GiB-h so far",
    ...(withAmount ? ["amount per day", "amount so far"] : []),
    "age",
  ];
  const oldest = oldestRoute(routes);
  const costliest = routes[0] as RouteUsage;
  const costliestBy =
    costliest.figures.amountPerDay !== undefined
      ? `${formatAmount(costliest.figures.amountPerDay)} per day`
      : `${formatQuantity(costliest.figures.vcpuHoursPerDay)} vCPU-hours and ${formatQuantity(costliest.figures.gibHoursPerDay)} GiB-hours per day`;
  const note = pricesNote(prices);
  return [
    heading,
    "",
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...routes.map((route) => `| ${route.route} | ${cells(route.figures).join(" | ")} |`),
    `| **all** | ${cells(total).join(" | ")} |`,
    "",
    `Most expensive route: ${costliest.route} (${costliestBy}).` +
      (oldest?.figures.since === undefined
        ? ""
        : ` Oldest route: ${oldest.route} (${formatAge(now.getTime() - oldest.figures.since.getTime())}, since ${utcMinute(oldest.figures.since)}).`),
    ...(note === undefined ? [] : ["", note]),
    "",
  ];
}
