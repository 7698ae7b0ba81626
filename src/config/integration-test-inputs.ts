// The one settings reader of integration-test: every input read and checked once, before anything
// is probed, started or created.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigurationError } from "../common/errors.js";
import type { RepositoryIdentity } from "../ecs/ownership.js";
import { readWorkflowEvent, routeFromEvent } from "../github/event.js";
import type { RoutingSignal } from "../integration/environment.js";
import { validateRoute } from "../routing/route.js";
import { extraBaggageEntries } from "../routing/signal.js";
import { ECS_NAME_PATTERN } from "../ecs/names.js";
import { redactCredentials, splitCredentials } from "../integration/url-credentials.js";
import { INPUT, type InputName } from "./action-io.js";
import { readCluster } from "./cluster-input.js";
import { Inputs } from "./inputs.js";
import { readSignalNames } from "./signal-inputs.js";

/** Where the test command runs: on the runner, or as a one-off ECS task in the cluster (docs/design.md §5). */
export const RUNNERS = ["local", "ecs-task"] as const;
export type Runner = (typeof RUNNERS)[number];

export const LAUNCH_TYPES = ["FARGATE", "EC2", "EXTERNAL"] as const;

/** How the test task is made and run (runner: ecs-task). */
export interface TestTaskSettings {
  image: string;
  /** The base service whose network configuration, launch type, execution role, size and awslogs configuration the task takes. */
  baseService: string;
  subnets: string[] | undefined;
  securityGroups: string[] | undefined;
  launchType: (typeof LAUNCH_TYPES)[number] | undefined;
  taskRoleArn: string | undefined;
  /** How often the task's status and its log stream are read. */
  pollIntervalMs: number;
  /** The commit under test, for the task's tags. */
  commit: string;
}

export interface IntegrationTestSettings {
  run: string;
  runner: Runner;
  /** Set for runner: ecs-task. */
  task: TestTaskSettings | undefined;
  workingDirectory: string;
  signal: RoutingSignal;
  /** Explicit probes; they win over derived ones. */
  probeUrls: string[];
  /** Where Traefik listens; given, the route's copies are read from ECS and probed through it (docs/design.md §5). */
  entrypointUrl: URL | undefined;
  /** Replaces the path of every derived probe. */
  probePath: string | undefined;
  cluster: string;
  /** Whose copies count and whose the test task is (docs/design.md §4); the name alone (id undefined) without ECS. */
  repository: RepositoryIdentity;
  probeTimeoutMs: number;
  probeIntervalMs: number;
  proxy: boolean;
  /** The `user:password@` of probe-urls and entrypoint-url, for the runner to mask: sent as basic auth, never shown. */
  secrets: string[];
}

