// The only part of the reaper that changes ECS. It is handed decisions already made by
// select.ts and never widens them: services by ARN, task definitions only of exact families.
import {
  DeleteServiceCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  ServiceNotActiveException,
  ServiceNotFoundException,
  StopTaskCommand,
  type ECSClient,
} from "@aws-sdk/client-ecs";
import pLimit from "p-limit";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { chunk } from "../ecs/batch.js";
import type { TaggedRevision } from "../ecs/tagged-revisions.js";
import type { Decision } from "./select.js";
import type { TestTaskDecision } from "./test-tasks.js";

/** DeleteTaskDefinitions accepts at most 10 ARNs a call. */
const DELETE_TASK_DEFINITIONS_BATCH = 10;

export interface ServiceDeletion {
  decision: Decision;
  /** Undefined when deleted (or, in a dry run, when it would be). */
  error: string | undefined;
}

/** DeleteService with `force` (no scale-down first: the copy serves no one once reaped), bounded. */
export async function deleteServices(
  ecs: ECSClient,
  cluster: string,
  decisions: readonly Decision[],
  options: { concurrency: number; dryRun: boolean; logger: Logger },
): Promise<ServiceDeletion[]> {
  const limit = pLimit(options.concurrency);
  return Promise.all(
    decisions.map((decision) =>
      limit(async (): Promise<ServiceDeletion> => {
        if (options.dryRun) {
          options.logger.info(`would delete service ${decision.service} (${decision.reason})`);
          return { decision, error: undefined };
        }
        try {
          await ecs.send(new DeleteServiceCommand({ cluster, service: decision.serviceArn, force: true }));
          options.logger.info(`deleted service ${decision.service} (${decision.reason})`);
          return { decision, error: undefined };
        } catch (error) {
          // Deleted since it was listed (another reap, a person): the step is done all the same.
          if (error instanceof ServiceNotFoundException || error instanceof ServiceNotActiveException) {
            options.logger.info(`service ${decision.service} was already deleted`);
            return { decision, error: undefined };
          }
          options.logger.error(`could not delete service ${decision.service}: ${errorMessage(error)}`);
          return { decision, error: errorMessage(error) };
        }
      }),
    ),
  );
}

export interface TestTaskStop {
  decision: TestTaskDecision;
  /** Undefined when stopped (or, in a dry run, when it would be). */
  error: string | undefined;
}

/** ECS caps StopTask's reason at 255 characters. */
const MAX_STOP_REASON = 255;

/** StopTask of exactly these tasks, with why as the reason ECS shows; bounded. Stopping a stopped task is a no-op, so a re-run is safe. */
export async function stopTestTasks(
  ecs: ECSClient,
  cluster: string,
  decisions: readonly TestTaskDecision[],
  options: { concurrency: number; dryRun: boolean; logger: Logger },
): Promise<TestTaskStop[]> {
  const limit = pLimit(options.concurrency);
  return Promise.all(
    decisions.map((decision) =>
      limit(async (): Promise<TestTaskStop> => {
        const what = `test task ${decision.taskArn} of route ${decision.route}`;
        if (options.dryRun) {
          options.logger.info(`would stop ${what} (${decision.reason})`);
          return { decision, error: undefined };
        }
        try {
          const reason = `ecs-dynamic-routing reaper: ${decision.reason}`.slice(0, MAX_STOP_REASON);
          await ecs.send(new StopTaskCommand({ cluster, task: decision.taskArn, reason }));
          options.logger.info(`stopped ${what} (${decision.reason})`);
          return { decision, error: undefined };
        } catch (error) {
          options.logger.error(`could not stop ${what}: ${errorMessage(error)}`);
          return { decision, error: errorMessage(error) };
        }
      }),
    ),
  );
}

export interface FamilyRetirement {
  family: string;
  /** ACTIVE revisions deregistered (or that would be, in a dry run). */
  deregistered: string[];
  /** Revisions deleted with DeleteTaskDefinitions (or that would be). */
  deleted: string[];
  error: string | undefined;
}

/**
 * Deregisters the ACTIVE ones of exactly these revisions and, when asked, deletes them and the
 * INACTIVE ones (DeleteTaskDefinitions takes only INACTIVE revisions). Each revision is its own step:
 * one that fails is reported and stays for the next run, the others go on.
 */
export async function retireRevisions(
  ecs: ECSClient,
  revisions: readonly TaggedRevision[],
  options: { deleteTaskDefinitions: boolean; concurrency: number; dryRun: boolean; logger: Logger },
): Promise<FamilyRetirement[]> {
  const limit = pLimit(options.concurrency);
  const said = (done: string, wouldDo: string): string => (options.dryRun ? `would ${wouldDo}` : done);
  const retirements = new Map<string, FamilyRetirement>();
  for (const revision of revisions) {
    if (!retirements.has(revision.family)) retirements.set(revision.family, { family: revision.family, deregistered: [], deleted: [], error: undefined });
  }
  const familyOf = new Map(revisions.map((revision) => [revision.arn, revision.family]));
  const fail = (arn: string, error: unknown): void => {
    const family = familyOf.get(arn) ?? arn;
    const retirement = retirements.get(family);
    if (retirement !== undefined) retirement.error ??= errorMessage(error);
    options.logger.error(`could not retire task definition ${arn}: ${errorMessage(error)}`);
  };
  const inactive = revisions.filter((revision) => revision.status === "INACTIVE").map((revision) => revision.arn);
  await Promise.all(
    revisions
      .filter((revision) => revision.status === "ACTIVE")
      .map((revision) =>
        limit(async () => {
          try {
            if (!options.dryRun) await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: revision.arn }));
            retirements.get(revision.family)?.deregistered.push(revision.arn);
            inactive.push(revision.arn);
          } catch (error) {
            fail(revision.arn, error);
          }
        }),
      ),
  );
  for (const retirement of retirements.values()) {
    if (retirement.deregistered.length > 0) {
      options.logger.info(`${said("deregistered", "deregister")} ${retirement.deregistered.length} revision(s) of ${retirement.family}`);
    }
  }

  if (options.deleteTaskDefinitions) {
    await Promise.all(
      chunk(inactive.sort(), DELETE_TASK_DEFINITIONS_BATCH).map((taskDefinitions) =>
        limit(async () => {
          try {
            const failures = options.dryRun
              ? []
              : ((await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions }))).failures ?? []);
            const failed = new Set(failures.map((failure) => failure.arn));
            for (const failure of failures) fail(failure.arn ?? "", `${failure.reason ?? "failed"}`);
            for (const arn of taskDefinitions) if (!failed.has(arn)) retirements.get(familyOf.get(arn) ?? "")?.deleted.push(arn);
          } catch (error) {
            for (const arn of taskDefinitions) fail(arn, error);
          }
        }),
      ),
    );
    for (const retirement of retirements.values()) {
      if (retirement.deleted.length > 0) {
        options.logger.info(`${said("deleted", "delete")} ${retirement.deleted.length} revision(s) of ${retirement.family}`);
      }
    }
  }
  return [...retirements.values()]
    .sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : 0))
    .map((retirement) => ({ ...retirement, deregistered: [...retirement.deregistered].sort(), deleted: [...retirement.deleted].sort() }));
}
