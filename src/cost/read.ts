// Reads what the cost figures of a cluster's copies need: the size of their tasks. One
// DescribeTaskDefinition per base service, not per copy: a copy keeps its base's cpu and memory, and
// a sweep of thousands of copies must not spend thousands of calls on a summary.
import { DescribeTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import pLimit from "p-limit";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { TAG } from "../ecs/tags.js";
import { isValidRoute } from "../routing/route.js";
import { taskSize, type CopyUsage } from "./usage.js";

/** A copy as discovered in the cluster (the reaper's ClusterService). */
export interface DiscoveredCopy {
  serviceName: string;
  taskDefinition: string | undefined;
  tags: Readonly<Record<string, string>>;
  desiredCount?: number | undefined;
  createdAt?: Date | undefined;
}

/** When the copy's route first made it (its created-at tag, kept across replacements), else when ECS created the service. */
function createdAt(copy: DiscoveredCopy, now: Date): Date {
  const tagged = Date.parse(copy.tags[TAG.createdAt] ?? "");
  return Number.isNaN(tagged) ? (copy.createdAt ?? now) : new Date(tagged);
}

/** What each copy runs, sized from one task definition of its base service; copies without a valid route tag are left out. */
export async function readCopiesUsage(
  ecs: ECSClient,
  copies: readonly DiscoveredCopy[],
  options: { concurrency: number; now: Date; logger: Logger },
): Promise<CopyUsage[]> {
  const byBase = new Map<string, DiscoveredCopy[]>();
  for (const copy of copies) {
    const route = copy.tags[TAG.route];
    if (route === undefined || !isValidRoute(route) || copy.taskDefinition === undefined) continue;
    const base = copy.tags[TAG.baseService] ?? copy.serviceName;
    byBase.set(base, [...(byBase.get(base) ?? []), copy]);
  }
  const limit = pLimit(options.concurrency);
  const perBase = await Promise.all(
    [...byBase].map(([base, baseCopies]) =>
      limit(async (): Promise<CopyUsage[]> => {
        const sample = baseCopies[0] as DiscoveredCopy;
        try {
          const answer = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: sample.taskDefinition }));
          const size = taskSize(answer.taskDefinition ?? {});
          return baseCopies.map((copy) => ({
            route: copy.tags[TAG.route] as string,
            service: copy.serviceName,
            tasks: copy.desiredCount ?? 0,
            ...size,
            createdAt: createdAt(copy, options.now),
          }));
        } catch (error) {
          options.logger.warning(`cost figures leave out ${baseCopies.length} copies of ${base}: ${errorMessage(error).split("\n")[0] ?? "task definition unreadable"}`);
          return [];
        }
      }),
    ),
  );
  return perBase.flat();
}
