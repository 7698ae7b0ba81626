// The demo router's middleware chain, as Traefik runs the three types the routing model knows:
// forwardAuth (ask the auth server; anything but 2xx is the answer), stripPrefix (the service sees
// the path without it, and X-Forwarded-Prefix) and headers (custom request and response headers).
// A router that uses another type fails closed: the demo must never show a copy that skips a
// middleware of its base.
import type { IncomingMessage } from "node:http";
import { chainResponseHeaders, type TraefikMiddleware } from "../../test/traefik-simulator/table.js";

/** What the chain did to a request before it is proxied, or the answer that ends it. */
export type ChainOutcome =
  | { proxied: true; responseHeaders: Record<string, string> }
  | { proxied: false; status: number; headers: Record<string, string>; body: string };

const AUTH_TIMEOUT_MS = 5_000;
/** Headers that describe one connection, which Traefik does not pass to the auth server. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "host"]);

function authRequestHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    ...headers,
    "x-forwarded-method": request.method ?? "GET",
    "x-forwarded-proto": "http",
    "x-forwarded-host": request.headers.host ?? "",
    "x-forwarded-uri": request.url ?? "/",
    "x-forwarded-for": request.socket.remoteAddress ?? "",
  };
}

async function forwardAuth(auth: NonNullable<TraefikMiddleware["forwardAuth"]>, request: IncomingMessage): Promise<ChainOutcome | undefined> {
  const response = await fetch(auth.address, { headers: authRequestHeaders(request), signal: AbortSignal.timeout(AUTH_TIMEOUT_MS) });
  const body = await response.text();
  if (response.status < 200 || response.status > 299) {
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "www-authenticate", "location"]) {
      const value = response.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    return { proxied: false, status: response.status, headers, body };
  }
  for (const name of auth.authResponseHeaders) {
    const value = response.headers.get(name);
    if (value !== null) request.headers[name.toLowerCase()] = value;
  }
  return undefined;
}

function stripPrefix(prefixes: readonly string[], request: IncomingMessage): void {
  const url = new URL(request.url ?? "/", "http://router.invalid");
  const prefix = prefixes.find((candidate) => url.pathname.startsWith(candidate));
  if (prefix === undefined) return;
  const rest = url.pathname.slice(prefix.length);
  request.url = `${rest.startsWith("/") ? rest : `/${rest}`}${url.search}`;
  request.headers["x-forwarded-prefix"] = prefix;
}

/**
 * Runs the chain on `request` (changing its URL and headers as the middlewares do). When a
 * middleware answers, the middlewares before it still set their response headers, because they wrap it.
 */
export async function runMiddlewareChain(chain: readonly TraefikMiddleware[], request: IncomingMessage): Promise<ChainOutcome> {
  for (const [index, middleware] of chain.entries()) {
    if (middleware.unmodelled !== undefined) {
      return {
        proxied: false,
        status: 500,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: `middleware ${middleware.name}: type ${middleware.unmodelled} is not modelled by the demo router\n`,
      };
    }
    if (middleware.forwardAuth !== undefined) {
      const answer = await forwardAuth(middleware.forwardAuth, request);
      if (answer !== undefined && !answer.proxied) {
        return { ...answer, headers: { ...answer.headers, ...chainResponseHeaders(chain.slice(0, index)) } };
      }
    }
    stripPrefix(middleware.stripPrefixes, request);
    for (const [name, value] of Object.entries(middleware.requestHeaders)) {
      // An empty value removes the header, as Traefik's headers middleware does.
      if (value === "") delete request.headers[name.toLowerCase()];
      else request.headers[name.toLowerCase()] = value;
    }
  }
  return { proxied: true, responseHeaders: chainResponseHeaders(chain) };
}
