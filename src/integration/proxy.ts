import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { duplexPair, type Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { mergeBaggage } from "../routing/signal.js";
import type { RoutingSignal } from "./environment.js";

/** A running local forward proxy; `url` goes into HTTP_PROXY. */
export interface RoutingProxy {
  url: string;
  stop(): Promise<void>;
}

// Hop-by-hop headers meant for this proxy, not for the target.
const PROXY_ONLY_HEADERS = ["proxy-connection", "proxy-authorization"];

/**
 * The routing headers for one proxied request: the routing header, and the route's baggage
 * entry merged into the baggage the client sent (several `baggage` headers are one list, W3C).
 * The client's own members win over the `baggage` input's; the route entry wins over both.
 */
export function proxiedRoutingHeaders(signal: RoutingSignal, clientBaggage: readonly string[]): Record<string, string> {
  const existing = [signal.extraBaggage, ...clientBaggage].filter((part) => part.trim() !== "").join(",");
  // Lowercase keys: http-proxy-3 spreads these over Node's lowercase request headers.
  return {
    [signal.names.header.toLowerCase()]: signal.route,
    baggage: mergeBaggage(signal.route, signal.names, existing),
  };
}

/**
 * Starts an HTTP forward proxy on 127.0.0.1 (random port) for clients that honour HTTP_PROXY.
 * Plain-HTTP requests are forwarded by http-proxy-3 with the routing headers added: absolute-form
 * requests, and plain HTTP inside a CONNECT tunnel (Node's fetch with NODE_USE_ENV_PROXY=1 tunnels
 * even http:// URLs). Anything else in a tunnel (HTTPS) passes through untouched: the proxy cannot
 * see inside TLS, so it warns once that such clients must send ROUTE_HEADER themselves.
 */
export async function startRoutingProxy(signal: RoutingSignal, logger: Logger): Promise<RoutingProxy> {
  const proxy = createProxyServer({ xfwd: false });
  const sockets = new Set<Duplex>();
  const tunnelOrigins = new WeakMap<Duplex, string>();
  let warnedAboutTunnel = false;

  const forward = (request: IncomingMessage, response: ServerResponse, target: string): void => {
    for (const header of PROXY_ONLY_HEADERS) delete request.headers[header];
    const headers = proxiedRoutingHeaders(signal, request.headersDistinct.baggage ?? []);
    proxy.web(request, response, { target, headers }, (error) => {
      // An absolute-form URL ignores the base; a tunnelled origin-form one is resolved against it.
      const url = new URL(request.url ?? "/", target).href;
      logger.warning(`proxy: ${request.method ?? "GET"} ${url} failed: ${errorMessage(error)}`);
      if (!response.headersSent) {
        response.writeHead(502, { "content-type": "text/plain" });
      }
      response.end(`proxy could not reach ${target}: ${errorMessage(error)}\n`);
    });
  };

  const server = createServer((request, response) => {
    const target = absoluteTarget(request.url);
    if (target === undefined) {
      response.writeHead(400, { "content-type": "text/plain" });
      response.end(`this is a forward proxy for the route ${signal.route}: send absolute-form requests (set HTTP_PROXY)\n`);
      return;
    }
    forward(request, response, target);
  });
  // Plain HTTP that arrived through a tunnel: origin-form requests for the tunnel's target.
  const tunnelledHttp = createServer((request, response) => {
    forward(request, response, tunnelOrigins.get(request.socket) as string);
  });

  server.on("connect", (request: IncomingMessage, client: Duplex, head: Buffer) => {
    const authority = request.url ?? "";
    openTunnel(authority, client, head, sockets, (first) => {
      if (looksLikeHttp(first)) {
        // A socket pair keeps the first bytes in order and lets Node's HTTP parser read them.
        const [serverSide, clientSide] = duplexPair();
        sockets.add(serverSide);
        tunnelOrigins.set(serverSide, `http://${authority}`);
        tunnelledHttp.emit("connection", serverSide);
        clientSide.write(first);
        client.pipe(clientSide).pipe(client);
        client.once("close", () => serverSide.destroy());
        return false;
      }
      if (!warnedAboutTunnel) {
        warnedAboutTunnel = true;
        logger.warning(
          `proxy: HTTPS through a CONNECT tunnel (${authority}) cannot carry the ${signal.names.header} header; the proxy passes it through unrouted: send ROUTE_HEADER (or ROUTE_BAGGAGE) yourself`,
        );
      }
      return true;
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  logger.info(
    `proxy ${url} adds ${signal.names.header}: ${signal.route} and the ${signal.names.baggageKey} baggage entry to plain-HTTP requests`,
  );

  return {
    url,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      tunnelledHttp.closeAllConnections();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The origin of an absolute-form request target (`http://host:port/path`), else undefined. */
function absoluteTarget(requestTarget: string | undefined): string | undefined {
  if (requestTarget === undefined || !/^https?:\/\//i.test(requestTarget)) return undefined;
  try {
    return new URL(requestTarget).origin;
  } catch {
    return undefined;
  }
}

/** An HTTP/1 request line starts with a method token and a space; a TLS handshake starts with 0x16. */
function looksLikeHttp(first: Buffer): boolean {
  return /^[A-Z]{3,10} \S/.test(first.subarray(0, 16).toString("latin1"));
}

/**
 * Answers a CONNECT once `authority` is reachable, then hands the client's first bytes to
 * `passThrough`: true pipes the bytes to the target untouched (a plain TCP tunnel); false means
 * the caller took the client over and the connection to the target is dropped.
 */
function openTunnel(authority: string, client: Duplex, head: Buffer, sockets: Set<Duplex>, passThrough: (first: Buffer) => boolean): void {
  const target = tunnelTarget(authority);
  if (target === undefined) {
    client.end("HTTP/1.1 400 Bad Request\r\n\r\n");
    return;
  }
  const upstream = connect(target.port, target.host);
  sockets.add(client).add(upstream);
  let connected = false;
  let handedOff = false;
  const start = (first: Buffer): void => {
    if (!passThrough(first)) {
      handedOff = true;
      upstream.destroy();
      return;
    }
    upstream.write(first);
    upstream.pipe(client);
    client.pipe(upstream);
  };
  upstream.once("connect", () => {
    connected = true;
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) {
      start(head);
    } else {
      client.once("data", (chunk: Buffer) => {
        client.pause();
        start(chunk);
      });
    }
  });
  upstream.on("error", () => {
    if (!connected) client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
  });
  client.on("error", () => upstream.destroy());
  upstream.once("close", () => {
    sockets.delete(upstream);
    if (connected && !handedOff) client.destroy();
  });
  client.once("close", () => {
    sockets.delete(client);
    upstream.destroy();
  });
}

/** `host:port` of a CONNECT request (IPv6 in brackets), else undefined. */
function tunnelTarget(authority: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(authority);
  if (match === null) return undefined;
  const port = Number(match[3]);
  return port > 0 && port < 65536 ? { host: (match[1] ?? match[2]) as string, port } : undefined;
}
