// An HTTP server that answers the way Traefik in front of a base service, its shadow copy and
// route copies does (docs/design.md §2): a request whose header, cookie or baggage names a live route is
// answered by that route; any other routing signal falls back to shadow; no signal reaches the
// base service, which adds no X-Served-By-Route. Every request's headers are kept for assertions.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { DEFAULT_SIGNAL_NAMES, SERVED_BY_HEADER } from "../../../src/routing/signal.js";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Every `baggage` header line as sent, before Node joins them. */
  baggage: string[];
  servedBy: string | undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The route a request selects among `live` routes, Traefik-style; "shadow" for an unknown one. */
export function selectRoute(headers: IncomingHttpHeaders, live: ReadonlySet<string>, names = DEFAULT_SIGNAL_NAMES): string | undefined {
  const headerValues = ([] as string[]).concat(headers[names.header.toLowerCase()] ?? []);
  const cookie = headers.cookie ?? "";
  const baggage = ([] as string[]).concat(headers.baggage ?? []);
  const cookieName = escapeRegExp(names.cookie);
  const baggageKey = escapeRegExp(names.baggageKey);
  for (const route of live) {
    const value = escapeRegExp(route);
    // The rules of §2: exact header value, cookie regexp, baggage regexp; the shadow fallback wants a non-empty value.
    if (
      headerValues.includes(route) ||
      new RegExp(`(^|;\\s*)${cookieName}=${value}(;|$)`).test(cookie) ||
      baggage.some((line) => new RegExp(`(^|,)\\s*${baggageKey}\\s*=\\s*${value}\\s*(;|,|$)`).test(line))
    ) {
      return route;
    }
  }
  const anySignal =
    headerValues.some((header) => header !== "") ||
    new RegExp(`(^|;\\s*)${cookieName}=[^;]`).test(cookie) ||
    baggage.some((line) => new RegExp(`(^|,)\\s*${baggageKey}\\s*=\\s*[^\\s,;]`).test(line));
  return anySignal ? "shadow" : undefined;
}

export class TraefikLikeServer {
  readonly requests: ReceivedRequest[] = [];
  /** Routes whose tasks Traefik routes to; "shadow" is always live. */
  readonly live = new Set<string>(["shadow"]);
  private readonly server: Server;
  private origin = "";
  private readonly pending = new Map<string, number>();

  /** With `tls` (see selfSignedCertificate) it serves HTTPS, as Traefik's websecure entrypoint does. */
  constructor(private readonly tls?: { key: string; cert: string }) {
    const answer = (request: IncomingMessage, response: ServerResponse): void => {
      const servedBy = selectRoute(request.headers, this.live);
      for (const [route, delayMs] of this.pending) {
        setTimeout(() => this.live.add(route), delayMs).unref();
      }
      this.pending.clear();
      const rawBaggage: string[] = [];
      for (let index = 0; index < request.rawHeaders.length; index += 2) {
        if (request.rawHeaders[index]?.toLowerCase() === "baggage") rawBaggage.push(request.rawHeaders[index + 1] as string);
      }
      this.requests.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, baggage: rawBaggage, servedBy });
      response.writeHead(200, {
        "content-type": "text/plain",
        ...(servedBy === undefined ? {} : { [SERVED_BY_HEADER]: servedBy }),
      });
      response.end(`served by ${servedBy ?? "the base service"}\n`);
    };
    this.server = tls === undefined ? createServer(answer) : createTlsServer(tls, answer);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    this.origin = `${this.tls === undefined ? "http" : "https"}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  url(path = "/health"): string {
    return `${this.origin}${path}`;
  }

  /** Makes `route` live `delayMs` after the next request, as Traefik's next refresh would. */
  goLiveAfterNextRequest(route: string, delayMs: number): void {
    this.pending.set(route, delayMs);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A throwaway self-signed certificate for 127.0.0.1, made by openssl. */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "tls-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
