// Pure: the one-off ECS task that runs the integration tests inside the cluster's network
// (runner: ecs-task, docs/design.md §5): its task definition, taken from a base service's, its
// RunTask request, and the command that probes the route before it runs the tests.
import type {
  ContainerDefinition,
  NetworkConfiguration,
  RegisterTaskDefinitionCommandInput,
  RunTaskCommandInput,
  Service,
  TaskDefinition,
} from "@aws-sdk/client-ecs";
import { ConfigurationError } from "../common/errors.js";
import type { TestTaskSettings } from "../config/integration-test-inputs.js";
import { INPUT } from "../config/action-io.js";
import { routeFamily } from "../ecs/names.js";
import { toEcsTags } from "../ecs/route-tags.js";
import { TEST_TASK_STARTED_BY } from "../ecs/tags.js";
import type { Route } from "../routing/route.js";
import { SERVED_BY_HEADER } from "../routing/signal.js";
import { describeTarget, type ProbeTarget } from "./probe-targets.js";
import { explainAnswer } from "./readiness.js";

/** The test container's name in its task definition, and so in its log stream's name. */
export const TEST_CONTAINER = "integration-test";

/** Where the awslogs driver writes the test container's output. */
export interface TaskLogLocation {
  group: string;
  /** `<awslogs-stream-prefix>/integration-test/<task id>` */
  streamPrefix: string;
  /** The awslogs-region when set, else the cluster's. */
  region: string | undefined;
}

/** The stream of one task: awslogs names it `<prefix>/<container>/<task id>`. */
export function taskLogStream(location: TaskLogLocation, taskArn: string): string {
  return `${location.streamPrefix}/${taskArn.split("/").at(-1) ?? taskArn}`;
}

/**
 * `<base family>--test--<route>`: no copy's family (a base family and a route hold no `--`), and it
 * ends with `--<route>` like a copy's, so the reaper retires it with the route's revisions.
 */
export function testTaskFamily(baseFamily: string, route: Route): string {
  return routeFamily(`${baseFamily}--test`, route);
}

function awslogsContainer(base: TaskDefinition): ContainerDefinition | undefined {
  return base.containerDefinitions?.find((container) => container.essential !== false && container.logConfiguration?.logDriver === "awslogs");
}

/**
 * The test task's definition: the base's execution role (it pulls the image and writes the logs),
 * network mode, compatibilities, size and awslogs configuration, with one container of the test
 * image. The tests get `task-role-arn`, never the base service's own role.
 */
export function testTaskDefinition(
  base: TaskDefinition,
  task: TestTaskSettings,
  family: string,
  tags: Record<string, string>,
): { definition: RegisterTaskDefinitionCommandInput; logs: TaskLogLocation } {
  const logging = awslogsContainer(base)?.logConfiguration;
  const options = logging?.options ?? {};
  const group = options["awslogs-group"];
  const prefix = options["awslogs-stream-prefix"];
  if (logging === undefined || group === undefined || prefix === undefined) {
    throw new ConfigurationError(
      `'${task.baseService}' has no essential container logging with awslogs (awslogs-group and awslogs-stream-prefix): the test task takes its log configuration, and its output is read from CloudWatch Logs; name a base service that has one`,
      INPUT.taskBaseService,
    );
  }
  const container: ContainerDefinition = {
    name: TEST_CONTAINER,
    image: task.image,
    essential: true,
    logConfiguration: { logDriver: "awslogs", options: { ...options } },
    // EC2 tasks without a task-level size need one on the container.
    ...(base.memory === undefined ? { memoryReservation: 256 } : {}),
  };
  const definition: RegisterTaskDefinitionCommandInput = {
    family,
    containerDefinitions: [container],
    ...(task.taskRoleArn !== undefined ? { taskRoleArn: task.taskRoleArn } : {}),
    ...(base.executionRoleArn !== undefined ? { executionRoleArn: base.executionRoleArn } : {}),
    ...(base.networkMode !== undefined ? { networkMode: base.networkMode } : {}),
    ...(base.requiresCompatibilities !== undefined ? { requiresCompatibilities: base.requiresCompatibilities } : {}),
    ...(base.cpu !== undefined ? { cpu: base.cpu } : {}),
    ...(base.memory !== undefined ? { memory: base.memory } : {}),
    ...(base.runtimePlatform !== undefined ? { runtimePlatform: base.runtimePlatform } : {}),
    tags: toEcsTags(tags),
  };
  return { definition, logs: { group, streamPrefix: `${prefix}/${TEST_CONTAINER}`, region: options["awslogs-region"] } };
}

