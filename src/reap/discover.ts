// Reads what the reaper decides on: every service in the cluster with its tags, and the state of
// each pull request those tags name. Read-only; throttling is left to the SDK's adaptive retry.
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  paginateListServices,
  paginateListTasks,
  type ECSClient,
  type Service,
} from "@aws-sdk/client-ecs";
import pLimit from "p-limit";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { chunk, DESCRIBE_SERVICES_BATCH } from "../ecs/batch.js";
import { badCredentials, isBadCredentials, isPermissionDenied } from "../github/permission.js";
import { asClusterInputError } from "../ecs/client.js";
import { fromEcsTags } from "../ecs/route-tags.js";
import { TEST_TASK_STARTED_BY } from "../ecs/tags.js";
import type { ClusterService, PullRequestState } from "./select.js";
import type { ClusterTask } from "./test-tasks.js";

/** DescribeTasks takes at most 100 tasks a call. */
const DESCRIBE_TASKS_BATCH = 100;

/**
 * Every service of `cluster` with its tags: ListServices pages (100 each) feed DescribeServices
 * batches as they arrive, so describing overlaps with listing; at most `concurrency` calls at once.
 */
export async function discoverServices(
  ecs: ECSClient,
  cluster: string,
  concurrency: number,
  logger: Logger,
): Promise<ClusterService[]> {
  const limit = pLimit(concurrency);
  const batches: Promise<Service[]>[] = [];
  let batchFailed = false;
  try {
    for await (const page of paginateListServices({ client: ecs, pageSize: 100 }, { cluster, maxResults: 100 })) {
      for (const services of chunk(page.serviceArns ?? [], DESCRIBE_SERVICES_BATCH)) {
        const batch = limit(async () => {
          const described = await ecs.send(new DescribeServicesCommand({ cluster, services, include: ["TAGS"] }));
          for (const failure of described.failures ?? []) {
            // A service deleted between listing and describing is simply gone.
            logger.debug(`DescribeServices: ${failure.arn ?? "?"}: ${failure.reason ?? "failed"}`);
          }
          return described.services ?? [];
        });
        // A batch may fail while later pages are still being listed: handled here (an unhandled
        // rejection would end the process), reported by Promise.all below, and listing stops.
        batch.catch(() => {
          batchFailed = true;
        });
        batches.push(batch);
      }
      if (batchFailed) break;
    }
    const described = (await Promise.all(batches)).flat();
    return described.map(toClusterService);
  } catch (error) {
    // Let the batches already started settle before the error ends the step.
    await Promise.allSettled(batches);
    throw asClusterInputError(error, cluster);
  }
}

function toClusterService(service: Service): ClusterService {
  return {
    serviceName: service.serviceName ?? "",
    serviceArn: service.serviceArn ?? "",
    status: service.status ?? "UNKNOWN",
    taskDefinition: service.taskDefinition,
    taskDefinitions: [
      ...new Set([service.taskDefinition, ...(service.deployments ?? []).map((deployment) => deployment.taskDefinition)].filter((arn): arn is string => arn !== undefined)),
    ],
    tags: fromEcsTags(service.tags),
    desiredCount: service.desiredCount,
    createdAt: service.createdAt,
  };
}

/**
 * The tasks integration-test started in `cluster` that are not stopping (ListTasks' default desired
 * status RUNNING, which includes PENDING ones), with their tags. startedBy must be ListTasks' only filter.
 */
export async function discoverTestTasks(ecs: ECSClient, cluster: string, concurrency: number): Promise<ClusterTask[]> {
  const limit = pLimit(concurrency);
  const batches: Promise<ClusterTask[]>[] = [];
  try {
    for await (const page of paginateListTasks({ client: ecs, pageSize: 100 }, { cluster, startedBy: TEST_TASK_STARTED_BY })) {
      for (const tasks of chunk(page.taskArns ?? [], DESCRIBE_TASKS_BATCH)) {
        const batch = limit(async () => {
          const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks, include: ["TAGS"] }));
          return (described.tasks ?? []).map(
            (task): ClusterTask => ({
              taskArn: task.taskArn ?? "",
              desiredStatus: task.desiredStatus ?? "UNKNOWN",
              lastStatus: task.lastStatus ?? "UNKNOWN",
              createdAt: task.createdAt,
              tags: fromEcsTags(task.tags),
            }),
          );
        });
        batch.catch(() => undefined);
        batches.push(batch);
      }
    }
    return (await Promise.all(batches)).flat();
  } catch (error) {
    await Promise.allSettled(batches);
    throw asClusterInputError(error, cluster);
  }
}

/** The slice of Octokit the reaper reads pull requests with. */
export interface PullRequestsApi {
  rest: {
    pulls: {
      get(parameters: { owner: string; repo: string; pull_number: number }): Promise<{ data: { state: string; merged: boolean | null } }>;
    };
  };
}

/**
 * Asks GitHub for each pull request once (bounded); a 404 or an error is an answer too, never a
 * guess. A token GitHub rejects (401) ends the run before anything is deleted.
 */
export async function readPullRequestStates(
  github: PullRequestsApi,
  owner: string,
  repo: string,
  numbers: readonly number[],
  concurrency: number,
): Promise<Map<number, PullRequestState>> {
  const limit = pLimit(concurrency);
  const states = await Promise.all(
    [...new Set(numbers)].map((number) =>
      limit(async (): Promise<[number, PullRequestState]> => {
        try {
          const { data } = await github.rest.pulls.get({ owner, repo, pull_number: number });
          return [number, data.state === "closed" ? { kind: "closed", merged: data.merged === true } : { kind: "open" }];
        } catch (error) {
          const status = (error as { status?: unknown }).status;
          if (status === 404) return [number, { kind: "not-found" }];
          if (isBadCredentials(error)) throw badCredentials(error);
          return [
            number,
            {
              kind: "unknown",
              reason: typeof status === "number" ? `HTTP ${status}` : errorMessage(error),
              permissionDenied: isPermissionDenied(error),
            },
          ];
        }
      }),
    ),
  );
  return new Map(states);
}
