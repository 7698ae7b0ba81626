import type { Route } from "../routing/route.js";
import { cookiePair, headerLine, mergeBaggage, routingHeaders, type SignalNames } from "../routing/signal.js";

/** How the test command and the probes name the route (docs/design.md §1 and §5). */
export interface RoutingSignal {
  route: Route;
  names: SignalNames;
  /** Extra baggage members (`k=v,k2=v2`) sent alongside the route entry; "" for none. */
  extraBaggage: string;
}

/** The W3C baggage value for the route: the route entry, then the extra members. */
export function routeBaggage(signal: RoutingSignal): string {
  return mergeBaggage(signal.route, signal.names, signal.extraBaggage);
}

/** Request headers that select the route by all three signals: header, cookie and baggage. */
export function probeRequestHeaders(signal: RoutingSignal): Record<string, string> {
  return {
    ...routingHeaders(signal.route, signal.names),
    cookie: cookiePair(signal.route, signal.names),
    baggage: routeBaggage(signal),
  };
}

/**
 * The variables the test command gets (docs/design.md §5); `proxyUrl` adds HTTP_PROXY and http_proxy
 * (curl reads only the lowercase one for http:// URLs). NO_PROXY is the job's own business.
 */
export function routingEnvironment(signal: RoutingSignal, proxyUrl?: string): Record<string, string> {
  const baggage = routeBaggage(signal);
  const environment: Record<string, string> = {
    ROUTE: signal.route,
    ROUTE_HEADER_NAME: signal.names.header,
    ROUTE_HEADER: headerLine(signal.route, signal.names),
    ROUTE_COOKIE: cookiePair(signal.route, signal.names),
    ROUTE_BAGGAGE: baggage,
    ROUTE_HEADERS_JSON: JSON.stringify({ ...routingHeaders(signal.route, signal.names), baggage }),
  };
  if (proxyUrl !== undefined) {
    environment.HTTP_PROXY = proxyUrl;
    environment.http_proxy = proxyUrl;
  }
  return environment;
}
