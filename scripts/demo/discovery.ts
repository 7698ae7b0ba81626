// Reads a cluster the way Traefik's ECS provider does (FACTS: Traefik): ListTasks (desiredStatus
// RUNNING), DescribeTasks, and DescribeTaskDefinition cached per task definition ARN; one instance
// per container, with the container's dockerLabels, its port mappings and the task's ENI address.
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type ECSClient,
  type Task,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";

/** One container of one RUNNING task: what Traefik turns into routers, services and servers. */
export interface EcsInstance {
  taskArn: string;
  taskDefinitionArn: string;
  /** The ECS service that started the task; the task's `group` is `service:<name>`. */
  service: string;
  container: string;
  image: string;
  labels: Record<string, string>;
  environment: Record<string, string>;
  /** Container ports of the port mappings, in the task definition's order. */
  ports: number[];
  /** The private IPv4 of the task's ENI (awsvpc). */
  address: string | undefined;
}

/** DescribeTasks takes at most 100 tasks a call. */
const DESCRIBE_TASKS_BATCH = 100;

export class EcsDiscovery {
  /** Task definitions never change under one ARN, so Traefik caches them; so does this. */
  private readonly taskDefinitions = new Map<string, Promise<TaskDefinition>>();

  constructor(
    private readonly client: ECSClient,
    private readonly cluster: string,
  ) {}

  async instances(): Promise<EcsInstance[]> {
    const taskArns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListTasksCommand({ cluster: this.cluster, desiredStatus: "RUNNING", nextToken }));
      taskArns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);

    const tasks: Task[] = [];
    for (let start = 0; start < taskArns.length; start += DESCRIBE_TASKS_BATCH) {
      const described = await this.client.send(
        new DescribeTasksCommand({ cluster: this.cluster, tasks: taskArns.slice(start, start + DESCRIBE_TASKS_BATCH) }),
      );
      tasks.push(...(described.tasks ?? []));
    }

    const instances: EcsInstance[] = [];
    for (const task of tasks) {
      if (task.lastStatus !== "RUNNING" || task.taskArn === undefined || task.taskDefinitionArn === undefined) continue;
      const definition = await this.taskDefinition(task.taskDefinitionArn);
      for (const container of definition.containerDefinitions ?? []) {
        if (container.name === undefined) continue;
        instances.push({
          taskArn: task.taskArn,
          taskDefinitionArn: task.taskDefinitionArn,
          service: serviceOf(task),
          container: container.name,
          image: container.image ?? "",
          labels: container.dockerLabels ?? {},
          environment: Object.fromEntries((container.environment ?? []).map((variable) => [variable.name ?? "", variable.value ?? ""])),
          ports: (container.portMappings ?? []).flatMap((mapping) => (mapping.containerPort === undefined ? [] : [mapping.containerPort])),
          address: privateAddress(task, container.name),
        });
      }
    }
    return instances;
  }

  private taskDefinition(arn: string): Promise<TaskDefinition> {
    let cached = this.taskDefinitions.get(arn);
    if (cached === undefined) {
      cached = this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })).then((answer) => {
        if (answer.taskDefinition === undefined) throw new Error(`DescribeTaskDefinition ${arn} returned no task definition`);
        return answer.taskDefinition;
      });
      // A failed read is retried on the next refresh instead of being cached.
      cached.catch(() => this.taskDefinitions.delete(arn));
      this.taskDefinitions.set(arn, cached);
    }
    return cached;
  }
}

function serviceOf(task: Task): string {
  const group = task.group ?? "";
  return group.startsWith("service:") ? group.slice("service:".length) : group;
}

function privateAddress(task: Task, containerName: string): string | undefined {
  const container = task.containers?.find((candidate) => candidate.name === containerName);
  const fromContainer = container?.networkInterfaces?.[0]?.privateIpv4Address;
  if (fromContainer !== undefined) return fromContainer;
  const eni = task.attachments?.find((attachment) => attachment.type === "ElasticNetworkInterface");
  return eni?.details?.find((detail) => detail.name === "privateIPv4Address")?.value;
}
