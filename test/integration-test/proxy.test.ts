import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { MemoryLogger } from "../../src/common/logger.js";
import { proxiedRoutingHeaders, startRoutingProxy, type RoutingProxy } from "../../src/integration/proxy.js";
import { DEFAULT_SIGNAL_NAMES } from "../../src/routing/signal.js";
import { TraefikLikeServer } from "./helpers/traefik-like-server.js";

describe("proxiedRoutingHeaders", () => {
  const signal = { route: "pr-7", names: { ...DEFAULT_SIGNAL_NAMES, header: "X-Env", baggageKey: "env" }, extraBaggage: "team=payments,a=0" };

  it("keeps the client's members over the configured extras and replaces an older route entry", () => {
    assert.deepEqual(proxiedRoutingHeaders(signal, ["a=1,env=pr-1", "b=2"]), { "x-env": "pr-7", baggage: "env=pr-7,team=payments,a=1,b=2" });
  });

  it("adds the route entry when the client sent no baggage", () => {
    assert.deepEqual(proxiedRoutingHeaders({ ...signal, extraBaggage: "" }, []), { "x-env": "pr-7", baggage: "env=pr-7" });
  });
});

describe("startRoutingProxy", () => {
  const logger = new MemoryLogger();
  let proxy: RoutingProxy;
  let traefik: TraefikLikeServer;
  before(async () => {
    traefik = await new TraefikLikeServer().start();
    traefik.live.add("pr-7");
    proxy = await startRoutingProxy({ route: "pr-7", names: DEFAULT_SIGNAL_NAMES, extraBaggage: "" }, logger);
  });
  after(async () => {
    await proxy.stop();
    await traefik.stop();
  });

  /** An absolute-form request, as clients that honour HTTP_PROXY send it. */
  function viaProxy(target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const proxyUrl = new URL(proxy.url);
    return new Promise((resolve, reject) => {
      const outgoing = request({ host: proxyUrl.hostname, port: proxyUrl.port, path: target, headers }, (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      });
      outgoing.on("error", reject);
      outgoing.end();
    });
  }

  it("forwards an absolute-form request with the routing header, keeping path and query", async () => {
    const answer = await viaProxy(traefik.url("/orders?id=1"), { "x-route-version": "shadow" });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "served by pr-7\n");
    const received = traefik.requests.at(-1);
    assert.equal(received?.url, "/orders?id=1");
    // The proxy's route replaces one the client named, as the baggage entry is replaced.
    assert.equal(received?.headers["x-route-version"], "pr-7");
  });

  it("refuses an origin-form request: it is a forward proxy, not a server", async () => {
    const answer = await viaProxy("/orders");
    assert.equal(answer.status, 400);
    assert.match(answer.body, /send absolute-form requests/);
  });

  it("answers 502 and logs a warning when the target does not answer", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const answer = await viaProxy(`http://127.0.0.1:${port}/`);
    assert.equal(answer.status, 502);
    assert.equal(logger.lines.at(-1)?.message, `proxy: GET http://127.0.0.1:${port}/ failed: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});
