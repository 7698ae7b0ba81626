import type { ContainerDefinition, RegisterTaskDefinitionRequest } from "@aws-sdk/client-ecs";
import { clientError, invalidParameter } from "./errors.js";
import { paginate, type Page } from "./pagination.js";
import { mergeTags, type Tag } from "./tags.js";

export type TaskDefinitionStatus = "ACTIVE" | "INACTIVE" | "DELETE_IN_PROGRESS";

/** One registered revision, kept as ECS renders it (the wire shape, timestamps in epoch ms). */
export interface TaskDefinitionRecord {
  arn: string;
  family: string;
  revision: number;
  status: TaskDefinitionStatus;
  request: RegisterTaskDefinitionRequest;
  containerDefinitions: ContainerDefinition[];
  registeredAt: number;
  deregisteredAt?: number;
  deleteRequestedAt?: number;
  tags: Tag[];
}

export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

/** Task definition families and revisions of one account and region. */
export class TaskDefinitionStore {
  private readonly families = new Map<string, TaskDefinitionRecord[]>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  register(request: RegisterTaskDefinitionRequest, now: number): TaskDefinitionRecord {
    const family = request.family;
    if (typeof family !== "string" || !NAME_PATTERN.test(family)) {
      throw clientError(
        "Family contains invalid characters or is too long: up to 255 letters, numbers, hyphens and underscores are allowed.",
      );
    }
    const containers = request.containerDefinitions;
    if (!Array.isArray(containers) || containers.length === 0) {
      throw clientError("Container list cannot be empty.");
    }
    for (const container of containers) {
      if (typeof container.name !== "string" || !NAME_PATTERN.test(container.name)) {
        throw clientError("Container name is required and may contain up to 255 letters, numbers, hyphens and underscores.");
      }
      if (typeof container.image !== "string" || container.image === "") {
        throw clientError(`Container.image should not be null or empty.`);
      }
    }
    if (new Set(containers.map((container) => container.name)).size !== containers.length) {
      throw clientError("Container names must be unique within a task definition.");
    }
    if (request.requiresCompatibilities?.includes("FARGATE")) {
      if (request.networkMode !== "awsvpc") {
        throw clientError("Fargate only supports network mode 'awsvpc'.");
      }
      if (request.cpu === undefined || request.memory === undefined) {
        throw clientError("Fargate requires that 'cpu' and 'memory' be defined at the task level.");
      }
    }
    const tags = mergeTags([], request.tags as Tag[] | undefined);
    const revisions = this.families.get(family) ?? [];
    const revision = (revisions.at(-1)?.revision ?? 0) + 1;
    const record: TaskDefinitionRecord = {
      arn: `arn:aws:ecs:${this.region}:${this.accountId}:task-definition/${family}:${revision}`,
      family,
      revision,
      status: "ACTIVE",
      request,
      containerDefinitions: containers.map((container) => withContainerDefaults(container, request.networkMode)),
      registeredAt: now,
      tags,
    };
    revisions.push(record);
    this.families.set(family, revisions);
    return record;
  }

  /** Resolves `family`, `family:revision` or a full ARN; a bare family means its latest ACTIVE revision. */
  find(reference: string | undefined): TaskDefinitionRecord | undefined {
    if (typeof reference !== "string" || reference === "") return undefined;
    const arnMatch = /^arn:aws[a-z-]*:ecs:[^:]+:\d+:task-definition\/(.+)$/.exec(reference);
    const nameAndRevision = arnMatch?.[1] ?? reference;
    const [family, revisionText, extra] = nameAndRevision.split(":");
    if (family === undefined || extra !== undefined) return undefined;
    const revisions = this.families.get(family);
    if (revisions === undefined) return undefined;
    if (revisionText === undefined) {
      return arnMatch ? undefined : revisions.findLast((record) => record.status === "ACTIVE");
    }
    const revision = Number(revisionText);
    return revisions.find((record) => record.revision === revision);
  }

  /** Like find, for DescribeTaskDefinition; ECS answers ClientException for an unknown revision. */
  require(reference: string | undefined): TaskDefinitionRecord {
    const record = this.find(reference);
    if (record === undefined) throw clientError("Unable to describe task definition.");
    return record;
  }

  deregister(reference: string | undefined, now: number): TaskDefinitionRecord {
    if (typeof reference !== "string" || !/:\d+$/.test(reference)) {
      throw clientError("Invalid revision number. Number: " + String(reference).split(":").at(-1));
    }
    const record = this.find(reference);
    if (record === undefined || record.status === "DELETE_IN_PROGRESS") {
      throw clientError("The specified task definition does not exist.");
    }
    if (record.status === "ACTIVE") {
      record.status = "INACTIVE";
      record.deregisteredAt = now;
    }
    return record;
  }

  delete(
    references: readonly string[] | undefined,
    now: number,
  ): { deleted: TaskDefinitionRecord[]; failures: { arn: string; reason: string }[] } {
    if (!Array.isArray(references) || references.length === 0 || references.length > 10) {
      throw invalidParameter("taskDefinitions must list between 1 and 10 task definitions.");
    }
    const deleted: TaskDefinitionRecord[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const reference of references) {
      const record = /:\d+$/.test(reference) ? this.find(reference) : undefined;
      if (record === undefined) {
        failures.push({ arn: reference, reason: "The specified task definition does not exist." });
      } else if (record.status === "ACTIVE") {
        failures.push({
          arn: record.arn,
          reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again.",
        });
      } else {
        record.status = "DELETE_IN_PROGRESS";
        record.deleteRequestedAt ??= now;
        deleted.push(record);
      }
    }
    return { deleted, failures };
  }