function networkConfiguration(base: Service, task: TestTaskSettings): NetworkConfiguration | undefined {
  const vpc = base.networkConfiguration?.awsvpcConfiguration;
  const subnets = task.subnets ?? vpc?.subnets;
  if (subnets === undefined) return undefined;
  return {
    awsvpcConfiguration: {
      subnets,
      ...((task.securityGroups ?? vpc?.securityGroups) !== undefined ? { securityGroups: task.securityGroups ?? vpc?.securityGroups } : {}),
      ...(vpc?.assignPublicIp !== undefined ? { assignPublicIp: vpc.assignPublicIp } : {}),
    },
  };
}

/** RunTask of the test task: placement as the base service has it unless given, the command and environment as overrides. */
export function runTestTaskRequest(options: {
  cluster: string;
  base: Service;
  task: TestTaskSettings;
  taskDefinitionArn: string;
  command: string[];
  environment: Record<string, string>;
  tags: Record<string, string>;
}): RunTaskCommandInput {
  const { base, task } = options;
  const network = networkConfiguration(base, task);
  // An explicit launch type replaces the base's capacity providers; otherwise the base's placement as it is.
  const placement =
    task.launchType !== undefined
      ? { launchType: task.launchType }
      : base.capacityProviderStrategy !== undefined && base.capacityProviderStrategy.length > 0
        ? { capacityProviderStrategy: base.capacityProviderStrategy }
        : base.launchType !== undefined
          ? { launchType: base.launchType }
          : {};
  const fargate = (task.launchType ?? base.launchType) === "FARGATE";
  return {
    cluster: options.cluster,
    taskDefinition: options.taskDefinitionArn,
    count: 1,
    ...placement,
    ...(fargate && task.launchType === undefined && base.platformVersion !== undefined ? { platformVersion: base.platformVersion } : {}),
    ...(network !== undefined ? { networkConfiguration: network } : {}),
    startedBy: TEST_TASK_STARTED_BY,
    overrides: {
      containerOverrides: [
        {
          name: TEST_CONTAINER,
          command: options.command,
          environment: Object.entries(options.environment).map(([name, value]) => ({ name, value })),
        },
      ],
    },
    tags: toEcsTags(options.tags),
  };
}

/** The probes the task runs before the tests, as integration-test would run them on the runner. */
export interface TaskProbes {
  targets: readonly ProbeTarget[];
  route: Route;
  headers: Record<string, string>;
  timeoutMs: number;
  intervalMs: number;
}

/** ECS caps a task's overrides at 8192 characters; the command must leave room for the environment. */
const MAX_COMMAND_LENGTH = 6000;
const REQUEST_TIMEOUT_SECONDS = 10;

/** POSIX shell single quoting: any text, taken literally. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** A probe target as curl sends it: the Host and TLS server name through `--connect-to` the entrypoint. */
function curlTarget(target: ProbeTarget): { url: string; connectTo: string } {
  if (target.host === undefined) return { url: target.url, connectTo: "" };
  const entrypoint = new URL(target.url);
  const defaultPort = entrypoint.protocol === "https:" ? "443" : "80";
  const virtual = new URL(`${entrypoint.protocol}//${target.host}`);
  return {
    url: `${entrypoint.protocol}//${target.host}${entrypoint.pathname}${entrypoint.search}`,
    connectTo: `${virtual.hostname}:${virtual.port || defaultPort}:${entrypoint.hostname}:${entrypoint.port || defaultPort}`,
  };
}

/**
 * The test container's command: `sh -c` of a script that, with probes, first waits (curl, one
 * target after another, one shared deadline) until each target answers from the route with the
 * routing header, cookie and baggage, exactly as integration-test decides on the runner, and
 * explains a late one in the same words; then it runs `run` with `sh -c`. A probe timeout exits 1.
 */
