// The names of every action input and output, as the action.yml files spell them: code reads and
// writes them, and errors name them, only through these constants.

/** Action inputs (the root action.yml forwards each to the sub-action that takes it). */
export const INPUT = {
  // Where the copies run and which base services they copy (deploy-shadow, deploy-ephemeral).
  cluster: "cluster",
  service: "service",
  container: "container",
  image: "image",
  match: "match",
  port: "port",
  protocol: "protocol",
  services: "services",
  environment: "environment",
  route: "route",
  routeTemplate: "route-template",
  // How a request names its route (every action that routes or sends requests).
  header: "header",
  cookie: "cookie",
  baggageKey: "baggage-key",
  // The copies' Traefik routers.
  ruleSyntax: "rule-syntax",
  entrypoints: "entrypoints",
  fallback: "fallback",
  priority: "priority",
  fallbackPriority: "fallback-priority",
  // The rollout.
  desiredCount: "desired-count",
  wait: "wait",
  timeoutMinutes: "timeout-minutes",
  ttl: "ttl",
  tags: "tags",
  maxConcurrency: "max-concurrency",
  // Per-route data: shell commands run before the copies are made and after they are removed.
  onDeploy: "on-deploy",
  onReap: "on-reap",
  // A pull-request route is its current change set (deploy-ephemeral).
  prune: "prune",
  // deploy-shadow: deploy a ref other than the default branch.
  allowAnyBranch: "allow-any-branch",
  // What copies cost (deploy-shadow, deploy-ephemeral, reap).
  priceVcpuHour: "price-vcpu-hour",
  priceGibHour: "price-gib-hour",
  // The pull-request side (deploy-ephemeral, reap).
  githubToken: "github-token",
  comment: "comment",
  deployment: "deployment",
  environmentUrl: "environment-url",
  allowForks: "allow-forks",
  skipDraft: "skip-draft",
  // integration-test.
  run: "run",
  workingDirectory: "working-directory",
  probeUrls: "probe-urls",
  entrypointUrl: "entrypoint-url",
  probePath: "probe-path",
  probeTimeout: "probe-timeout",
  probeInterval: "probe-interval",
  proxy: "proxy",
  baggage: "baggage",
  // integration-test with runner: ecs-task.
  runner: "runner",
  testImage: "test-image",
  taskBaseService: "task-base-service",
  taskSubnets: "task-subnets",
  taskSecurityGroups: "task-security-groups",
  taskLaunchType: "task-launch-type",
  taskRoleArn: "task-role-arn",
  logPollInterval: "log-poll-interval",
  // reap.
  sweep: "sweep",
  maxAge: "max-age",
  includeShadow: "include-shadow",
  dryRun: "dry-run",
  maxDeletions: "max-deletions",
  deleteTaskDefinitions: "delete-task-definitions",
} as const;

export type InputName = (typeof INPUT)[keyof typeof INPUT];

/** Action outputs. */
export const OUTPUT = {
  // deploy-shadow, deploy-ephemeral.
  route: "route",
  headers: "headers",
  baggage: "baggage",
  services: "services",
  taskDefinitionArns: "task-definition-arns",
  // integration-test.
  exitCode: "exit-code",
  readyAfterSeconds: "ready-after-seconds",
  durationSeconds: "duration-seconds",
  // reap.
  deleted: "deleted",
  kept: "kept",
} as const;

export type OutputName = (typeof OUTPUT)[keyof typeof OUTPUT];