  list(input: {
    familyPrefix?: string;
    status?: string;
    sort?: string;
    maxResults?: number;
    nextToken?: string;
  }): Page<TaskDefinitionRecord> {
    const status = input.status ?? "ACTIVE";
    const all = [...this.families.values()]
      .flat()
      .filter((record) => record.status === status)
      .filter((record) => input.familyPrefix === undefined || record.family === input.familyPrefix)
      // Lexicographic by family (code units, not locale order: "B" < "a", "-" < "_"), then by revision.
      .sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : a.revision - b.revision));
    if (input.sort === "DESC") all.reverse();
    return paginate(all, (record) => record.arn, input, { defaultMax: 100, max: 100 });
  }

  /** Every revision of every family, in registration order per family. */
  all(): TaskDefinitionRecord[] {
    return [...this.families.values()].flat();
  }

  findByArn(arn: string): TaskDefinitionRecord | undefined {
    return /:\d+$/.test(arn) ? this.find(arn) : undefined;
  }

  render(record: TaskDefinitionRecord): Record<string, unknown> {
    const request = record.request;
    return {
      taskDefinitionArn: record.arn,
      containerDefinitions: record.containerDefinitions,
      family: record.family,
      taskRoleArn: request.taskRoleArn,
      executionRoleArn: request.executionRoleArn,
      networkMode: request.networkMode ?? "bridge",
      revision: record.revision,
      volumes: request.volumes ?? [],
      status: record.status,
      requiresAttributes: requiredAttributes(request).map((name) => ({ name })),
      placementConstraints: request.placementConstraints ?? [],
      compatibilities: compatibilities(request),
      runtimePlatform: request.runtimePlatform,
      requiresCompatibilities: request.requiresCompatibilities,
      cpu: request.cpu,
      memory: request.memory,
      pidMode: request.pidMode,
      ipcMode: request.ipcMode,
      proxyConfiguration: request.proxyConfiguration,
      ephemeralStorage: request.ephemeralStorage,
      registeredAt: record.registeredAt / 1000,
      deregisteredAt: record.deregisteredAt === undefined ? undefined : record.deregisteredAt / 1000,
      deleteRequestedAt: record.deleteRequestedAt === undefined ? undefined : record.deleteRequestedAt / 1000,
      registeredBy: `arn:aws:iam::${record.arn.split(":")[4]}:root`,
    };
  }
}

/** ECS fills these container fields when the caller leaves them out. */
function withContainerDefaults(container: ContainerDefinition, networkMode: string | undefined): ContainerDefinition {
  return {
    ...container,
    cpu: container.cpu ?? 0,
    portMappings: (container.portMappings ?? []).map((mapping) => ({
      ...mapping,
      hostPort: mapping.hostPort ?? (networkMode === "awsvpc" || networkMode === "host" ? mapping.containerPort : undefined),
      protocol: mapping.protocol ?? "tcp",
    })),
    essential: container.essential ?? true,
    environment: container.environment ?? [],
    mountPoints: container.mountPoints ?? [],
    volumesFrom: container.volumesFrom ?? [],
    systemControls: container.systemControls ?? [],
  };
}

function compatibilities(request: RegisterTaskDefinitionRequest): string[] {
  const fargateReady = request.networkMode === "awsvpc" && request.cpu !== undefined && request.memory !== undefined;
  return fargateReady ? ["EC2", "FARGATE"] : ["EXTERNAL", "EC2"];
}

/** The capability attributes ECS derives from a task definition (a representative subset). */
function requiredAttributes(request: RegisterTaskDefinitionRequest): string[] {
  const names = new Set<string>();
  const containers = request.containerDefinitions ?? [];
  if (request.networkMode === "awsvpc") {
    names.add("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    names.add("ecs.capability.task-eni");
  }
  if (request.taskRoleArn) names.add("com.amazonaws.ecs.capability.task-iam-role");
  for (const container of containers) {
    if (container.dockerLabels && Object.keys(container.dockerLabels).length > 0) {
      names.add("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    }
    if (container.logConfiguration?.logDriver === "awslogs") {
      names.add("com.amazonaws.ecs.capability.logging-driver.awslogs");
      names.add("com.amazonaws.ecs.capability.docker-remote-api.1.19");
      if (request.executionRoleArn) names.add("ecs.capability.execution-role-awslogs");
    }
    if (container.secrets?.some((secret) => secret.valueFrom?.includes(":secretsmanager:"))) {
      names.add("ecs.capability.secrets.asm.environment-variables");
    }
    if (container.secrets?.some((secret) => !secret.valueFrom?.includes(":secretsmanager:"))) {
      names.add("ecs.capability.secrets.ssm.environment-variables");
    }
    if (container.healthCheck) names.add("ecs.capability.container-health-check");
  }
  return [...names];
}
