import { randomBytes, randomUUID } from "node:crypto";
import type { ContainerOverride, CreateServiceRequest, RunTaskRequest, UpdateServiceRequest } from "@aws-sdk/client-ecs";
import {
  clientError,
  clusterNotFound,
  invalidParameter,
  resourceNotFound,
  serviceNotActive,
  serviceNotFound,
} from "./errors.js";
import type { LogSink } from "../logs/index.js";
import { paginate, type Page } from "./pagination.js";
import { mergeTags, removeTags, type Tag } from "./tags.js";
import { NAME_PATTERN, type TaskDefinitionRecord, type TaskDefinitionStore } from "./task-definitions.js";

/** Knobs the model reads at the moment of each call, so `configure` takes effect for what happens next. */
export interface ModelSettings {
  region: string;
  accountId: string;
  stabilizationMs: number;
  /** The last `steadyStateMs` of a rollout run all new tasks while the old ones stop (default 0). */
  steadyStateMs?: number;
  drainMs: number;
  /** How a task started by RunTask goes: PROVISIONING/PENDING for startMs, RUNNING for runMs, then its essential container exits with exitCode. */
  runTask: RunTaskOutcome;
  /** Where one-off tasks' log lines go (the CloudWatch Logs emulator); none when undefined. */
  logs?: LogSink;
}

export interface RunTaskOutcome {
  startMs: number;
  runMs: number;
  exitCode: number;
  /**
   * What the essential container prints, spread evenly over its run time (the first line as it starts),
   * written to the log stream of its awslogs configuration: `<awslogs-stream-prefix>/<container>/<task id>`.
   */
  logLines?: readonly string[];
  /** The task's stoppedReason when its container exits (default ECS's "Essential container in task exited"). */
  stoppedReason?: string;
}

/** Where ECS's awslogs driver puts a task's container output. */
export function awslogsStream(taskDefinition: TaskDefinitionRecord, taskId: string): { group: string; stream: string } | undefined {
  const container = taskDefinition.containerDefinitions.find((definition) => definition.essential !== false);
  const options = container?.logConfiguration?.logDriver === "awslogs" ? container.logConfiguration.options : undefined;
  const group = options?.["awslogs-group"];
  const prefix = options?.["awslogs-stream-prefix"];
  if (container?.name === undefined || group === undefined || prefix === undefined) return undefined;
  return { group, stream: `${prefix}/${container.name}/${taskId}` };
}

export type ServiceStatus = "ACTIVE" | "DRAINING" | "INACTIVE";
type RolloutState = "IN_PROGRESS" | "COMPLETED" | "FAILED";

interface ClusterRecord {
  name: string;
  arn: string;
  tags: Tag[];
  settings: { name: string; value: string }[];
  /** Insertion order is creation order: a reused name is deleted and re-added at the end. */
  services: Map<string, ServiceRecord>;
  tasks: Map<string, TaskRecord>;
  clientTokens: Map<string, { fingerprint: string; serviceArn: string }>;
  /** RunTask's clientTokens: the same request again is answered with the tasks it started. */
  runTaskTokens: Map<string, { fingerprint: string; tasks: TaskRecord[] }>;
}

/** Settings of a service that CreateService takes and UpdateService may change. */
type ServiceSettings = Omit<
  CreateServiceRequest,
  "cluster" | "serviceName" | "taskDefinition" | "desiredCount" | "clientToken" | "tags"
>;

interface ServiceRecord {
  arn: string;
  name: string;
  cluster: ClusterRecord;
  settings: ServiceSettings;
  taskDefinitionArn: string;
  desiredCount: number;
  createdAt: number;
  tags: Tag[];
  /** Newest first; the first one is PRIMARY. */
  deployments: DeploymentRecord[];
  /** Newest first, at most MAX_EVENTS. */
  events: { id: string; createdAt: number; message: string }[];
  deletedAt?: number;
  inactiveAt?: number;
}

interface DeploymentRecord {
  id: string;
  taskDefinition: TaskDefinitionRecord;
  desiredCount: number;
  createdAt: number;
  updatedAt: number;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  /** When an unfailing rollout has all its tasks running. */
  completesAt: number;
  completedAt?: number;
  /** Set when the deployment's image was marked failing when it started: its tasks keep exiting. */
  failure?: { stoppedReason: string; containerReason?: string; image: string };
  failedTasksLaunched: number;
  /** Tasks fail at this interval, so the circuit breaker trips `stabilizationMs` after the start. */
  failureIntervalMs: number;
  failureThreshold: number;
  tasks: TaskRecord[];
}

interface TaskRecord {
  id: string;
  arn: string;
  cluster: ClusterRecord;
  taskDefinition: TaskDefinitionRecord;
  /** The service whose deployment started it; undefined for a task started by RunTask. */
  service?: ServiceRecord;
  launchType: string | undefined;
  /** `service:<name>` or, for RunTask, the given group (default `family:<family>`). */
  group: string;
  /** The deployment id for a service's task; RunTask's startedBy. */
  startedBy?: string;
  enableExecuteCommand: boolean;
  /** RunTask's containerOverrides, as given. */
  containerOverrides?: ContainerOverride[];
  createdAt: number;
  startedAt: number;
  /** From this time the task's desiredStatus is STOPPED; it is STOPPED at stoppedAt. */
  stopRequestedAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  exitCode?: number;
  containerReason?: string;
  /** Stopped by its own failure (counts in the deployment's failedTasks), not by the scheduler. */
  failed?: boolean;
  /** Tags the task was launched with (managed and propagated ones), as ECS fixes them at launch. */
  tags: Tag[];
  privateIp: string;
  subnetId?: string;
}

const MAX_EVENTS = 100;
/** ECS keeps INACTIVE services describable for a while (about an hour) before purging them. */
const INACTIVE_RETENTION_MS = 60 * 60 * 1000;
const ESSENTIAL_EXITED = "Essential container in task exited";

export class EcsModel {
  private readonly clusters = new Map<string, ClusterRecord>();
  private readonly failingImages = new Map<string, { stoppedReason?: string }>();
  private ipCounter = 0;

  constructor(
    private readonly settings: ModelSettings,
    readonly taskDefinitions: TaskDefinitionStore,
  ) {}

  // ---- clusters ----

  createCluster(input: { clusterName?: string; tags?: Tag[]; settings?: { name: string; value: string }[] }): ClusterRecord {
    const name = input.clusterName ?? "default";
    if (!NAME_PATTERN.test(name)) {
      throw invalidParameter("Cluster name may contain up to 255 letters, numbers, hyphens and underscores.");
    }
    const existing = this.clusters.get(name);
    if (existing) return existing;
    const cluster: ClusterRecord = {
      name,
      arn: `${this.arnPrefix()}:cluster/${name}`,
      tags: mergeTags([], input.tags),
      settings: input.settings ?? [{ name: "containerInsights", value: "disabled" }],
      services: new Map(),
      tasks: new Map(),
      clientTokens: new Map(),
      runTaskTokens: new Map(),
    };
    this.clusters.set(name, cluster);
    return cluster;
  }

