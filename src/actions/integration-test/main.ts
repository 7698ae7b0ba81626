import { statSync } from "node:fs";
import { resolve } from "node:path";
import * as core from "@actions/core";
import { ExitCodeError } from "../common/action.js";
import { formatDuration } from "../../common/duration.js";
import { ConfigurationError, errorMessage } from "../../common/errors.js";
import { escapeHtml } from "../../common/html.js";
import { inertText } from "../../common/inert-text.js";
import type { Logger } from "../../common/logger.js";
import { Inputs } from "../../config/inputs.js";
import { readWorkflowEvent, routeFromEvent } from "../../github/event.js";
import { commandEnvironment, runCommand, type CommandRun } from "../../integration/command.js";
import { probeRequestHeaders, routingEnvironment, type RoutingSignal } from "../../integration/environment.js";
import { startRoutingProxy } from "../../integration/proxy.js";
import { probeTarget, redactCredentials } from "../../integration/url-credentials.js";
import {
  describeAnswer,
  RouteNotLiveError,
  waitUntilRouteLive,
  type ProbeResult,
} from "../../integration/readiness.js";
import { validateRoute } from "../../routing/route.js";
import { extraBaggageEntries } from "../../routing/signal.js";
import { readSignalNames } from "../../config/signal-inputs.js";

interface IntegrationTestInputs {
  run: string;
  workingDirectory: string;
  signal: RoutingSignal;
  probeUrls: string[];
  probeTimeoutMs: number;
  probeIntervalMs: number;
  proxy: boolean;
}

function readInputs(inputs: Inputs): IntegrationTestInputs {
  const run = inputs.text("run");
  if (run === undefined) {
    throw new ConfigurationError("is required; give the test command, e.g. npm run test:integration", "run");
  }
  const names = readSignalNames(inputs);
  const givenRoute = inputs.optionalString("route");
  const route = givenRoute === undefined ? routeFromEvent(readWorkflowEvent()) : validateRoute(givenRoute);
  const extraBaggage = extraBaggageEntries(inputs.text("baggage") ?? "");
  return {
    run,
    workingDirectory: workingDirectory(inputs.string("working-directory", ".")),
    signal: { route, names, extraBaggage },
    probeUrls: probeUrls(inputs.text("probe-urls") ?? ""),
    probeTimeoutMs: inputs.number("probe-timeout", 300, { min: 0, max: 86_400 }) * 1000,
    probeIntervalMs: inputs.number("probe-interval", 2, { min: 0.05, max: 3_600 }) * 1000,
    proxy: inputs.boolean("proxy", false),
  };
}

function workingDirectory(path: string): string {
  const absolute = resolve(path);
  if (!statSync(absolute, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigurationError(`'${path}' is not a directory; check out the code first or fix the path`, "working-directory");
  }
  return absolute;
}

/** One URL a line (a URL may contain commas, so only newlines separate). */
function probeUrls(text: string): string[] {
  const urls = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  for (const url of urls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new ConfigurationError(
        `'${redactCredentials(url)}' is not an http(s) URL; write one URL a line, e.g. https://orders.dev.example.com/health`,
        "probe-urls",
      );
    }
    // user:password@ in a probe URL is sent as basic auth and never shown.
    for (const secret of probeTarget(url).secrets) core.setSecret(secret);
  }
  return urls;
}

interface Report {
  inputs: IntegrationTestInputs;
  probes: ProbeResult[];
  command: CommandRun | undefined;
  failure: string | undefined;
}

async function writeSummary({ inputs, probes, command, failure }: Report): Promise<void> {
  const summary = core.summary.addHeading(`Integration tests on route ${inputs.signal.route}`, 2);
  if (probes.length === 0) {
    summary.addRaw("No probe URLs: the command started without waiting for the route.", true);
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
        inertText(probe.url),
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

/** Waits for the route, runs the test command with the routing environment, reports. */
export async function integrationTest(logger: Logger): Promise<void> {
  const inputs = readInputs(new Inputs());
  const { signal } = inputs;
  const report: Report = { inputs, probes: [], command: undefined, failure: undefined };
  try {
    if (inputs.probeUrls.length === 0) {
      logger.info(`no probe-urls: starting without checking that route ${signal.route} is live`);
    } else {
      report.probes = await waitUntilRouteLive({
        urls: inputs.probeUrls,
        route: signal.route,
        headers: probeRequestHeaders(signal),
        timeoutMs: inputs.probeTimeoutMs,
        intervalMs: inputs.probeIntervalMs,
        logger,
      });
    }
    core.setOutput("ready-after-seconds", formatDuration(Math.max(0, ...report.probes.map((probe) => probe.elapsedMs)), "seconds"));

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
    core.setOutput("exit-code", String(report.command.exitCode));
    core.setOutput("duration-seconds", formatDuration(report.command.durationMs, "seconds"));
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