export function readIntegrationTestSettings(inputs = new Inputs(), env: NodeJS.ProcessEnv = process.env): IntegrationTestSettings {
  const run = inputs.text(INPUT.run);
  if (run === undefined) {
    throw new ConfigurationError("is required; give the test command, e.g. npm run test:integration", INPUT.run);
  }
  const names = readSignalNames(inputs);
  const givenRoute = inputs.optionalString(INPUT.route);
  const route = givenRoute === undefined ? routeFromEvent(readWorkflowEvent(env)) : validateRoute(givenRoute);
  const extraBaggage = extraBaggageEntries(inputs.text(INPUT.baggage) ?? "");
  const entrypointUrl = httpUrl(inputs.optionalString(INPUT.entrypointUrl), INPUT.entrypointUrl, "https://traefik.dev.internal");
  const probePath = inputs.optionalString(INPUT.probePath);
  if (probePath !== undefined) {
    if (entrypointUrl === undefined) {
      throw new ConfigurationError("replaces the path of the probes derived from the route's copies; give entrypoint-url too", INPUT.probePath);
    }
    if (!/^\/[^\s?#]*$/.test(probePath)) {
      throw new ConfigurationError(`'${probePath}' is not a path; write one starting with /, e.g. /health`, INPUT.probePath);
    }
  }
  const urls = probeUrls(inputs.text(INPUT.probeUrls) ?? "");
  const runner = inputs.choice(INPUT.runner, RUNNERS, "local");
  const proxy = inputs.boolean(INPUT.proxy, false);
  const task = runner === "ecs-task" ? readTestTask(inputs, env) : undefined;
  if (task === undefined && inputs.optionalString(INPUT.testImage) !== undefined) {
    throw new ConfigurationError("is the image of the test task; set runner: ecs-task too, or leave test-image out to run on the runner", INPUT.testImage);
  }
  if (task !== undefined) {
    if (proxy) {
      throw new ConfigurationError("runs on the runner, so it cannot reach a test task; with runner: ecs-task the tests send ROUTE_HEADER (or ROUTE_BAGGAGE) themselves", INPUT.proxy);
    }
    const withCredentials = [...urls, ...(entrypointUrl === undefined ? [] : [entrypointUrl.href])].find((url) => splitCredentials(url).authorization !== undefined);
    if (withCredentials !== undefined) {
      // The task's command is readable by anyone allowed ecs:DescribeTasks: no password goes into it.
      throw new ConfigurationError(
        `'${redactCredentials(withCredentials)}' has credentials; a test task probes from inside the cluster's network, so give the private entrypoint without user:password@`,
        urls.includes(withCredentials) ? INPUT.probeUrls : INPUT.entrypointUrl,
      );
    }
  }
  return {
    run,
    runner,
    task,
    workingDirectory: workingDirectory(inputs.string(INPUT.workingDirectory, ".")),
    signal: { route, names, extraBaggage },
    probeUrls: urls,
    entrypointUrl,
    probePath,
    cluster: readCluster(inputs),
    repository: repositoryIdentity(entrypointUrl !== undefined || task !== undefined, env),
    probeTimeoutMs: inputs.number(INPUT.probeTimeout, 300, { min: 0, max: 86_400 }) * 1000,
    probeIntervalMs: inputs.number(INPUT.probeInterval, 2, { min: 0.05, max: 3_600 }) * 1000,
    proxy,
    secrets: [...urls, ...(entrypointUrl === undefined ? [] : [entrypointUrl.href])].flatMap((url) => splitCredentials(url).secrets),
  };
}

function readTestTask(inputs: Inputs, env: NodeJS.ProcessEnv): TestTaskSettings {
  const event = readWorkflowEvent(env);
  const image = inputs.requiredString(INPUT.testImage, "with runner: ecs-task, give the image the tests run in, e.g. ghcr.io/acme/shop-tests:1.4 (it needs sh, and curl when probes run)");
  const baseService = inputs.requiredString(
    INPUT.taskBaseService,
    "with runner: ecs-task, name the base service whose network, launch type, execution role and awslogs configuration the test task takes, e.g. orders",
  );
  if (!ECS_NAME_PATTERN.test(baseService)) {
    throw new ConfigurationError(`'${baseService}' is not an ECS service name (letters, digits, '-', '_')`, INPUT.taskBaseService);
  }
  const subnets = inputs.list(INPUT.taskSubnets);
  const securityGroups = inputs.list(INPUT.taskSecurityGroups);
  for (const [input, ids, prefix] of [[INPUT.taskSubnets, subnets, "subnet-"], [INPUT.taskSecurityGroups, securityGroups, "sg-"]] as const) {
    const wrong = ids.find((id) => !new RegExp(`^${prefix}[0-9a-f]+$`).test(id));
    if (wrong !== undefined) throw new ConfigurationError(`'${wrong}' is not an id like ${prefix}0a1b2c3d`, input);
  }
  const launchType = inputs.optionalString(INPUT.taskLaunchType) === undefined ? undefined : inputs.choice(INPUT.taskLaunchType, LAUNCH_TYPES, "FARGATE");
  const taskRoleArn = inputs.optionalString(INPUT.taskRoleArn);
  if (taskRoleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(taskRoleArn)) {
    throw new ConfigurationError(`'${taskRoleArn}' is not an IAM role ARN, e.g. arn:aws:iam::123456789012:role/shop-tests`, INPUT.taskRoleArn);
  }
  return {
    image,
    baseService,
    subnets: subnets.length > 0 ? subnets : undefined,
    securityGroups: securityGroups.length > 0 ? securityGroups : undefined,
    launchType,
    taskRoleArn,
    pollIntervalMs: inputs.number(INPUT.logPollInterval, 2, { min: 0.2, max: 60 }) * 1000,
    commit: event.sha,
  };
}

/**
 * The repository whose copies are looked up and whose test task runs: from the workflow run when ECS
 * is asked (its id too), else GITHUB_REPOSITORY as it is, since a run with probe-urls alone needs no event.
 */
function repositoryIdentity(usesEcs: boolean, env: NodeJS.ProcessEnv): RepositoryIdentity {
  if (!usesEcs) return { name: env.GITHUB_REPOSITORY ?? "", id: undefined };
  const event = readWorkflowEvent(env);
  return { name: event.repository, id: event.repositoryId };
}

function workingDirectory(path: string): string {
  const absolute = resolve(path);
  if (!statSync(absolute, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigurationError(`'${path}' is not a directory; check out the code first or fix the path`, INPUT.workingDirectory);
  }
  return absolute;
}

function httpUrl(text: string | undefined, input: InputName, example: string): URL | undefined {
  if (text === undefined) return undefined;
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new ConfigurationError(`'${redactCredentials(text)}' is not an http(s) URL, e.g. ${example}`, input);
  }
  return new URL(text);
}

/** One URL a line (a URL may contain commas, so only newlines separate). */
function probeUrls(text: string): string[] {
  const urls = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  for (const url of urls) httpUrl(url, INPUT.probeUrls, "https://orders.dev.example.com/health (one URL a line)");
  return urls;
}