  describeClusters(
    references: string[] | undefined,
    now: number,
  ): { clusters: ClusterRecord[]; failures: { arn: string; reason: string }[] } {
    const clusters: ClusterRecord[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const reference of references?.length ? references : ["default"]) {
      const cluster = this.findCluster(reference);
      if (cluster) {
        this.settleCluster(cluster, now);
        clusters.push(cluster);
      } else {
        failures.push({ arn: this.clusterArnOf(reference), reason: "MISSING" });
      }
    }
    return { clusters, failures };
  }

  listClusters(input: { maxResults?: number; nextToken?: string }): Page<ClusterRecord> {
    return paginate([...this.clusters.values()], (cluster) => cluster.arn, input, { defaultMax: 100, max: 100 });
  }

  renderCluster(cluster: ClusterRecord, now: number, includeTags: boolean): Record<string, unknown> {
    let running = 0;
    let pending = 0;
    let active = 0;
    for (const service of cluster.services.values()) {
      if (this.statusOf(service, now) === "ACTIVE") active += 1;
    }
    for (const task of cluster.tasks.values()) {
      const status = lastStatus(task, now);
      if (status === "RUNNING") running += 1;
      else if (status !== "STOPPED") pending += 1;
    }
    return {
      clusterArn: cluster.arn,
      clusterName: cluster.name,
      status: "ACTIVE",
      registeredContainerInstancesCount: 0,
      runningTasksCount: running,
      pendingTasksCount: pending,
      activeServicesCount: active,
      statistics: [],
      tags: includeTags ? cluster.tags : undefined,
      settings: cluster.settings,
      capacityProviders: [],
      defaultCapacityProviderStrategy: [],
    };
  }

  // ---- services ----

  createService(input: CreateServiceRequest, now: number, options: { launchedAt?: number } = {}): ServiceRecord {
    const cluster = this.requireCluster(input.cluster);
    const name = input.serviceName;
    if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
      throw invalidParameter("Service name may contain up to 255 letters, numbers, hyphens and underscores.");
    }
    const fingerprint = stableJson({ ...input, clientToken: undefined });
    if (input.clientToken !== undefined) {
      if (!/^[\x21-\x7e]{1,36}$/.test(input.clientToken)) {
        throw invalidParameter("clientToken must be 1 to 36 ASCII characters in the range 33-126.");
      }
      const previous = cluster.clientTokens.get(input.clientToken);
      if (previous) {
        const service = [...cluster.services.values()].find((candidate) => candidate.arn === previous.serviceArn);
        if (previous.fingerprint === fingerprint && service && this.statusOf(service, now) === "ACTIVE") return service;
        throw invalidParameter("Creation of service was not idempotent.");
      }
    }
    const existing = this.liveService(cluster, name, now);
    if (existing && this.statusOf(existing, now) !== "INACTIVE") {
      throw invalidParameter("Creation of service was not idempotent.");
    }
    const taskDefinition = this.taskDefinitions.find(input.taskDefinition);
    if (taskDefinition === undefined || taskDefinition.status === "DELETE_IN_PROGRESS") {
      throw clientError("TaskDefinition not found.");
    }
    if (taskDefinition.status === "INACTIVE") throw clientError("TaskDefinition is inactive.");
    const desiredCount = input.desiredCount ?? 1;
    if (!Number.isInteger(desiredCount) || desiredCount < 0) {
      throw invalidParameter("desiredCount must be a non-negative integer.");
    }
    validatePlacement(input, taskDefinition);
    const tags = mergeTags([], input.tags as Tag[] | undefined);

