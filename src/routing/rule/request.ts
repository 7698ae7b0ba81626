import { isToken } from "../token.js";

/**
 * The parts of an HTTP request Traefik's HTTP matchers look at, as Go's net/http presents them:
 * `host` is the Host header (a port is allowed), `headers` holds every field value separately
 * (HTTP/2 joins several `cookie` fields into one value with "; "; Go keeps two `Cookie` lines of
 * HTTP/1.1 as two values). Header names are matched case-insensitively.
 */
export interface HttpRequest {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string[]>;
  /** Decoded query parameters; absent = none. */
  query?: Record<string, string[]>;
  /** The client address `ClientIP` compares; absent = never matches. */
  clientIp?: string;
}

/**
 * Go's textproto.CanonicalMIMEHeaderKey: `x-route-version` → `X-Route-Version`. A key with a
 * character outside the RFC 7230 token set is returned unchanged, as Go does.
 */
export function canonicalHeaderKey(key: string): string {
  if (!isToken(key)) return key;
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_whole, dash: string, letter: string) => dash + letter.toUpperCase());
}

/** Every value of header `key` (any spelling), in order. */
export function headerValues(request: HttpRequest, key: string): string[] {
  const canonical = canonicalHeaderKey(key);
  return Object.entries(request.headers)
    .filter(([name]) => canonicalHeaderKey(name) === canonical)
    .flatMap(([, values]) => values);
}
