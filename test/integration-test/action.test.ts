// End to end through the committed bundle (dist/integration-test/index.js), run as the runner
// runs it, against local servers that answer the way Traefik does.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runBundle, type BundleRunOptions } from "../helpers/action-runner.js";
import { codeTexts } from "../helpers/markdown.js";
import { pullRequestEvent } from "../helpers/webhooks.js";
import { selfSignedCertificate, TraefikLikeServer } from "./helpers/traefik-like-server.js";

// GitHub's pull_request example is PR #2, so the route is pr-2.
const event = { name: "pull_request", payload: pullRequestEvent("opened") };

function runIntegrationTest(inputs: Record<string, string>, options: Omit<BundleRunOptions, "inputs" | "event"> = {}) {
  return runBundle("integration-test", { event, inputs: { "probe-interval": "0.05", "probe-timeout": "10", ...inputs }, ...options });
}

/** Parses `env` output (one NAME=value a line; the values here have no newlines). */
function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

describe("integration-test action", () => {
  let traefik: TraefikLikeServer;
  let scratch: string;
  before(async () => {
    traefik = await new TraefikLikeServer().start();
    scratch = mkdtempSync(join(tmpdir(), "integration-test-"));
  });
  after(() => traefik.stop());

  it("waits until the route is live, then runs the command with every routing variable", async () => {
    traefik.live.delete("pr-2");
    traefik.goLiveAfterNextRequest("pr-2", 400);
    const envFile = join(scratch, "env-live.txt");
    const run = await runIntegrationTest(
      { "probe-urls": `${traefik.url("/health")}\n${traefik.url("/ready?full=1,2")}\n`, baggage: "team=payments\ntenant=acme", run: `env > '${envFile}'` },
      { env: { NO_PROXY: "localhost,.internal" } },
    );
    assert.equal(run.exitCode, 0, run.stdout);
    assert.ok(Number(run.outputs["ready-after-seconds"]) > 0, run.outputs["ready-after-seconds"]);
    assert.equal(run.outputs["exit-code"], "0");
    assert.match(run.outputs["duration-seconds"] ?? "", /^\d+(\.\d)?$/);
    assert.match(run.stdout, new RegExp(`${traefik.url("/health")} answered 200 by shadow, waiting`));
    assert.match(run.stdout, new RegExp(`${traefik.url("/health")} answered 200 by pr-2 after`));

    const env = parseEnv(readFileSync(envFile, "utf8"));
    assert.equal(env.ROUTE, "pr-2");
    assert.equal(env.ROUTE_HEADER_NAME, "X-Route-Version");
    assert.equal(env.ROUTE_HEADER, "X-Route-Version: pr-2");
    assert.equal(env.ROUTE_COOKIE, "x-route-version=pr-2");
    assert.equal(env.ROUTE_BAGGAGE, "dynamic_route=pr-2,team=payments,tenant=acme");
    assert.deepEqual(JSON.parse(env.ROUTE_HEADERS_JSON ?? ""), { "X-Route-Version": "pr-2", baggage: "dynamic_route=pr-2,team=payments,tenant=acme" });
    // No proxy asked for: none announced. NO_PROXY is the job's own and passes through as it was.
    assert.equal(env.HTTP_PROXY, undefined);
    assert.equal(env.http_proxy, undefined);
    assert.equal(env.NO_PROXY, "localhost,.internal");
    // The action's inputs are not the command's business (a run: step does not see them either).
    assert.deepEqual(Object.keys(env).filter((name) => name.startsWith("INPUT_")), []);
    // The probes carried the whole routing signal, extra baggage included.
    const probe = traefik.requests.find((request) => request.url === "/ready?full=1,2");
    assert.equal(probe?.headers["x-route-version"], "pr-2");
    assert.equal(probe?.headers.cookie, "x-route-version=pr-2");
    assert.equal(probe?.headers.baggage, "dynamic_route=pr-2,team=payments,tenant=acme");

    assert.match(run.summary, /Integration tests on route pr-2/);
    assert.match(run.summary, /<\/code><\/td><td>yes<\/td>/);
    assert.ok(codeTexts(run.summary).includes(traefik.url("/health")));
    assert.match(run.summary, /Result:<\/strong> passed in/);
    // The command is shown as text, not as HTML.
    assert.ok(run.summary.includes(`<code>env &gt; '${envFile}'</code>`), run.summary);
  });

  it("drops the runner's internal tokens from the command's environment, as a run: step has none", async () => {
    const envFile = join(scratch, "env-tokens.txt");
    const internal = {
      ACTIONS_RUNTIME_TOKEN: "runtime-token",
      ACTIONS_RUNTIME_URL: "https://pipelines.example/",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "oidc-request-token",
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.example/",
      ACTIONS_CACHE_URL: "https://cache.example/",
      ACTIONS_RESULTS_URL: "https://results.example/",
    };
    const run = await runIntegrationTest({ run: `env > '${envFile}'` }, { env: { ...internal, ACTIONS_STEP_DEBUG: "false" } });
    assert.equal(run.exitCode, 0, run.stdout);
    const env = parseEnv(readFileSync(envFile, "utf8"));
    assert.deepEqual(Object.keys(internal).filter((name) => name in env), []);
    assert.equal(env.ACTIONS_STEP_DEBUG, "false", "other variables pass through");
  });

  it("sends a probe URL's user:password as basic auth and never shows the password", async () => {
    traefik.live.add("pr-2");
    const url = traefik.url("/private").replace("://", "://ci-bot:s3cr%40t-pw@");
    const run = await runIntegrationTest({ "probe-urls": url, run: "true" });
    assert.equal(run.exitCode, 0, run.stdout);
    const probe = traefik.requests.find((request) => request.url === "/private");
    assert.equal(probe?.headers.authorization, `Basic ${Buffer.from("ci-bot:s3cr@t-pw").toString("base64")}`);
    const shown = traefik.url("/private").replace("://", "://***@");
    assert.match(run.stdout, new RegExp(`${shown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} answered 200 by pr-2`));
    assert.ok(codeTexts(run.summary).includes(shown.replace("@", "@\u2060")), run.summary);
    // The runner masks what the action registers; nothing else shows the credentials.
    assert.ok(run.stdout.includes("::add-mask::s3cr@t-pw\n"));
    const log = run.stdout.split("\n").filter((line) => !line.startsWith("::add-mask::"));
    for (const text of [...log, run.summary, JSON.stringify(run.outputs)]) assert.doesNotMatch(text, /s3cr|ci-bot/);
  });

  it("fails with the last answer when the route never goes live, and does not run the command", async () => {
    traefik.live.delete("pr-2");
    const marker = join(scratch, "never-ran");
    const run = await runIntegrationTest({ "probe-urls": traefik.url("/health"), "probe-timeout": "0.3", run: `touch '${marker}'` });
    assert.equal(run.exitCode, 1);
    assert.deepEqual(run.errors, [
      `route pr-2 not live after 0.3 s: ${traefik.url("/health")} answered 200 by shadow: route pr-2 has no copy of this service, or Traefik has not picked the copy up yet (refreshSeconds); give entrypoint-url (and cluster) to tell which`,
    ]);
    assert.equal(existsSync(marker), false);
    assert.equal(run.outputs["exit-code"], undefined);
    assert.match(run.summary, /Result:<\/strong> not run: <code>route pr-2 not live/);
    assert.match(run.summary, /<td>no<\/td>/);
  });

  it("names the connection error when nothing answers", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await runIntegrationTest({ "probe-urls": `http://127.0.0.1:${port}/health`, "probe-timeout": "0.2", run: "true" });
    assert.equal(run.exitCode, 1);
    assert.match(run.errors[0] ?? "", new RegExp(`failed: connect ECONNREFUSED 127.0.0.1:${port}: nothing answered`));
  });

  it("fails the step with the command's exit code", async () => {
    const run = await runIntegrationTest({ run: "echo testing the route\nexit 3" });
    assert.equal(run.exitCode, 3);
    assert.equal(run.outputs["exit-code"], "3");
    assert.deepEqual(run.errors, ["the test command exited with 3"]);
    assert.match(run.stdout, /testing the route/);
    assert.match(run.summary, /Result:<\/strong> failed \(exit code 3\)/);
    // Without probe URLs nothing is waited for.
    assert.equal(run.outputs["ready-after-seconds"], "0");
  });

  it("runs the command with bash -e -o pipefail in the working directory", async () => {
    const run = await runIntegrationTest({ run: "pwd > pwd.txt\nfalse | true\necho not reached", "working-directory": scratch });
    assert.equal(run.outputs["exit-code"], "1");
    assert.equal(readFileSync(join(scratch, "pwd.txt"), "utf8").trim(), scratch);
    assert.doesNotMatch(run.stdout, /^not reached$/m);
  });

  describe("with proxy: true", () => {
    it("adds the routing header and merges the baggage for curl and Node's fetch, and stops with the command", async () => {
      // Node 24's fetch honours HTTP_PROXY with NODE_USE_ENV_PROXY=1 and tunnels http:// URLs with CONNECT.
      traefik.live.add("pr-2");
      const seen = traefik.requests.length;
      const proxyFile = join(scratch, "proxy-url.txt");
      const script = [
        `echo "$HTTP_PROXY" > '${proxyFile}'`,
        `curl -sSf -H 'baggage: a=1' '${traefik.url("/curl")}'`,
        `curl -sSf -H 'baggage: a=1' -H 'baggage: b=2;p=x' '${traefik.url("/curl-two-baggage-headers")}'`,
        // Plain HTTP inside a CONNECT tunnel is still plain HTTP: routed too (this is what Node's fetch does).
        `curl -sSf --proxytunnel -H 'baggage: a=1' '${traefik.url("/curl-tunnel")}'`,
        `NODE_USE_ENV_PROXY=1 '${process.execPath}' -e 'const r = await fetch("${traefik.url("/fetch")}", { headers: { baggage: "a=1" } }); if (!r.ok) process.exit(1)' --input-type=module`,
      ].join("\n");
      const run = await runIntegrationTest({ proxy: "true", baggage: "team=payments", run: script });
      assert.equal(run.exitCode, 0, run.stdout + run.stderr);

      const requests = new Map(traefik.requests.slice(seen).map((request) => [request.url, request]));
      for (const path of ["/curl", "/curl-tunnel", "/fetch"]) {
        const request = requests.get(path);
        assert.equal(request?.headers["x-route-version"], "pr-2", path);
        // The client's member is kept, the route entry added first: one merged baggage header.
        assert.deepEqual(request?.baggage, ["dynamic_route=pr-2,team=payments,a=1"], path);
        assert.equal(request?.servedBy, "pr-2", path);
        assert.equal(request?.headers["proxy-connection"], undefined, path);
      }
      assert.deepEqual(requests.get("/curl-two-baggage-headers")?.baggage, ["dynamic_route=pr-2,team=payments,a=1,b=2;p=x"]);

      const proxyUrl = readFileSync(proxyFile, "utf8").trim();
      assert.match(proxyUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(run.stdout, new RegExp(`proxy ${proxyUrl} adds X-Route-Version: pr-2`));
      assert.deepEqual(run.warnings, []);
      // The proxy ended with the step.
      await assert.rejects(fetch(proxyUrl), /fetch failed/);
    });

    it("warns that hosts in the job's NO_PROXY bypass the proxy", async () => {
      const run = await runIntegrationTest({ proxy: "true", run: "true" }, { env: { no_proxy: ".internal,localhost" } });
      assert.equal(run.exitCode, 0, run.stdout + run.stderr);
      assert.deepEqual(run.warnings, [
        "NO_PROXY is set (.internal,localhost): requests to those hosts bypass the routing proxy and carry no X-Route-Version unless the tests send ROUTE_HEADER themselves",
      ]);
      // Without the proxy the job's NO_PROXY is nobody's concern.
      assert.deepEqual((await runIntegrationTest({ run: "true" }, { env: { NO_PROXY: ".internal" } })).warnings, []);
    });

    it("tunnels HTTPS untouched and warns once that the header cannot be added", async () => {
      const secure = await new TraefikLikeServer(selfSignedCertificate()).start();
      try {
        const target = secure.url("/tunnelled");
        const curl = `curl -sSf --insecure --proxy "$HTTP_PROXY" '${target}'`;
        const run = await runIntegrationTest({ proxy: "true", run: `${curl}\n${curl}` });
        assert.equal(run.exitCode, 0, run.stdout + run.stderr);
        assert.equal(secure.requests.length, 2);
        for (const request of secure.requests) {
          assert.equal(request.headers["x-route-version"], undefined);
          assert.deepEqual(request.baggage, []);
          assert.equal(request.servedBy, undefined);
        }
        assert.equal(run.warnings.length, 1, run.warnings.join("\n"));
        assert.match(run.warnings[0] ?? "", /HTTPS through a CONNECT tunnel \(127\.0\.0\.1:\d+\) cannot carry the X-Route-Version header.*send ROUTE_HEADER/);
      } finally {
        await secure.stop();
      }
    });
  });

  describe("bad input", () => {
    it("rejects a probe URL that is not http(s)", async () => {
      const run = await runIntegrationTest({ "probe-urls": "orders.dev/health", run: "true" });
      assert.equal(run.exitCode, 1);
      assert.match(run.errors[0] ?? "", /^Input 'probe-urls': 'orders.dev\/health' is not an http\(s\) URL/);
    });

    it("rejects a missing working directory", async () => {
      const run = await runIntegrationTest({ "working-directory": join(scratch, "missing"), run: "true" });
      assert.equal(run.exitCode, 1);
      assert.match(run.errors[0] ?? "", /^Input 'working-directory': .* is not a directory/);
    });

    it("rejects a probe timeout that is not written in decimal digits", async () => {
      const run = await runIntegrationTest({ "probe-timeout": "0x10", run: "true" });
      assert.equal(run.exitCode, 1);
      assert.deepEqual(run.errors.length, 1);
      assert.match(run.errors[0] ?? "", /^Input 'probe-timeout': '0x10' must be a number written in decimal digits/);
    });

    it("says in one line that an event file is not JSON", async () => {
      const run = await runBundle("integration-test", { event: { name: "pull_request", payload: "not json" }, inputs: { run: "true" } });
      assert.equal(run.exitCode, 1);
      assert.match(run.errors[0] ?? "", /^GITHUB_EVENT_PATH '.*' is not JSON/);
      assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m);
    });

    it("needs a command", async () => {
      const run = await runIntegrationTest({ run: "  " });
      assert.equal(run.exitCode, 1);
      assert.match(run.errors[0] ?? "", /^Input 'run': is required/);
    });

    it("rejects a bad route and a bad header name", async () => {
      const route = await runIntegrationTest({ route: "PR 2", run: "true" });
      assert.match(route.errors[0] ?? "", /^Input 'route': 'PR 2' is not a valid route/);
      const header = await runIntegrationTest({ header: "X Route", run: "true" });
      assert.match(header.errors[0] ?? "", /^Input 'header': 'X Route' is not a valid name/);
    });

    it("needs the route input outside a pull request or branch", async () => {
      const run = await runBundle("integration-test", { event: { name: "schedule", payload: {} }, inputs: { run: "true" }, env: { GITHUB_REF: undefined } });
      assert.equal(run.exitCode, 1);
      assert.match(run.errors[0] ?? "", /^Input 'route': a 'schedule' event names no pull request or branch/);
    });
  });
});