    const settings: ServiceSettings = withoutUndefined({
      ...input,
      cluster: undefined,
      serviceName: undefined,
      taskDefinition: undefined,
      desiredCount: undefined,
      clientToken: undefined,
      tags: undefined,
    });
    const createdAt = options.launchedAt ?? now;
    const service: ServiceRecord = {
      arn: `${this.arnPrefix()}:service/${cluster.name}/${name}`,
      name,
      cluster,
      settings,
      taskDefinitionArn: taskDefinition.arn,
      desiredCount,
      createdAt,
      tags,
      deployments: [],
      events: [],
    };
    cluster.services.delete(name);
    cluster.services.set(name, service);
    if (input.clientToken !== undefined) {
      cluster.clientTokens.set(input.clientToken, { fingerprint, serviceArn: service.arn });
    }
    this.startDeployment(service, taskDefinition, createdAt);
    return service;
  }

  describeServices(
    clusterReference: string | undefined,
    references: string[] | undefined,
    now: number,
  ): { services: ServiceRecord[]; failures: { arn: string; reason: string }[] } {
    const cluster = this.requireCluster(clusterReference);
    if (!Array.isArray(references) || references.length === 0) {
      throw invalidParameter("services can not be empty.");
    }
    if (references.length > 10) {
      throw invalidParameter("services can have at most 10 items.");
    }
    const services: ServiceRecord[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const reference of references) {
      const name = this.serviceNameOf(cluster, reference);
      const service = name === undefined ? undefined : this.liveService(cluster, name, now);
      if (service) {
        this.settle(service, now);
        services.push(service);
      } else {
        const arn = reference.startsWith("arn:") ? reference : `${this.arnPrefix()}:service/${cluster.name}/${reference}`;
        failures.push({ arn, reason: "MISSING" });
      }
    }
    return { services, failures };
  }

  listServices(
    input: { cluster?: string; launchType?: string; schedulingStrategy?: string; maxResults?: number; nextToken?: string },
    now: number,
  ): Page<string> {
    const cluster = this.requireCluster(input.cluster);
    const arns: string[] = [];
    for (const service of cluster.services.values()) {
      if (this.statusOf(service, now) !== "ACTIVE") continue;
      if (input.launchType !== undefined && launchTypeOf(service.settings) !== input.launchType) continue;
      if (input.schedulingStrategy !== undefined && (service.settings.schedulingStrategy ?? "REPLICA") !== input.schedulingStrategy) {
        continue;
      }
      arns.push(service.arn);
    }
    return paginate(arns, (arn) => arn, input, { defaultMax: 10, max: 100 });
  }

  updateService(input: UpdateServiceRequest, now: number): ServiceRecord {
    const cluster = this.requireCluster(input.cluster);
    const service = this.requireService(cluster, input.service, now);
    if (this.statusOf(service, now) !== "ACTIVE") throw serviceNotActive();
    this.settle(service, now);

    let taskDefinition = this.taskDefinitions.find(service.taskDefinitionArn);
    if (input.taskDefinition !== undefined) {
      const requested = this.taskDefinitions.find(input.taskDefinition);
      if (requested === undefined || requested.status === "DELETE_IN_PROGRESS") throw clientError("TaskDefinition not found.");
      if (requested.status === "INACTIVE" && requested.arn !== service.taskDefinitionArn) {
        throw clientError("TaskDefinition is inactive.");
      }
      taskDefinition = requested;
    }
    if (taskDefinition === undefined) throw clientError("TaskDefinition not found.");
    if (input.desiredCount !== undefined && (!Number.isInteger(input.desiredCount) || input.desiredCount < 0)) {
      throw invalidParameter("desiredCount must be a non-negative integer.");
    }
    const changes: ServiceSettings = withoutUndefined({
      deploymentConfiguration: input.deploymentConfiguration,
      networkConfiguration: input.networkConfiguration,
      capacityProviderStrategy: input.capacityProviderStrategy,
      placementConstraints: input.placementConstraints,
      placementStrategy: input.placementStrategy,
      platformVersion: input.platformVersion,
      healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds,
      enableExecuteCommand: input.enableExecuteCommand,
      enableECSManagedTags: input.enableECSManagedTags,
      loadBalancers: input.loadBalancers,
      propagateTags: input.propagateTags,
      serviceRegistries: input.serviceRegistries,
      serviceConnectConfiguration: input.serviceConnectConfiguration,
      availabilityZoneRebalancing: input.availabilityZoneRebalancing,
    });
    const nextSettings = { ...service.settings, ...changes };
    validatePlacement(nextSettings, taskDefinition);
    // These settings are part of what a task is launched with, so changing them rolls out new tasks.
    const launchSettingsChanged = (
      ["networkConfiguration", "loadBalancers", "serviceRegistries", "enableExecuteCommand", "platformVersion", "capacityProviderStrategy"] as const
    ).some((key) => key in changes && stableJson(changes[key]) !== stableJson(service.settings[key]));
    service.settings = nextSettings;

    const needsDeployment =
      taskDefinition.arn !== service.taskDefinitionArn || input.forceNewDeployment === true || launchSettingsChanged;
    if (input.desiredCount !== undefined) service.desiredCount = input.desiredCount;
    if (needsDeployment) {
      service.taskDefinitionArn = taskDefinition.arn;
      this.startDeployment(service, taskDefinition, now);
    } else if (input.desiredCount !== undefined) {
      this.scalePrimary(service, now);
    }
    return service;
  }

  deleteService(input: { cluster?: string; service?: string; force?: boolean }, now: number): ServiceRecord {
    const cluster = this.requireCluster(input.cluster);
    const service = this.requireService(cluster, input.service, now);
    // Deleting a service already deleted answers it as it is (DeleteService models no ServiceNotActiveException).
    if (this.statusOf(service, now) !== "ACTIVE") return service;
    this.settle(service, now);
    // `force` is only needed for REPLICA services: a DAEMON service is deleted as it is.
    const replica = (service.settings.schedulingStrategy ?? "REPLICA") === "REPLICA";
    if (replica && service.desiredCount > 0 && input.force !== true) {
      throw invalidParameter("The service cannot be stopped while it is scaled above 0.");
    }
    service.deletedAt = now;
    service.inactiveAt = now + this.settings.drainMs;
    service.desiredCount = 0;
    for (const deployment of service.deployments) {
      deployment.desiredCount = 0;
      deployment.updatedAt = now;
      for (const task of deployment.tasks) {
        this.stopTask(task, now, service.inactiveAt, `Scaling activity initiated by (deployment ${deployment.id})`);
      }
    }
    return service;
  }

  /** Ends a deleted service's DRAINING now: it is INACTIVE from here on, its tasks stopped. */
  finishDraining(clusterReference: string, serviceReference: string, now: number): void {
    const service = this.requireService(this.requireCluster(clusterReference), serviceReference, now);
    if (this.statusOf(service, now) !== "DRAINING") throw new Error(`${serviceReference} is not DRAINING`);
    service.inactiveAt = now;
    for (const deployment of service.deployments) {
      for (const task of deployment.tasks) {
        if (task.stoppedAt !== undefined && task.stoppedAt > now) task.stoppedAt = now;
      }
    }
  }

  statusOf(service: ServiceRecord, now: number): ServiceStatus {
    if (service.deletedAt === undefined || service.inactiveAt === undefined) return "ACTIVE";
    return now < service.inactiveAt ? "DRAINING" : "INACTIVE";
  }

  /** Epoch ms the latest PRIMARY deployment became COMPLETED, if it has. */
  deploymentCompletedAt(clusterReference: string, serviceReference: string, now: number): number | undefined {
    const cluster = this.findCluster(clusterReference);
    const name = cluster && this.serviceNameOf(cluster, serviceReference);
    const service = cluster && name !== undefined ? this.liveService(cluster, name, now) : undefined;
    if (!service) return undefined;
    this.settle(service, now);
    const primary = service.deployments[0];
    return primary?.rolloutState === "COMPLETED" ? primary.completedAt : undefined;
  }

  failImage(image: string, stoppedReason?: string): void {
    this.failingImages.set(image, stoppedReason === undefined ? {} : { stoppedReason });
  }

  renderService(service: ServiceRecord, now: number, includeTags: boolean): Record<string, unknown> {
    const settings = service.settings;
    const deployments = service.deployments.map((deployment, index) => this.renderDeployment(service, deployment, index, now));
    return withoutUndefined({
      serviceArn: service.arn,
      serviceName: service.name,
      clusterArn: service.cluster.arn,
      loadBalancers: settings.loadBalancers ?? [],
      serviceRegistries: settings.serviceRegistries ?? [],
      status: this.statusOf(service, now),
      desiredCount: service.desiredCount,
      runningCount: sum(deployments.map((deployment) => deployment.runningCount as number)),
      pendingCount: sum(deployments.map((deployment) => deployment.pendingCount as number)),
      launchType: launchTypeOf(settings),
      capacityProviderStrategy: settings.capacityProviderStrategy,
      platformVersion: launchTypeOf(settings) === "FARGATE" ? (settings.platformVersion ?? "LATEST") : settings.platformVersion,
      platformFamily: launchTypeOf(settings) === "FARGATE" ? "Linux" : undefined,
      taskDefinition: service.taskDefinitionArn,
      deploymentConfiguration: deploymentConfigurationOf(settings),
      deployments,
      roleArn: settings.role,
      events: service.events.map((event) => ({ id: event.id, createdAt: event.createdAt / 1000, message: event.message })),
      createdAt: service.createdAt / 1000,
      placementConstraints: settings.placementConstraints ?? [],
      placementStrategy: settings.placementStrategy ?? [],
      networkConfiguration: settings.networkConfiguration,
      healthCheckGracePeriodSeconds: settings.healthCheckGracePeriodSeconds,
      schedulingStrategy: settings.schedulingStrategy ?? "REPLICA",
      deploymentController: settings.deploymentController ?? { type: "ECS" },
      tags: includeTags ? service.tags : undefined,
      createdBy: `arn:aws:iam::${this.settings.accountId}:root`,
      enableECSManagedTags: settings.enableECSManagedTags ?? false,
      propagateTags: settings.propagateTags ?? "NONE",
      enableExecuteCommand: settings.enableExecuteCommand ?? false,
      availabilityZoneRebalancing: settings.availabilityZoneRebalancing ?? "DISABLED",
    });
  }

  // ---- tasks ----

  listTasks(
    input: {
      cluster?: string;
      serviceName?: string;
      family?: string;
      startedBy?: string;
      desiredStatus?: string;
      launchType?: string;
      maxResults?: number;
      nextToken?: string;
    },
    now: number,
  ): Page<string> {
    const cluster = this.requireCluster(input.cluster);
    const desiredStatus = input.desiredStatus ?? "RUNNING";
    if (desiredStatus !== "RUNNING" && desiredStatus !== "STOPPED" && desiredStatus !== "PENDING") {
      throw invalidParameter("desiredStatus must be RUNNING, PENDING or STOPPED.");
    }
    // Stopped tasks stay listable after their deployment is gone (ECS keeps them for about an hour), so the
    // service filter reads the cluster's tasks, not the service's current deployments.
    const service = input.serviceName === undefined ? undefined : this.requireService(cluster, input.serviceName, now);
    if (service) this.settle(service, now);
    else this.settleCluster(cluster, now);
    const candidates = [...cluster.tasks.values()]
      .filter((task) => service === undefined || task.service === service)
      .sort((a, b) => a.createdAt - b.createdAt);
    const arns: string[] = [];
    for (const task of candidates) {
      if (task.createdAt > now) continue;
      // A task's desiredStatus is RUNNING or STOPPED, so filtering on PENDING lists nothing, as in ECS.
      if (desiredStatusOf(task, now) !== desiredStatus) continue;
      if (input.family !== undefined && task.taskDefinition.family !== input.family) continue;
      if (input.startedBy !== undefined && task.startedBy !== input.startedBy) continue;
      if (input.launchType !== undefined && task.launchType !== input.launchType) continue;
      arns.push(task.arn);
    }
    return paginate(arns, (arn) => arn, input, { defaultMax: 100, max: 100 });
  }

  /** RunTask: `count` tasks of an ACTIVE task definition, outside any service; they end as `settings.runTask` says. */
  runTask(input: RunTaskRequest, now: number): TaskRecord[] {
    const cluster = this.requireCluster(input.cluster);
    const fingerprint = stableJson({ ...input, clientToken: undefined });
    if (input.clientToken !== undefined) {
      if (!/^[\x21-\x7e]{1,64}$/.test(input.clientToken)) {
        throw invalidParameter("clientToken must be 1 to 64 ASCII characters in the range 33-126.");
      }
      const previous = cluster.runTaskTokens.get(input.clientToken);
      if (previous !== undefined) {
        if (previous.fingerprint === fingerprint) return previous.tasks;
        throw invalidParameter("RunTask was not idempotent: the clientToken was used with other parameters.");
      }
    }
    const taskDefinition = this.taskDefinitions.find(input.taskDefinition);
    if (taskDefinition === undefined || taskDefinition.status !== "ACTIVE") {
      throw clientError(`TaskDefinition not found.`);
    }
    const count = input.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 10) throw invalidParameter("count must be between 1 and 10.");
    if (input.startedBy !== undefined && !/^[A-Za-z0-9_-]{1,128}$/.test(input.startedBy)) {
      throw invalidParameter("startedBy may contain up to 128 letters, numbers, hyphens and underscores.");
    }
    validatePlacement(input, taskDefinition);
    const containerNames = new Set(taskDefinition.containerDefinitions.map((container) => container.name));
    for (const override of input.overrides?.containerOverrides ?? []) {
      if (!containerNames.has(override.name)) throw invalidParameter(`Override for container named ${String(override.name)} is not a container in the TaskDefinition.`);
    }
    const tags = mergeTags([], input.tags as Tag[] | undefined);
    const { startMs, runMs, exitCode, logLines = [], stoppedReason = ESSENTIAL_EXITED } = this.settings.runTask;
    const tasks: TaskRecord[] = [];
    for (let index = 0; index < count; index += 1) {
      const id = randomBytes(16).toString("hex");
      this.ipCounter += 1;
      const startedAt = now + startMs;
      const exitsAt = startedAt + runMs;
      const task: TaskRecord = {
        id,
        arn: `${this.arnPrefix()}:task/${cluster.name}/${id}`,
        cluster,
        taskDefinition,
        launchType: input.launchType ?? (input.capacityProviderStrategy?.length ? undefined : "EC2"),
        group: input.group ?? `family:${taskDefinition.family}`,
        ...(input.startedBy !== undefined ? { startedBy: input.startedBy } : {}),
        enableExecuteCommand: input.enableExecuteCommand ?? false,
        ...(input.overrides?.containerOverrides !== undefined ? { containerOverrides: input.overrides.containerOverrides } : {}),
        createdAt: now,
        startedAt,
        // The essential container exits on its own at exitsAt unless StopTask comes first.
        stopRequestedAt: exitsAt,
        stoppedAt: exitsAt,
        stoppedReason,
        stopCode: "EssentialContainerExited",
        exitCode,
        tags,
        privateIp: `10.0.${(this.ipCounter >> 8) & 255}.${(this.ipCounter & 255) || 1}`,
        subnetId: input.networkConfiguration?.awsvpcConfiguration?.subnets?.[0],
      };
      cluster.tasks.set(id, task);
      tasks.push(task);
      const location = awslogsStream(taskDefinition, id);
      if (location !== undefined && this.settings.logs !== undefined) {
        const spacing = logLines.length > 1 ? runMs / logLines.length : 0;
        this.settings.logs.write(
          location.group,
          location.stream,
          logLines.map((message, line) => ({ timestamp: Math.round(startedAt + line * spacing), message })),
        );
      }
    }
    if (input.clientToken !== undefined) cluster.runTaskTokens.set(input.clientToken, { fingerprint, tasks });
    return tasks;
  }

  /** StopTask: the task is STOPPED at once with the given reason; a container still running gets SIGTERM (exit 143). */
  stopTaskByUser(clusterReference: string | undefined, reference: string | undefined, reason: string | undefined, now: number): TaskRecord {
    const cluster = this.requireCluster(clusterReference);
    if (typeof reference !== "string" || reference === "") throw invalidParameter("task cannot be empty.");
    const task = cluster.tasks.get(reference.split("/").at(-1) ?? reference);
    if (task === undefined || task.createdAt > now) throw invalidParameter("The referenced task was not found.");
    if (reason !== undefined && reason.length > 255) throw invalidParameter("reason can be at most 255 characters.");
    if (task.stoppedAt !== undefined && task.stoppedAt <= now) return task;
    task.stopRequestedAt = now;
    task.stoppedAt = now;
    task.stoppedReason = reason ?? "Task stopped by user";
    task.stopCode = "UserInitiated";
    task.exitCode = 143;
    if (task.startedAt > now) task.startedAt = now;
    const location = awslogsStream(task.taskDefinition, task.id);
    // What the container would have printed after SIGTERM never is.
    if (location !== undefined) this.settings.logs?.discardAfter(location.group, location.stream, now);
    return task;
  }

  describeTasks(
    clusterReference: string | undefined,
    references: string[] | undefined,
    now: number,
  ): { tasks: TaskRecord[]; failures: { arn: string; reason: string }[] } {
    const cluster = this.requireCluster(clusterReference);
    if (!Array.isArray(references) || references.length === 0) throw invalidParameter("Tasks cannot be empty.");
    if (references.length > 100) throw invalidParameter("tasks can have at most 100 items.");
    this.settleCluster(cluster, now);
    const tasks: TaskRecord[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const reference of references) {
      const id = reference.split("/").at(-1) ?? reference;
      const task = cluster.tasks.get(id);
      if (task && task.createdAt <= now) tasks.push(task);
      else failures.push({ arn: reference, reason: "MISSING" });
    }
    return { tasks, failures };
  }

  renderTask(task: TaskRecord, now: number, includeTags: boolean): Record<string, unknown> {
    const definition = task.taskDefinition;
    const status = lastStatus(task, now);
    const stopped = status === "STOPPED";
    const started = task.startedAt <= now;
    const awsvpc = definition.request.networkMode === "awsvpc";
    const attachmentId = task.id.slice(0, 8) + "-" + task.id.slice(8, 12) + "-" + task.id.slice(12, 16) + "-" + task.id.slice(16, 20) + "-" + task.id.slice(20, 32);
    const { launchType } = task;
    return withoutUndefined({
      attachments: awsvpc
        ? [
            {
              id: attachmentId,
              type: "ElasticNetworkInterface",
              status: stopped ? "DELETED" : started ? "ATTACHED" : "PRECREATED",
              details: [
                { name: "subnetId", value: task.subnetId ?? "subnet-0emulator" },
                { name: "networkInterfaceId", value: `eni-${task.id.slice(0, 17)}` },
                { name: "macAddress", value: macAddressOf(task.id) },
                { name: "privateDnsName", value: `ip-${task.privateIp.replaceAll(".", "-")}.ec2.internal` },
                { name: "privateIPv4Address", value: task.privateIp },
              ],
            },
          ]
        : [],
      availabilityZone: `${this.settings.region}a`,
      clusterArn: task.cluster.arn,
      connectivity: started && !stopped ? "CONNECTED" : undefined,
      connectivityAt: started ? task.startedAt / 1000 : undefined,
      containers: definition.containerDefinitions.map((container) =>
        withoutUndefined({
          containerArn: `${this.arnPrefix()}:container/${task.cluster.name}/${task.id}/${containerIdOf(task.id, container.name ?? "")}`,
          taskArn: task.arn,
          name: container.name,
          image: container.image,
          lastStatus: status === "PROVISIONING" || status === "PENDING" ? "PENDING" : status,
          exitCode: stopped ? task.exitCode : undefined,
          reason: stopped ? task.containerReason : undefined,
          networkInterfaces: awsvpc ? [{ attachmentId, privateIpv4Address: task.privateIp }] : [],
          networkBindings: awsvpc
            ? undefined
            : (container.portMappings ?? []).map((mapping) => ({
                bindIP: "0.0.0.0",
                containerPort: mapping.containerPort,
                hostPort: mapping.hostPort ?? mapping.containerPort,
                protocol: mapping.protocol ?? "tcp",
              })),
          healthStatus: "UNKNOWN",
          cpu: String(container.cpu ?? 0),
          memory: container.memory === undefined ? undefined : String(container.memory),
        }),
      ),
      cpu: definition.request.cpu,
      memory: definition.request.memory,
      createdAt: task.createdAt / 1000,
      desiredStatus: desiredStatusOf(task, now),
      enableExecuteCommand: task.enableExecuteCommand,
      group: task.group,
      healthStatus: "UNKNOWN",
      lastStatus: status,
      launchType,
      platformVersion: launchType === "FARGATE" ? "1.4.0" : undefined,
      platformFamily: launchType === "FARGATE" ? "Linux" : undefined,
      pullStartedAt: started ? task.createdAt / 1000 : undefined,
      pullStoppedAt: started ? task.startedAt / 1000 : undefined,
      startedAt: started ? task.startedAt / 1000 : undefined,
      startedBy: task.startedBy,
      stopCode: stopped ? task.stopCode : undefined,
      stoppedAt: stopped && task.stoppedAt !== undefined ? task.stoppedAt / 1000 : undefined,
      stoppedReason: task.stopRequestedAt !== undefined && task.stopRequestedAt <= now ? task.stoppedReason : undefined,
      stoppingAt: task.stopRequestedAt !== undefined && task.stopRequestedAt <= now ? task.stopRequestedAt / 1000 : undefined,
      taskArn: task.arn,
      taskDefinitionArn: definition.arn,
      version: stopped ? 4 : started ? 2 : 1,
      overrides: {
        containerOverrides: task.containerOverrides ?? definition.containerDefinitions.map((container) => ({ name: container.name })),
        inferenceAcceleratorOverrides: [],
      },
      tags: includeTags ? task.tags : undefined,
    });
  }

  // ---- tags ----

  /**
   * Every tagged resource of the account, as the Resource Groups Tagging API indexes it: clusters,
   * services that are not INACTIVE, and task-definition revisions that are not being deleted.
   */
  taggedResources(now: number): { arn: string; type: string; tags: Tag[] }[] {
    const resources: { arn: string; type: string; tags: Tag[] }[] = [];
    for (const cluster of this.clusters.values()) {
      resources.push({ arn: cluster.arn, type: "ecs:cluster", tags: cluster.tags });
      for (const name of [...cluster.services.keys()]) {
        const service = this.liveService(cluster, name, now);
        if (service !== undefined && this.statusOf(service, now) !== "INACTIVE") {
          resources.push({ arn: service.arn, type: "ecs:service", tags: service.tags });
        }
      }
    }
    for (const record of this.taskDefinitions.all()) {
      if (record.status !== "DELETE_IN_PROGRESS") resources.push({ arn: record.arn, type: "ecs:task-definition", tags: record.tags });
    }
    return resources.filter((resource) => resource.tags.length > 0);
  }

  /**
   * The tags of the resource an ARN names. Tagging needs the long ARN format (`service/<cluster>/<name>`,
   * `task/<cluster>/<id>`); a resource that does not exist is a ResourceNotFoundException, as TagResource and
   * UntagResource document it.
   */
  tagsOf(resourceArn: string | undefined, now: number): { get(): Tag[]; set(tags: Tag[]): void } {
    const match = /^arn:aws[a-z-]*:ecs:([^:]+):(\d+):(cluster|service|task-definition|task)\/(.+)$/.exec(resourceArn ?? "");
    if (!match) throw invalidParameter("Invalid resource arn.");
    const [, , , kind, path = ""] = match;
    if (kind === "task-definition") {
      const record = this.taskDefinitions.findByArn(resourceArn ?? "");
      if (!record || record.status === "DELETE_IN_PROGRESS") throw resourceNotFound();
      return { get: () => record.tags, set: (tags) => (record.tags = tags) };
    }
    const [clusterName = "", name, extra] = path.split("/");
    if (kind === "cluster") {
      if (name !== undefined) throw invalidParameter("Invalid resource arn.");
    } else if (name === undefined || name === "" || extra !== undefined) {
      throw invalidParameter("Long arn format must be used for tagging operations.");
    }
    const cluster = this.clusters.get(clusterName);
    if (!cluster) throw clusterNotFound();
    if (kind === "cluster") return { get: () => cluster.tags, set: (tags) => (cluster.tags = tags) };
    if (kind === "service") {
      const service = this.liveService(cluster, name ?? "", now);
      if (!service) throw resourceNotFound();
      return { get: () => service.tags, set: (tags) => (service.tags = tags) };
    }
    const task = cluster.tasks.get(name ?? "");
    if (!task || task.createdAt > now) throw resourceNotFound();
    return { get: () => task.tags, set: (tags) => (task.tags = tags) };
  }

  /** `tags` is required but may be empty (ECS documents 0 to 50 items). */
  tagResource(resourceArn: string | undefined, tags: Tag[] | undefined, now: number): void {
    if (!Array.isArray(tags)) throw invalidParameter("tags must be a list.");
    if (tags.length > 50) throw invalidParameter("tags can have at most 50 items.");
    const target = this.tagsOf(resourceArn, now);
    target.set(mergeTags(target.get(), tags));
  }

  untagResource(resourceArn: string | undefined, tagKeys: string[] | undefined, now: number): void {
    if (!Array.isArray(tagKeys)) throw invalidParameter("tagKeys must be a list.");
    const target = this.tagsOf(resourceArn, now);
    target.set(removeTags(target.get(), tagKeys));
  }

  // ---- internals ----

  private arnPrefix(): string {
    return `arn:aws:ecs:${this.settings.region}:${this.settings.accountId}`;
  }

  private clusterArnOf(reference: string): string {
    return reference.startsWith("arn:") ? reference : `${this.arnPrefix()}:cluster/${reference}`;
  }

  private findCluster(reference: string | undefined): ClusterRecord | undefined {
    const name = (reference ?? "default").split(":cluster/").at(-1) ?? "";
    return this.clusters.get(name);
  }

  private requireCluster(reference: string | undefined): ClusterRecord {
    const cluster = this.findCluster(reference);
    if (!cluster) throw clusterNotFound();
    return cluster;
  }

  /** A service is named by its name or by its ARN (`.../service/<cluster>/<name>`). */
  private serviceNameOf(cluster: ClusterRecord, reference: string): string | undefined {
    if (!reference.startsWith("arn:")) return reference;
    const match = /:service\/(?:([^/]+)\/)?([^/]+)$/.exec(reference);
    if (!match || (match[1] !== undefined && match[1] !== cluster.name)) return undefined;
    return match[2];
  }

  /** The service of that name unless it has been INACTIVE long enough for ECS to purge it. */
  private liveService(cluster: ClusterRecord, name: string, now: number): ServiceRecord | undefined {
    const service = cluster.services.get(name);
    if (service?.inactiveAt !== undefined && now >= service.inactiveAt + INACTIVE_RETENTION_MS) {
      cluster.services.delete(name);
      for (const deployment of service.deployments) for (const task of deployment.tasks) cluster.tasks.delete(task.id);
      return undefined;
    }
    return service;
  }

  private requireService(cluster: ClusterRecord, reference: string | undefined, now: number): ServiceRecord {
    const name = typeof reference === "string" ? this.serviceNameOf(cluster, reference) : undefined;
    const service = name === undefined ? undefined : this.liveService(cluster, name, now);
    if (!service) throw serviceNotFound();
    return service;
  }

  private settleCluster(cluster: ClusterRecord, now: number): void {
    for (const service of cluster.services.values()) this.settle(service, now);
  }

  private startDeployment(service: ServiceRecord, taskDefinition: TaskDefinitionRecord, at: number, rollbackTo?: DeploymentRecord): DeploymentRecord {
    const stabilizationMs = Math.max(0, this.settings.stabilizationMs);
    const failingContainer = taskDefinition.containerDefinitions.find(
      (container) => container.essential !== false && this.failingImages.has(container.image ?? ""),
    );
    const failingImage = failingContainer ? this.failingImages.get(failingContainer.image ?? "") : undefined;
    const threshold = Math.min(200, Math.max(3, Math.ceil(service.desiredCount / 2)));
    const id = `ecs-svc/${randomDigits(19)}`;
    const deployment: DeploymentRecord = {
      id,
      taskDefinition,
      desiredCount: service.desiredCount,
      createdAt: at,
      updatedAt: at,
      rolloutState: "IN_PROGRESS",
      rolloutStateReason: rollbackTo
        ? `ECS deployment circuit breaker: rolling back to deploymentId ${rollbackTo.id}.`
        : `ECS deployment ${id} in progress.`,
      completesAt: at + stabilizationMs,
      failure:
        failingContainer && service.desiredCount > 0
          ? {
              image: failingContainer.image ?? "",
              stoppedReason: failingImage?.stoppedReason ?? ESSENTIAL_EXITED,
              containerReason: failingImage?.stoppedReason,
            }
          : undefined,
      failedTasksLaunched: 0,
      failureIntervalMs: stabilizationMs / threshold,
      failureThreshold: threshold,
      tasks: [],
    };
    for (const previous of service.deployments) previous.updatedAt = Math.max(previous.updatedAt, at);
    service.deployments.unshift(deployment);
    // Real ECS runs every new task a while before the rollout completes: old tasks stop, health settles.
    const startWindowMs = Math.max(0, stabilizationMs - Math.min(stabilizationMs, this.settings.steadyStateMs ?? 0));
    if (!deployment.failure) this.launchTasks(service, deployment, service.desiredCount, at, startWindowMs);
    return deployment;
  }

  /** Starts `count` healthy tasks whose start times spread evenly over the rollout window. */
  private launchTasks(service: ServiceRecord, deployment: DeploymentRecord, count: number, at: number, windowMs: number): void {
    const started: TaskRecord[] = [];
    for (let index = 0; index < count; index += 1) {
      started.push(this.newTask(service, deployment, at, at + (windowMs * (index + 1)) / count));
    }
    if (started.length > 0) {
      this.addEvent(
        service,
        at,
        `(service ${service.name}) has started ${started.length} tasks: ${started.map((task) => `(task ${task.id})`).join(" ")}.`,
      );
    }
  }

  private newTask(service: ServiceRecord, deployment: DeploymentRecord, createdAt: number, startedAt: number): TaskRecord {
    const id = randomBytes(16).toString("hex");
    this.ipCounter += 1;
    const task: TaskRecord = {
      id,
      arn: `${this.arnPrefix()}:task/${service.cluster.name}/${id}`,
      cluster: service.cluster,
      taskDefinition: deployment.taskDefinition,
      service,
      launchType: launchTypeOf(service.settings),
      group: `service:${service.name}`,
      startedBy: deployment.id,
      enableExecuteCommand: service.settings.enableExecuteCommand ?? false,
      createdAt,
      startedAt,
      privateIp: `10.0.${(this.ipCounter >> 8) & 255}.${(this.ipCounter & 255) || 1}`,
      subnetId: service.settings.networkConfiguration?.awsvpcConfiguration?.subnets?.[0],
      tags: launchTags(service, deployment),
    };
    deployment.tasks.push(task);
    service.cluster.tasks.set(id, task);
    return task;
  }

  private stopTask(task: TaskRecord, requestedAt: number, stoppedAt: number, reason: string): void {
    if (task.stopRequestedAt !== undefined && task.stopRequestedAt <= requestedAt) return;
    task.stopRequestedAt = requestedAt;
    task.stoppedAt = Math.max(stoppedAt, requestedAt);
    task.stoppedReason = reason;
    task.stopCode = "ServiceSchedulerInitiated";
    task.exitCode = 0;
    // A task stopped before it started never runs.
    if (task.startedAt > task.stoppedAt) task.startedAt = task.stoppedAt;
  }

  /** Matches the live tasks of the PRIMARY deployment to a changed desiredCount. */
  private scalePrimary(service: ServiceRecord, now: number): void {
    const primary = service.deployments[0];
    if (!primary) return;
    primary.desiredCount = service.desiredCount;
    primary.updatedAt = now;
    if (primary.failure) return;
    const live = primary.tasks.filter((task) => task.stopRequestedAt === undefined);
    if (live.length < service.desiredCount) {
      const windowMs = this.settings.stabilizationMs;
      this.launchTasks(service, primary, service.desiredCount - live.length, now, windowMs);
      if (primary.rolloutState === "IN_PROGRESS") primary.completesAt = Math.max(primary.completesAt, now + windowMs);
    } else if (live.length > service.desiredCount) {
      const surplus = live.sort((a, b) => b.startedAt - a.startedAt).slice(0, live.length - service.desiredCount);
      for (const task of surplus) this.stopTask(task, now, now, `Scaling activity initiated by (deployment ${primary.id})`);
      this.addEvent(
        service,
        now,
        `(service ${service.name}) has stopped ${surplus.length} running tasks: ${surplus.map((task) => `(task ${task.id})`).join(" ")}.`,
      );
    }
  }

  /**
   * Brings a service's deployments up to `now` from their timestamps: nothing runs on timers, every read
   * replays what would have happened since the last one.
   */
  private settle(service: ServiceRecord, now: number): void {
    const until = service.deletedAt !== undefined ? Math.min(now, service.deletedAt) : now;
    for (;;) {
      const primary = service.deployments[0];
      if (!primary || primary.rolloutState !== "IN_PROGRESS") return;
      if (primary.failure) {
        const breaker = deploymentConfigurationOf(service.settings).deploymentCircuitBreaker;
        const failsAt = this.launchFailedTasks(service, primary, until, breaker.enable);
        if (!breaker.enable || failsAt === undefined || failsAt > until) return;
        this.failDeployment(service, primary, failsAt, breaker.rollback);
        if (service.deployments[0] === primary) return;
      } else {
        if (primary.completesAt > until) return;
        this.completeDeployment(service, primary, primary.completesAt);
      }
    }
  }

  /** Adds the failing tasks launched up to `until`; returns when the circuit breaker trips, if it does. */
  private launchFailedTasks(service: ServiceRecord, deployment: DeploymentRecord, until: number, breakerEnabled: boolean): number | undefined {
    const failure = deployment.failure;
    if (!failure) return undefined;
    const interval = Math.max(deployment.failureIntervalMs, 1);
    // Without a circuit breaker ECS keeps relaunching; cap the record so an old emulator does not grow without bound.
    const limit = breakerEnabled ? deployment.failureThreshold : 200;
    while (deployment.failedTasksLaunched < limit) {
      const createdAt = deployment.createdAt + deployment.failedTasksLaunched * interval;
      if (createdAt > until) break;
      const task = this.newTask(service, deployment, createdAt, createdAt + interval / 4);
      task.stopRequestedAt = createdAt + interval / 2;
      task.stoppedAt = task.stopRequestedAt;
      task.stoppedReason = failure.stoppedReason;
      // An exited container has an exit code; one that never started (e.g. CannotPullContainerError) has a reason.
      task.stopCode = failure.containerReason === undefined ? "EssentialContainerExited" : "TaskFailedToStart";
      task.exitCode = failure.containerReason === undefined ? 1 : undefined;
      task.containerReason = failure.containerReason;
      task.failed = true;
      deployment.failedTasksLaunched += 1;
      this.addEvent(service, createdAt, `(service ${service.name}) has started 1 tasks: (task ${task.id}).`);
    }
    const last = deployment.createdAt + (deployment.failureThreshold - 1) * interval + interval / 2;
    return breakerEnabled ? last : undefined;
  }

  private failDeployment(service: ServiceRecord, deployment: DeploymentRecord, at: number, rollback: boolean): void {
    deployment.rolloutState = "FAILED";
    deployment.rolloutStateReason = "ECS deployment circuit breaker: tasks failed to start.";
    deployment.updatedAt = at;
    this.addEvent(service, at, `(service ${service.name}) (deployment ${deployment.id}) deployment failed: tasks failed to start.`);
    if (!rollback) return;
    const target = service.deployments.find((candidate) => candidate !== deployment && candidate.rolloutState === "COMPLETED")
      ?? service.deployments.find((candidate) => candidate !== deployment);
    if (!target) return;
    this.addEvent(service, at, `(service ${service.name}) rolling back to deployment ${target.id}.`);
    service.taskDefinitionArn = target.taskDefinition.arn;
    this.startDeployment(service, target.taskDefinition, at, target);
  }

  private completeDeployment(service: ServiceRecord, deployment: DeploymentRecord, at: number): void {
    deployment.rolloutState = "COMPLETED";
    deployment.rolloutStateReason = `ECS deployment ${deployment.id} completed.`;
    deployment.completedAt = at;
    deployment.updatedAt = at;
    const replaced = service.deployments.filter((candidate) => candidate !== deployment);
    const stopped: TaskRecord[] = [];
    for (const old of replaced) {
      for (const task of old.tasks) {
        if (task.stopRequestedAt === undefined) {
          this.stopTask(task, at, at, `Scaling activity initiated by (deployment ${deployment.id})`);
          stopped.push(task);
        }
      }
    }
    service.deployments = [deployment];
    if (stopped.length > 0) {
      this.addEvent(
        service,
        at,
        `(service ${service.name}) has stopped ${stopped.length} running tasks: ${stopped.map((task) => `(task ${task.id})`).join(" ")}.`,
      );
    }
    this.addEvent(service, at, `(service ${service.name}) (deployment ${deployment.id}) deployment completed.`);
    this.addEvent(service, at, `(service ${service.name}) has reached a steady state.`);
  }

  private addEvent(service: ServiceRecord, at: number, message: string): void {
    const event = { id: randomUUID(), createdAt: at, message };
    const index = service.events.findIndex((existing) => existing.createdAt <= at);
    if (index < 0) service.events.push(event);
    else service.events.splice(index, 0, event);
    if (service.events.length > MAX_EVENTS) service.events.length = MAX_EVENTS;
  }

  private renderDeployment(service: ServiceRecord, deployment: DeploymentRecord, index: number, now: number): Record<string, unknown> {
    let running = 0;
    let pending = 0;
    let failed = 0;
    for (const task of deployment.tasks) {
      const status = lastStatus(task, now);
      if (status === "RUNNING") running += 1;
      else if (status === "PROVISIONING" || status === "PENDING") pending += 1;
      else if (status === "STOPPED" && task.failed) failed += 1;
    }
    const settings = service.settings;
    return withoutUndefined({
      id: deployment.id,
      status: index === 0 ? "PRIMARY" : "ACTIVE",
      taskDefinition: deployment.taskDefinition.arn,
      desiredCount: deployment.desiredCount,
      pendingCount: pending,
      runningCount: running,
      failedTasks: failed,
      createdAt: deployment.createdAt / 1000,
      updatedAt: deployment.updatedAt / 1000,
      launchType: launchTypeOf(settings),
      capacityProviderStrategy: settings.capacityProviderStrategy,
      platformVersion: launchTypeOf(settings) === "FARGATE" ? (settings.platformVersion ?? "LATEST") : undefined,
      networkConfiguration: settings.networkConfiguration,
      rolloutState: deployment.rolloutState,
      rolloutStateReason: deployment.rolloutStateReason,
    });
  }

}

