import * as core from "@actions/core";
import { ExitCodeError } from "../common/action.js";
import { formatDuration } from "../../common/duration.js";
import { errorMessage } from "../../common/errors.js";
import { escapeHtml } from "../../common/html.js";
import { inertText } from "../../common/inert-text.js";
import type { Logger } from "../../common/logger.js";
import { OUTPUT } from "../../config/action-io.js";
import { readIntegrationTestSettings, type IntegrationTestSettings, type TestTaskSettings } from "../../config/integration-test-inputs.js";
import { asClusterInputError, checkAwsConfiguration, createEcsClient } from "../../ecs/client.js";
import { findRouteCopies } from "../../integration/copies.js";
import { copyReachedBy, deriveProbeTarget, describeTarget, type ProbeTarget } from "../../integration/probe-targets.js";
import { createLogsClient, runTestTask, type TestTaskRun } from "../../integration/task-run.js";
import { oneLine, testTaskCommand } from "../../integration/test-task.js";
import { commandEnvironment, runCommand, type CommandRun } from "../../integration/command.js";
import { probeRequestHeaders, routingEnvironment, type RoutingSignal } from "../../integration/environment.js";
import { startRoutingProxy } from "../../integration/proxy.js";
import { pullRequestOfRoute } from "../../routing/route.js";
import { redactCredentials } from "../../integration/url-credentials.js";
import {
  describeAnswer,
  RouteNotLiveError,
  waitUntilRouteLive,
  type ProbeResult,
} from "../../integration/readiness.js";

interface Report {
  inputs: IntegrationTestSettings;
  /** runner: ecs-task: the probes the task runs before the command, as shown. */
  taskProbes: string[];
  task: TestTaskRun | undefined;
  /** Explicit probe URLs the route has no copy behind, with why. */
  notProbed: string[];
  probes: ProbeResult[];
  command: CommandRun | undefined;
  failure: string | undefined;
}

async function writeSummary(report: Report): Promise<void> {
  const { inputs, probes, command, failure, task } = report;
  const summary = core.summary.addHeading(`Integration tests on route ${inputs.signal.route}`, 2);
  for (const line of report.notProbed) summary.addRaw(`<p>${inertText(line)}</p>`, true);
  if (inputs.task !== undefined) {
    summary.addRaw(`<p>Run as ECS task ${task === undefined ? "(not started)" : inertText(task.taskArn)} of ${inertText(inputs.task.image)} in cluster ${inertText(inputs.cluster)}.</p>`, true);
    if (report.taskProbes.length > 0) {
      summary.addRaw(`<p>Probed from inside the task before the command:</p>`, true);
      summary.addList(report.taskProbes.map((name) => inertText(name)));
    }
    if (task?.stoppedReason !== undefined) summary.addRaw(`<p><strong>Task stopped:</strong> ${inertText(task.stoppedReason)}</p>`, true);
  } else if (probes.length === 0) {
    summary.addRaw("Nothing to probe: the command started without waiting for the route.", true);
  } else {
    summary.addTable([
      [
        { data: "probe", header: true },
        { data: "route live", header: true },
        { data: "after (s)", header: true },
        { data: "attempts", header: true },
        { data: "last answer", header: true },
      ],
      ...probes.map((probe) => [
        inertText(probe.name),
        probe.ready ? "yes" : "no",
        formatDuration(probe.elapsedMs, "seconds"),
        String(probe.attempts),
        inertText(describeAnswer(probe.last)),
      ]),
    ]);
  }
  // The summary is HTML: core.summary inserts cell and code text as it is.
  summary.addCodeBlock(escapeHtml(inputs.run), "bash");
  const result =
    command === undefined
      ? `not run: ${inertText(redactCredentials(failure ?? ""))}`
      : `${command.exitCode === 0 ? "passed" : `failed (exit code ${command.exitCode})`} in ${formatDuration(command.durationMs, "seconds")} s`;
  summary.addRaw(`<p><strong>Result:</strong> ${result}</p>`, true);
  await summary.write();
}

/**
 * The job's NO_PROXY passes through to the command (curl and Node read both spellings), so clients
 * reach the hosts it lists directly: without the routing header, and silently on the default copy.
 */
function warnAboutNoProxy(environment: NodeJS.ProcessEnv, signal: RoutingSignal, logger: Logger): void {
  const bypassed = [environment.NO_PROXY, environment.no_proxy].filter((value) => value !== undefined && value.trim() !== "");
  if (bypassed.length > 0) {
    logger.warning(
      `NO_PROXY is set (${[...new Set(bypassed)].join("; ")}): requests to those hosts bypass the routing proxy and carry no ${signal.names.header} unless the tests send ROUTE_HEADER themselves`,
    );
  }
}

/**
 * What to probe. With an entrypoint, the route's copies are read from ECS: explicit probe URLs are
 * kept when a copy's rule takes them (the others have no copy of their service on the route and
 * are not probed), else one probe per copy is derived from its rule. Without one, the URLs as given.
 */
