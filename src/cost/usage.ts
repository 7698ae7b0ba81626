// What copies cost: tasks, vCPU and GiB, and vCPU-hours and GiB-hours per day and so far, from their
// task definitions and ages; with prices, amounts too. Pure: the callers read ECS, this only counts.
import type { Route } from "../routing/route.js";

/** The task-definition fields that size a task (as DescribeTaskDefinition returns them). */
export interface TaskDefinitionSize {
  cpu?: string | undefined;
  memory?: string | undefined;
  containerDefinitions?: { cpu?: number | undefined; memory?: number | undefined; memoryReservation?: number | undefined }[] | undefined;
}

/** One copy as it runs now. */
export interface CopyUsage {
  /** A validated route name. */
  route: Route;
  service: string;
  /** Tasks the copy runs (its desired count). */
  tasks: number;
  /** Per task. */
  vcpu: number;
  /** Per task. */
  memoryGiB: number;
  /** When the copy was created: "so far" counts from here. */
  createdAt: Date;
}

/** Prices per vCPU-hour and per GiB-hour (e.g. Fargate's), in any one currency. */
export interface Prices {
  vcpuHour?: number | undefined;
  gibHour?: number | undefined;
}

export interface UsageFigures {
  copies: number;
  tasks: number;
  vcpu: number;
  memoryGiB: number;
  vcpuHoursPerDay: number;
  gibHoursPerDay: number;
  vcpuHoursSoFar: number;
  gibHoursSoFar: number;
  /** Only with at least one price. */
  amountPerDay?: number;
  amountSoFar?: number;
  /** The earliest createdAt of the copies counted. */
  since?: Date;
}

export interface RouteUsage {
  route: Route;
  figures: UsageFigures;
}

const HOUR_MS = 3_600_000;
const CPU_UNITS_PER_VCPU = 1024;
const MIB_PER_GIB = 1024;

/** `"256"` (CPU units), `"0.25 vCPU"` or `"1 vcpu"` → vCPU. */
function parseVcpu(cpu: string): number | undefined {
  const vcpu = /^\s*(\d+(?:\.\d+)?)\s*vcpu\s*$/i.exec(cpu);
  if (vcpu !== null) return Number(vcpu[1]);
  return /^\s*\d+\s*$/.test(cpu) ? Number(cpu) / CPU_UNITS_PER_VCPU : undefined;
}

/** `"512"` (MiB) or `"2 GB"` / `"2 GiB"` → GiB. */
function parseGiB(memory: string): number | undefined {
  const gb = /^\s*(\d+(?:\.\d+)?)\s*gi?b\s*$/i.exec(memory);
  if (gb !== null) return Number(gb[1]);
  return /^\s*\d+\s*$/.test(memory) ? Number(memory) / MIB_PER_GIB : undefined;
}

/**
 * vCPU and GiB of one task: the task-level `cpu` and `memory` (required on Fargate), else the sum of
 * the containers' (`memory`, or `memoryReservation` where no hard limit is set), as ECS reserves them.
 */
export function taskSize(taskDefinition: TaskDefinitionSize): { vcpu: number; memoryGiB: number } {
  const containers = taskDefinition.containerDefinitions ?? [];
  const vcpu =
    (taskDefinition.cpu === undefined ? undefined : parseVcpu(taskDefinition.cpu)) ??
    containers.reduce((sum, container) => sum + (container.cpu ?? 0), 0) / CPU_UNITS_PER_VCPU;
  const memoryGiB =
    (taskDefinition.memory === undefined ? undefined : parseGiB(taskDefinition.memory)) ??
    containers.reduce((sum, container) => sum + (container.memory ?? container.memoryReservation ?? 0), 0) / MIB_PER_GIB;
  return { vcpu, memoryGiB };
}

function hasPrice(prices: Prices | undefined): prices is Prices {
  return prices !== undefined && (prices.vcpuHour !== undefined || prices.gibHour !== undefined);
}

function amount(vcpuHours: number, gibHours: number, prices: Prices): number {
  return vcpuHours * (prices.vcpuHour ?? 0) + gibHours * (prices.gibHour ?? 0);
}

/** The figures of some copies at `now`: as if each ran its tasks since it was created. */
export function usageOf(copies: readonly CopyUsage[], now: Date, prices?: Prices): UsageFigures {
  const figures: UsageFigures = {
    copies: copies.length,
    tasks: 0,
    vcpu: 0,
    memoryGiB: 0,
    vcpuHoursPerDay: 0,
    gibHoursPerDay: 0,
    vcpuHoursSoFar: 0,
    gibHoursSoFar: 0,
  };
  for (const copy of copies) {
    const hours = Math.max(0, now.getTime() - copy.createdAt.getTime()) / HOUR_MS;
    const vcpu = copy.tasks * copy.vcpu;
    const memoryGiB = copy.tasks * copy.memoryGiB;
    figures.tasks += copy.tasks;
    figures.vcpu += vcpu;
    figures.memoryGiB += memoryGiB;
    figures.vcpuHoursPerDay += vcpu * 24;
    figures.gibHoursPerDay += memoryGiB * 24;
    figures.vcpuHoursSoFar += vcpu * hours;
    figures.gibHoursSoFar += memoryGiB * hours;
    if (figures.since === undefined || copy.createdAt < figures.since) figures.since = copy.createdAt;
  }
  if (hasPrice(prices)) {
    figures.amountPerDay = amount(figures.vcpuHoursPerDay, figures.gibHoursPerDay, prices);
    figures.amountSoFar = amount(figures.vcpuHoursSoFar, figures.gibHoursSoFar, prices);
  }
  return figures;
}

/**
 * The figures per route, the most expensive first: by amount per day with prices, else by vCPU-hours
 * per day, then GiB-hours per day; ties by route name.
 */
export function usageByRoute(copies: readonly CopyUsage[], now: Date, prices?: Prices): RouteUsage[] {
  const byRoute = new Map<string, CopyUsage[]>();
  for (const copy of copies) byRoute.set(copy.route, [...(byRoute.get(copy.route) ?? []), copy]);
  return [...byRoute]
    .map(([route, routeCopies]) => ({ route, figures: usageOf(routeCopies, now, prices) }))
    .sort(
      (a, b) =>
        (b.figures.amountPerDay ?? 0) - (a.figures.amountPerDay ?? 0) ||
        b.figures.vcpuHoursPerDay - a.figures.vcpuHoursPerDay ||
        b.figures.gibHoursPerDay - a.figures.gibHoursPerDay ||
        a.route.localeCompare(b.route),
    );
}

/** The route whose oldest copy is the oldest. */
export function oldestRoute(routes: readonly RouteUsage[]): RouteUsage | undefined {
  return routes.reduce<RouteUsage | undefined>(
    (oldest, candidate) =>
      candidate.figures.since !== undefined && (oldest?.figures.since === undefined || candidate.figures.since < oldest.figures.since) ? candidate : oldest,
    undefined,
  );
}