function launchTags(service: ServiceRecord, deployment: DeploymentRecord): Tag[] {
  const settings = service.settings;
  const tags: Tag[] = [];
  if (settings.propagateTags === "SERVICE") tags.push(...service.tags);
  if (settings.propagateTags === "TASK_DEFINITION") tags.push(...deployment.taskDefinition.tags);
  if (settings.enableECSManagedTags) {
    tags.push({ key: "aws:ecs:clusterName", value: service.cluster.name });
    tags.push({ key: "aws:ecs:serviceName", value: service.name });
  }
  return tags;
}

function lastStatus(task: TaskRecord, now: number): "PROVISIONING" | "PENDING" | "RUNNING" | "DEACTIVATING" | "STOPPED" {
  if (task.stoppedAt !== undefined && task.stoppedAt <= now) return "STOPPED";
  if (task.stopRequestedAt !== undefined && task.stopRequestedAt <= now) return "DEACTIVATING";
  if (task.startedAt <= now) return "RUNNING";
  return now - task.createdAt < (task.startedAt - task.createdAt) / 2 ? "PROVISIONING" : "PENDING";
}

function desiredStatusOf(task: TaskRecord, now: number): "RUNNING" | "STOPPED" {
  return task.stopRequestedAt !== undefined && task.stopRequestedAt <= now ? "STOPPED" : "RUNNING";
}

