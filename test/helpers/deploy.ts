// Base services seeded into the ECS emulator, and a real SDK client to inspect what the actions made.
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import assert from "node:assert/strict";
import { fromEcsTags } from "../../src/ecs/route-tags.js";
import { startEcsEmulator, type EcsEmulator } from "../emulators/ecs/index.js";
import { ecsClient } from "./ecs.js";
import { startGitHubEmulator, type GitHubEmulator } from "../emulators/github/index.js";
import { runBundle, type BundleRun } from "./action-runner.js";
import { pullRequestEvent, REPOSITORY } from "./webhooks.js";

export const SUBNETS = { awsvpcConfiguration: { subnets: ["subnet-0a1b2c3d"], securityGroups: ["sg-0a1b2c3d"], assignPublicIp: "DISABLED" as const } };

/** The task definition of a Fargate base service: the routed container `app` with its own Traefik router, and a log router. */
export function baseTaskDefinition(name: string, labels?: Record<string, string>): RegisterTaskDefinitionCommandInput {
  return {
    family: name,
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: "256",
    memory: "512",
    executionRoleArn: "arn:aws:iam::123456789012:role/ecs-task-execution",
    containerDefinitions: [
      {
        name: "app",
        image: `registry.example.com/${name}:main-1`,
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: "tcp" }],
        environment: [{ name: "OTEL_RESOURCE_ATTRIBUTES", value: `service.name=${name}` }],
        dockerLabels: labels ?? {
          "traefik.enable": "true",
          [`traefik.http.routers.${name}.rule`]: `Host(\`${name}.dev.internal\`)`,
          [`traefik.http.services.${name}.loadbalancer.server.port`]: "8080",
        },
      },
      { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", essential: false },
    ],
  };
}

/**
 * baseTaskDefinition with its app container logging to CloudWatch Logs (awslogs, group /ecs/dev, stream
 * prefix the service's name): the base a runner: ecs-task test task takes its log configuration from.
 */
export function loggingTaskDefinition(name: string, options: Record<string, string> = {}): RegisterTaskDefinitionCommandInput {
  const definition = baseTaskDefinition(name);
  const [app, ...others] = definition.containerDefinitions ?? [];
  return {
    ...definition,
    containerDefinitions: [{ ...app, logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/dev", "awslogs-stream-prefix": name, ...options } } }, ...others],
  };
}

/** A Fargate base service like the ones teams deploy by hand, with its own Traefik router. */
export function seedBaseService(
  emulator: EcsEmulator,
  name: string,
  options: { desiredCount?: number; cluster?: string; taskDefinition?: RegisterTaskDefinitionCommandInput } = {},
): { serviceArn: string; taskDefinitionArn: string } {
  return emulator.seedService({
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    taskDefinition: options.taskDefinition ?? baseTaskDefinition(name),
    service: {
      serviceName: name,
      desiredCount: options.desiredCount ?? 2,
      launchType: "FARGATE",
      networkConfiguration: SUBNETS,
      enableExecuteCommand: true,
    },
    stable: true,
  });
}

export async function describeService(client: ECSClient, name: string, cluster = "default"): Promise<Service | undefined> {
  const answer = await client.send(new DescribeServicesCommand({ cluster, services: [name], include: ["TAGS"] }));
  return answer.services?.[0];
}

export async function describeTaskDefinition(client: ECSClient, taskDefinition: string): Promise<{ taskDefinition: TaskDefinition; tags: Record<string, string> }> {
  const answer = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ["TAGS"] }));
  return { taskDefinition: answer.taskDefinition ?? {}, tags: fromEcsTags(answer.tags) };
}

export async function resourceTags(client: ECSClient, resourceArn: string): Promise<Record<string, string>> {
  return fromEcsTags((await client.send(new ListTagsForResourceCommand({ resourceArn }))).tags);
}

/** The mutating operations the emulator answered (successfully or not). */
export function mutatingCalls(emulator: EcsEmulator): string[] {
  return emulator.calls().filter((call) => call.mutating).map((call) => call.operation);
}

/** The repository of GitHub's webhook examples, where every test pull request lives. */
export { REPOSITORY };

/** Runs the deploy-ephemeral bundle for pull request `number` at `headSha`, as the runner does on a pull_request event. */
export function runDeployEphemeral(
  emulators: { ecs: EcsEmulator; github: GitHubEmulator },
  pullRequest: { number: number; headSha: string; action?: string; fork?: boolean; draft?: boolean },
  inputs: Record<string, string>,
): Promise<BundleRun> {
  const { number, headSha } = pullRequest;
  emulators.github.addPullRequest(REPOSITORY, { number, state: "open", headSha });
  return runBundle("deploy-ephemeral", {
    inputs,
    event: {
      name: "pull_request",
      payload: pullRequestEvent(pullRequest.action ?? "opened", { number, headSha, fork: pullRequest.fork ?? false, draft: pullRequest.draft ?? false }),
    },
    env: { ...emulators.ecs.endpointEnv(), GITHUB_API_URL: emulators.github.url },
  });
}

export function assertSucceeded(run: BundleRun): void {
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
  assert.deepEqual(run.errors, []);
}

/** What a deploy-and-reap test runs against: the ECS (and tagging) and GitHub emulators, and a client. */
export interface RouteEmulators {
  ecs: EcsEmulator;
  github: GitHubEmulator;
  client: ECSClient;
  close(): Promise<void>;
}

/** The emulators with REPOSITORY, an Actions token `token` and the base services seeded. */
export async function startRouteEmulators(token: string, baseServices: readonly string[]): Promise<RouteEmulators> {
  const ecs = await startEcsEmulator({ stabilizationMs: 100, drainMs: 100 });
  const github = await startGitHubEmulator();
  github.addRepository(REPOSITORY);
  github.addToken(token, { login: "github-actions[bot]", type: "Bot", installation: true });
  const client = ecsClient(ecs);
  for (const name of baseServices) seedBaseService(ecs, name);
  return {
    ecs,
    github,
    client,
    close: async () => {
      client.destroy();
      await ecs.close();
      await github.close();
    },
  };
}

/** The ACTIVE revisions of exactly `family`: a route's copy is torn down when there are none. */
export async function activeRevisions(client: ECSClient, family: string): Promise<string[]> {
  const answer = await client.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE" }));
  return (answer.taskDefinitionArns ?? []).filter((arn) => arn.includes(`/${family}:`));
}
