// The one settings reader of integration-test: every input read and checked once, before anything
// is probed, started or created.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigurationError } from "../common/errors.js";
import { readWorkflowEvent, routeFromEvent } from "../github/event.js";
import type { RoutingSignal } from "../integration/environment.js";
import { validateRoute } from "../routing/route.js";
import { extraBaggageEntries } from "../routing/signal.js";
import { redactCredentials, splitCredentials } from "../integration/url-credentials.js";
import { INPUT, type InputName } from "./action-io.js";
import { readCluster } from "./cluster-input.js";
import { Inputs } from "./inputs.js";
import { readSignalNames } from "./signal-inputs.js";

export interface IntegrationTestSettings {
  run: string;
  workingDirectory: string;
  signal: RoutingSignal;
  /** Explicit probes; they win over derived ones. */
  probeUrls: string[];
  /** Where Traefik listens; given, the route's copies are read from ECS and probed through it (docs/design.md §5). */
  entrypointUrl: URL | undefined;
  /** Replaces the path of every derived probe. */
  probePath: string | undefined;
  cluster: string;
  /** `owner/repo`, whose copies count. */
  repository: string;
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
  const route = givenRoute === undefined ? routeFromEvent(readWorkflowEvent()) : validateRoute(givenRoute);
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
  return {
    run,
    workingDirectory: workingDirectory(inputs.string(INPUT.workingDirectory, ".")),
    signal: { route, names, extraBaggage },
    probeUrls: urls,
    entrypointUrl,
    probePath,
    cluster: readCluster(inputs),
    repository: env.GITHUB_REPOSITORY ?? "",
    probeTimeoutMs: inputs.number(INPUT.probeTimeout, 300, { min: 0, max: 86_400 }) * 1000,
    probeIntervalMs: inputs.number(INPUT.probeInterval, 2, { min: 0.05, max: 3_600 }) * 1000,
    proxy: inputs.boolean(INPUT.proxy, false),
    secrets: [...urls, ...(entrypointUrl === undefined ? [] : [entrypointUrl.href])].flatMap((url) => splitCredentials(url).secrets),
  };
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
