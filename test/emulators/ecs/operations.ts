import type {
  CreateServiceRequest,
  RegisterTaskDefinitionRequest,
  RunTaskRequest,
  UpdateServiceRequest,
} from "@aws-sdk/client-ecs";
import { EcsApiError } from "./errors.js";
import type { EcsModel } from "./services.js";
import type { Tag } from "./tags.js";

/** A JSON request body as the SDK sends it; each handler reads the members its operation defines. */
type Body = Record<string, unknown> & {
  cluster?: string;
  include?: string[];
  maxResults?: number;
  nextToken?: string;
};

type Handler = (model: EcsModel, body: Body, now: number) => Record<string, unknown>;

const includesTags = (body: Body): boolean => Array.isArray(body.include) && body.include.includes("TAGS");

/** The ECS operations the emulator answers, by their X-Amz-Target operation name. */
export const operations: Record<string, { mutating: boolean; handle: Handler }> = {
  CreateCluster: {
    mutating: true,
    handle: (model, body, now) => ({
      cluster: model.renderCluster(model.createCluster(body as { clusterName?: string; tags?: Tag[] }), now, true),
    }),
  },
  DescribeClusters: {
    mutating: false,
    handle: (model, body, now) => {
      const result = model.describeClusters(body.clusters as string[] | undefined, now);
      return {
        clusters: result.clusters.map((cluster) => model.renderCluster(cluster, now, includesTags(body))),
        failures: result.failures,
      };
    },
  },
  ListClusters: {
    mutating: false,
    handle: (model, body) => {
      const page = model.listClusters(body);
      return { clusterArns: page.items.map((cluster) => cluster.arn), nextToken: page.nextToken };
    },
  },
  RegisterTaskDefinition: {
    mutating: true,
    handle: (model, body, now) => {
      const record = model.taskDefinitions.register(body as unknown as RegisterTaskDefinitionRequest, now);
      return { taskDefinition: model.taskDefinitions.render(record), tags: record.tags };
    },
  },
  DescribeTaskDefinition: {
    mutating: false,
    handle: (model, body) => {
      const record = model.taskDefinitions.require(body.taskDefinition as string | undefined);
      return { taskDefinition: model.taskDefinitions.render(record), tags: includesTags(body) ? record.tags : undefined };
    },
  },
  DeregisterTaskDefinition: {
    mutating: true,
    handle: (model, body, now) => ({
      taskDefinition: model.taskDefinitions.render(model.taskDefinitions.deregister(body.taskDefinition as string | undefined, now)),
    }),
  },
  DeleteTaskDefinitions: {
    mutating: true,
    handle: (model, body, now) => {
      const result = model.taskDefinitions.delete(body.taskDefinitions as string[] | undefined, now);
      return {
        taskDefinitions: result.deleted.map((record) => model.taskDefinitions.render(record)),
        failures: result.failures,
      };
    },
  },
  ListTaskDefinitions: {
    mutating: false,
    handle: (model, body) => {
      const page = model.taskDefinitions.list(body as Parameters<EcsModel["taskDefinitions"]["list"]>[0]);
      return { taskDefinitionArns: page.items.map((record) => record.arn), nextToken: page.nextToken };
    },
  },
  CreateService: {
    mutating: true,
    handle: (model, body, now) => ({
      service: model.renderService(model.createService(body as unknown as CreateServiceRequest, now), now, false),
    }),
  },
  UpdateService: {
    mutating: true,
    handle: (model, body, now) => ({
      service: model.renderService(model.updateService(body as unknown as UpdateServiceRequest, now), now, false),
    }),
  },
  DeleteService: {
    mutating: true,
    handle: (model, body, now) => ({
      service: model.renderService(model.deleteService(body as { cluster?: string; service?: string; force?: boolean }, now), now, false),
    }),
  },
  DescribeServices: {
    mutating: false,
    handle: (model, body, now) => {
      const result = model.describeServices(body.cluster, body.services as string[] | undefined, now);
      return {
        services: result.services.map((service) => model.renderService(service, now, includesTags(body))),
        failures: result.failures,
      };
    },
  },
  ListServices: {
    mutating: false,
    handle: (model, body, now) => {
      const page = model.listServices(body, now);
      return { serviceArns: page.items, nextToken: page.nextToken };
    },
  },
  ListTasks: {
    mutating: false,
    handle: (model, body, now) => {
      const page = model.listTasks(body, now);
      return { taskArns: page.items, nextToken: page.nextToken };
    },
  },
  DescribeTasks: {
    mutating: false,
    handle: (model, body, now) => {
      const result = model.describeTasks(body.cluster, body.tasks as string[] | undefined, now);
      return {
        tasks: result.tasks.map((task) => model.renderTask(task, now, includesTags(body))),
        failures: result.failures,
      };
    },
  },
  RunTask: {
    mutating: true,
    handle: (model, body, now) => {
      const tasks = model.runTask(body as unknown as RunTaskRequest, now);
      return { tasks: tasks.map((task) => model.renderTask(task, now, true)), failures: [] };
    },
  },
  StopTask: {
    mutating: true,
    handle: (model, body, now) => {
      const task = model.stopTaskByUser(body.cluster as string | undefined, body.task as string | undefined, body.reason as string | undefined, now);
      return { task: model.renderTask(task, now, false) };
    },
  },
  TagResource: {
    mutating: true,
    handle: (model, body, now) => {
      model.tagResource(body.resourceArn as string | undefined, body.tags as Tag[] | undefined, now);
      return {};
    },
  },
  UntagResource: {
    mutating: true,
    handle: (model, body, now) => {
      model.untagResource(body.resourceArn as string | undefined, body.tagKeys as string[] | undefined, now);
      return {};
    },
  },
  ListTagsForResource: {
    mutating: false,
    handle: (model, body, now) => ({ tags: model.tagsOf(body.resourceArn as string | undefined, now).get() }),
  },
};

export function unknownOperation(operation: string): EcsApiError {
  return new EcsApiError("UnknownOperationException", `Unknown operation ${operation}.`);
}
