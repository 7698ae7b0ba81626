// The only part of the reaper that changes ECS. It is handed decisions already made by
// select.ts and never widens them: services by ARN, task definitions only of exact families.
import {
  DeleteServiceCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  paginateListTaskDefinitions,
  type ECSClient,
  type TaskDefinitionStatus,
} from "@aws-sdk/client-ecs";
import pLimit, { type LimitFunction } from "p-limit";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { chunk } from "../ecs/batch.js";
import { taskDefinitionFamily } from "../ecs/names.js";
import type { Decision } from "./select.js";

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
          options.logger.error(`could not delete service ${decision.service}: ${errorMessage(error)}`);
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
 * Deregisters every ACTIVE revision of each family and, when asked, deletes them and the family's
 * earlier INACTIVE revisions (DeleteTaskDefinitions takes only INACTIVE ones).
 */
export async function retireTaskDefinitions(
  ecs: ECSClient,
  families: readonly string[],
  options: { deleteTaskDefinitions: boolean; concurrency: number; dryRun: boolean; logger: Logger },
): Promise<FamilyRetirement[]> {
  const limit = pLimit(options.concurrency);
  const said = (done: string, wouldDo: string): string => (options.dryRun ? `would ${wouldDo}` : done);
  const retirements = new Map<string, FamilyRetirement>(
    families.map((family) => [family, { family, deregistered: [], deleted: [], error: undefined }]),
  );
  const fail = (family: string, error: unknown): void => {
    const retirement = retirements.get(family) as FamilyRetirement;
    retirement.error ??= errorMessage(error);
    options.logger.error(`could not retire task definitions of ${family}: ${errorMessage(error)}`);
  };
  const active = await listRevisions(ecs, families, "ACTIVE", limit, fail);
  await Promise.all(
    [...active].flatMap(([family, arns]) =>
      arns.map((arn) =>
        limit(async () => {
          try {
            if (!options.dryRun) await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
            retirements.get(family)?.deregistered.push(arn);
          } catch (error) {
            fail(family, error);
          }
        }),
      ),
    ),
  );
  for (const retirement of retirements.values()) {
    if (retirement.deregistered.length > 0) {
      options.logger.info(`${said("deregistered", "deregister")} ${retirement.deregistered.length} revision(s) of ${retirement.family}`);
    }
  }

  if (options.deleteTaskDefinitions) {
    const inactive = await listRevisions(ecs, families, "INACTIVE", limit, fail);
    // Deregistered just now, plus what earlier runs only deregistered; only revisions of healthy families.
    const toDelete = [...retirements.values()]
      .filter((retirement) => retirement.error === undefined)
      .flatMap((retirement) => [...new Set([...retirement.deregistered, ...(inactive.get(retirement.family) ?? [])])]);
    const familyOf = (arn: string): string => taskDefinitionFamily(arn) as string;
    await Promise.all(
      chunk(toDelete, DELETE_TASK_DEFINITIONS_BATCH).map((taskDefinitions) =>
        limit(async () => {
          try {
            const failures = options.dryRun
              ? []
              : ((await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions }))).failures ?? []);
            const failed = new Set(failures.map((failure) => failure.arn));
            for (const failure of failures) fail(familyOf(failure.arn ?? ""), `${failure.arn ?? "?"}: ${failure.reason ?? "failed"}`);
            for (const arn of taskDefinitions) if (!failed.has(arn)) retirements.get(familyOf(arn))?.deleted.push(arn);
          } catch (error) {
            for (const arn of taskDefinitions) fail(familyOf(arn), error);
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
  return [...retirements.values()].map((retirement) => ({
    ...retirement,
    deregistered: [...retirement.deregistered].sort(),
    deleted: [...retirement.deleted].sort(),
  }));
}

/**
 * family → its revisions of `status`, one listing (all pages) per family. ECS documents
 * `familyPrefix` of ListTaskDefinitions as the full family name, but the parameter's name says
 * prefix and `orders--pr-1` is a prefix of `orders--pr-12`: every ARN is checked against the exact
 * family before anything is done to it.
 */
async function listRevisions(
  ecs: ECSClient,
  families: readonly string[],
  status: TaskDefinitionStatus,
  limit: LimitFunction,
  fail: (family: string, error: unknown) => void,
): Promise<Map<string, string[]>> {
  const revisions = new Map<string, string[]>();
  await Promise.all(
    families.map((family) =>
      limit(async () => {
        try {
          const arns: string[] = [];
          for await (const page of paginateListTaskDefinitions({ client: ecs, pageSize: 100 }, { familyPrefix: family, status })) {
            arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => taskDefinitionFamily(arn) === family));
          }
          revisions.set(family, arns);
        } catch (error) {
          fail(family, error);
        }
      }),
    ),
  );
  return revisions;
}