export function testTaskCommand(run: string, probes: TaskProbes | undefined): string[] {
  if (probes === undefined || probes.targets.length === 0) return ["sh", "-c", run];
  const { route } = probes;
  const headers = Object.entries(probes.headers)
    .map(([name, value]) => `-H ${shellQuote(`${name}: ${value}`)}`)
    .join(" ");
  const seconds = Math.ceil(probes.timeoutMs / 1000);
  const lines = [
    `command -v curl >/dev/null 2>&1 || { echo 'the test image has no curl: the probes need it (or leave entrypoint-url and probe-urls out)' >&2; exit 1; }`,
    `route=${shellQuote(route)}`,
    `start=$(date +%s); deadline=$((start + ${seconds}))`,
    `get() { curl -sS -o /dev/null -D - --max-time ${REQUEST_TIMEOUT_SECONDS} ${headers} "$@"; }`,
    // $1 name, $2 URL, $3 connect-to, then why when: the route answers 5xx, no route's router answered, another route answered, nothing answered.
    `live() {`,
    `  last=''`,
    `  while :; do`,
    `    if [ -n "$3" ]; then out=$(get --connect-to "$3" "$2" 2>&1); else out=$(get "$2" 2>&1); fi`,
    `    if [ $? -eq 0 ]; then`,
    `      status=$(printf '%s\\n' "$out" | sed -n '1s/^HTTP\\/[0-9.]* \\([0-9]*\\).*/\\1/p')`,
    `      by=$(printf '%s\\n' "$out" | tr -d '\\r' | grep -i '^${SERVED_BY_HEADER}:' | head -n 1 | sed 's/^[^:]*:[[:space:]]*//; s/[[:space:]]*$//')`,
    `      if [ "$by" = "$route" ] && [ "$status" -lt 500 ]; then echo "$1 answered $status by $by after $(($(date +%s) - start)) s"; return 0; fi`,
    `      if [ -z "$by" ]; then answer="answered $status without ${SERVED_BY_HEADER}"; why=$5; else answer="answered $status by $by"; why=$6; fi`,
    `      if [ "$by" = "$route" ]; then why=$4; fi`,
    `    else`,
    `      answer="failed: $(printf '%s\\n' "$out" | tail -n 1)"; why=$7`,
    `    fi`,
    `    if [ "$(date +%s)" -ge "$deadline" ]; then echo "route $route not live after ${seconds} s: $1 $answer: $why" >&2; return 1; fi`,
    `    if [ "$answer" != "$last" ]; then echo "$1 $answer, waiting"; last=$answer; fi`,
    `    sleep ${formatSeconds(probes.intervalMs)}`,
    `  done`,
    `}`,
    ...probes.targets.map((target) => {
      const { url, connectTo } = curlTarget(target);
      const why = [
        explainAnswer({ kind: "answered", status: 503, servedBy: route }, route, target),
        explainAnswer({ kind: "answered", status: 404, servedBy: undefined }, route, target),
        explainAnswer({ kind: "answered", status: 404, servedBy: "shadow" }, route, target),
        explainAnswer({ kind: "failed", reason: "" }, route, target),
      ];
      return `live ${[describeTarget(target), url, connectTo, ...why].map(shellQuote).join(" ")} || exit 1`;
    }),
    `exec sh -c ${shellQuote(run)}`,
  ];
  const script = lines.join("\n");
  if (script.length > MAX_COMMAND_LENGTH) {
    throw new ConfigurationError(
      `with its ${probes.targets.length} probes the test task's command would be ${script.length} characters, over the ${MAX_COMMAND_LENGTH} ECS leaves it; put the tests in a script in the image and run that`,
      INPUT.run,
    );
  }
  return ["sh", "-c", script];
}

/** Outside text (a stopped reason) on one log line: no line break can start a workflow command. */
export function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, " ").trim();
}

/** `2`, `0.5`: what POSIX sleep (and busybox's) takes. */
function formatSeconds(ms: number): string {
  return String(Math.max(ms, 1) / 1000);
}