async function probeTargets(inputs: IntegrationTestSettings, headers: Record<string, string>, report: Report, logger: Logger): Promise<ProbeTarget[]> {
  const { entrypointUrl, signal } = inputs;
  if (entrypointUrl === undefined) return inputs.probeUrls.map((url) => ({ url }));
  const ecs = createEcsClient();
  await checkAwsConfiguration(ecs);
  const copies = await findRouteCopies({ ecs, cluster: inputs.cluster, route: signal.route, repository: inputs.repository, logger }).catch((error: unknown) => {
    throw asClusterInputError(error, inputs.cluster);
  });
  logger.info(`route ${signal.route} has ${copies.length} ${copies.length === 1 ? "copy" : "copies"} in cluster ${inputs.cluster}${copies.length > 0 ? `: ${copies.map((copy) => copy.service).join(", ")}` : ""}`);
  if (inputs.probeUrls.length === 0) return copies.map((copy) => deriveProbeTarget(copy, entrypointUrl, inputs.probePath));
  const targets: ProbeTarget[] = [];
  for (const url of inputs.probeUrls) {
    const copy = copyReachedBy(url, headers, copies);
    if (copy === undefined) {
      const line = `${redactCredentials(url)}: not probed: route ${signal.route} has no copy of this service (no copy's rule takes the URL); requests to it reach shadow or the default service`;
      logger.info(line);
      report.notProbed.push(line);
    } else {
      targets.push({ url, copy: copy.service });
    }
  }
  return targets;
}

/**
 * runner: ecs-task: the probes and the command run in a one-off ECS task inside the cluster's
 * network; its output is streamed into the step log and its exit code is the step's.
 */
async function testInTask(inputs: IntegrationTestSettings, task: TestTaskSettings, targets: ProbeTarget[], headers: Record<string, string>, report: Report, logger: Logger): Promise<void> {
  const { signal } = inputs;
  report.taskProbes = targets.map(describeTarget);
  const command = testTaskCommand(
    inputs.run,
    targets.length === 0 ? undefined : { targets, route: signal.route, headers, timeoutMs: inputs.probeTimeoutMs, intervalMs: inputs.probeIntervalMs },
  );
  const ecs = createEcsClient();
  await checkAwsConfiguration(ecs);
  // Cancelling the step (or its timeout-minutes) sends SIGINT, then SIGTERM: the task must not outlive it.
  const cancellation = new AbortController();
  const cancel = (): void => cancellation.abort();
  process.once("SIGINT", cancel);
  process.once("SIGTERM", cancel);
  try {
    report.task = await runTestTask({
      ecs,
      logsClient: createLogsClient,
      cluster: inputs.cluster,
      route: signal.route,
      repository: inputs.repository,
      pullRequest: pullRequestOfRoute(signal.route),
      task,
      command,
      environment: routingEnvironment(signal),
      logger,
      signal: cancellation.signal,
    }).catch((error: unknown) => {
      throw asClusterInputError(error, inputs.cluster);
    });
  } finally {
    process.off("SIGINT", cancel);
    process.off("SIGTERM", cancel);
  }
  const run = report.task;
  core.setOutput(OUTPUT.durationSeconds, formatDuration(run.durationMs, "seconds"));
  if (run.cancelled) throw new ExitCodeError(`the step was cancelled: test task ${run.taskArn} stopped`, CANCELLED_EXIT_CODE);
  const reason = oneLine(run.stoppedReason ?? "no reason given");
  if (run.exitCode === undefined) throw new Error(`the test task stopped before its container exited: ${reason}`);
  report.command = { exitCode: run.exitCode, durationMs: run.durationMs };
  core.setOutput(OUTPUT.exitCode, String(run.exitCode));
  if (run.exitCode !== 0) {
    throw new ExitCodeError(`the test task's container exited with ${run.exitCode} (task stopped: ${reason})`, run.exitCode);
  }
}

/** A step cancelled by SIGINT ends as a shell's would. */
const CANCELLED_EXIT_CODE = 130;

/** Waits for the route, runs the test command with the routing environment, reports. */
export async function integrationTest(logger: Logger): Promise<void> {
  const inputs = readIntegrationTestSettings();
  for (const secret of inputs.secrets) core.setSecret(secret);
  const { signal } = inputs;
  const report: Report = { inputs, notProbed: [], probes: [], taskProbes: [], task: undefined, command: undefined, failure: undefined };
  try {
    const headers = probeRequestHeaders(signal);
    const targets = await probeTargets(inputs, headers, report, logger);
    if (inputs.task !== undefined) {
      await testInTask(inputs, inputs.task, targets, headers, report, logger);
      return;
    }
    if (targets.length === 0) {
      logger.info(`nothing to probe: starting without checking that route ${signal.route} is live`);
    } else {
      report.probes = await waitUntilRouteLive({
        targets,
        route: signal.route,
        headers,
        timeoutMs: inputs.probeTimeoutMs,
        intervalMs: inputs.probeIntervalMs,
        logger,
      });
    }
    core.setOutput(OUTPUT.readyAfterSeconds, formatDuration(Math.max(0, ...report.probes.map((probe) => probe.elapsedMs)), "seconds"));

    const proxy = inputs.proxy ? await startRoutingProxy(signal, logger) : undefined;
    if (proxy !== undefined) warnAboutNoProxy(process.env, signal, logger);
    try {
      report.command = await runCommand(inputs.run, {
        cwd: inputs.workingDirectory,
        env: commandEnvironment(process.env, routingEnvironment(signal, proxy?.url)),
        // The runner empties RUNNER_TEMP after each job; elsewhere the OS's temp dir.
        tempDir: process.env.RUNNER_TEMP || undefined,
      });
    } finally {
      await proxy?.stop();
    }
    core.setOutput(OUTPUT.exitCode, String(report.command.exitCode));
    core.setOutput(OUTPUT.durationSeconds, formatDuration(report.command.durationMs, "seconds"));
    if (report.command.exitCode !== 0) {
      throw new ExitCodeError(`the test command exited with ${report.command.exitCode}`, report.command.exitCode);
    }
  } catch (error) {
    if (error instanceof RouteNotLiveError) report.probes = error.results;
    report.failure = errorMessage(error);
    throw error;
  } finally {
    await writeSummary(report);
  }
}