function launchTypeOf(settings: ServiceSettings): string | undefined {
  if (settings.launchType !== undefined) return settings.launchType;
  return settings.capacityProviderStrategy?.length ? undefined : "EC2";
}

function deploymentConfigurationOf(settings: ServiceSettings): {
  deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
  maximumPercent: number;
  minimumHealthyPercent: number;
} & Record<string, unknown> {
  const given = settings.deploymentConfiguration ?? {};
  return {
    ...given,
    deploymentCircuitBreaker: {
      enable: given.deploymentCircuitBreaker?.enable ?? false,
      rollback: given.deploymentCircuitBreaker?.rollback ?? false,
    },
    maximumPercent: given.maximumPercent ?? 200,
    minimumHealthyPercent: given.minimumHealthyPercent ?? 100,
  };
}

function validatePlacement(settings: ServiceSettings, taskDefinition: TaskDefinitionRecord): void {
  if (settings.launchType !== undefined && settings.capacityProviderStrategy?.length) {
    throw invalidParameter("Specifying both a launch type and capacity provider strategy is not supported.");
  }
  const fargate =
    settings.launchType === "FARGATE" ||
    (settings.capacityProviderStrategy ?? []).some((item) => item.capacityProvider?.startsWith("FARGATE"));
  const compatible = taskDefinition.request.networkMode === "awsvpc" && taskDefinition.request.cpu !== undefined && taskDefinition.request.memory !== undefined;
  if (fargate && !compatible) throw invalidParameter("Task definition does not support launch_type FARGATE.");
  if (taskDefinition.request.networkMode === "awsvpc" && !settings.networkConfiguration?.awsvpcConfiguration) {
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function randomDigits(count: number): string {
  let digits = String(1 + (randomBytes(1)[0] ?? 0) % 9);
  while (digits.length < count) digits += String((randomBytes(1)[0] ?? 0) % 10);
  return digits;
}

function macAddressOf(taskId: string): string {
  return (taskId.slice(0, 12).match(/../g) ?? []).join(":");
}

function containerIdOf(taskId: string, containerName: string): string {
  const hex = Buffer.from(taskId + containerName).toString("hex").padEnd(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** JSON with sorted keys, so two requests with the same content compare equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : item,
  );
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
