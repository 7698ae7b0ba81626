import { context, propagation, type Baggage } from "@opentelemetry/api";
import { W3CBaggagePropagator } from "@opentelemetry/core";
import { ConfigurationError } from "../common/errors.js";
import type { Route } from "./route.js";
import { validateToken } from "./token.js";

/** The names under which a request carries its route (docs/design.md §1, all configurable). */
export interface SignalNames {
  header: string;
  cookie: string;
  baggageKey: string;
}

export const DEFAULT_SIGNAL_NAMES: SignalNames = {
  header: "X-Route-Version",
  cookie: "x-route-version",
  baggageKey: "dynamic_route",
};

/** The response header every copy's answers carry, naming its route: only it proves a route is live. */
export const SERVED_BY_HEADER = "X-Served-By-Route";

/** Headers that are not free for routing: Go moves Host out of the header map; the others are signals already. */
const RESERVED_HEADERS = ["host", "cookie", "baggage"];

export function validateSignalNames(names: SignalNames): SignalNames {
  validateToken(names.header, "header");
  if (RESERVED_HEADERS.includes(names.header.toLowerCase())) {
    throw new ConfigurationError(`'${names.header}' cannot carry the route; use a header of its own, e.g. X-Route-Version`, "header");
  }
  validateToken(names.cookie, "cookie");
  validateToken(names.baggageKey, "baggage-key");
  return names;
}

/** The routing header as a header map, e.g. `{ "X-Route-Version": "pr-123" }`. */
export function routingHeaders(route: Route, names: SignalNames): Record<string, string> {
  return { [names.header]: route };
}

/** `X-Route-Version: pr-123`, as curl's -H takes it. */
export function headerLine(route: Route, names: SignalNames): string {
  return `${names.header}: ${route}`;
}

/** `x-route-version=pr-123`, as a Cookie header member or `document.cookie` assignment. */
export function cookiePair(route: Route, names: SignalNames): string {
  return `${names.cookie}=${route}`;
}

const propagator = new W3CBaggagePropagator();

function parseBaggage(header: string | undefined): Baggage {
  if (header === undefined || header.trim() === "") {
    return propagation.createBaggage();
  }
  const extracted = propagator.extract(context.active(), { baggage: header }, {
    get: (carrier, key) => carrier[key as "baggage"],
    keys: (carrier) => Object.keys(carrier),
  });
  return propagation.getBaggage(extracted) ?? propagation.createBaggage();
}

function serialiseBaggage(baggage: Baggage): string {
  const carrier: Record<string, string> = {};
  propagator.inject(propagation.setBaggage(context.active(), baggage), carrier, {
    set: (target, key, value) => {
      target[key] = value;
    },
  });
  return carrier.baggage ?? "";
}

/**
 * The W3C baggage header value carrying the route, merged into `existing` (an incoming `baggage`
 * header or user-given `key=value` entries): other members are kept, an older route entry replaced.
 * Serialised by OpenTelemetry's own propagator so services parse it exactly as they will in production.
 * The route entry comes first: the propagator silently drops the members past its limits (180
 * members, 8192 bytes), and the route must never be one of them.
 */
export function mergeBaggage(route: Route, names: SignalNames, existing?: string): string {
  let baggage = propagation.createBaggage().setEntry(names.baggageKey, { value: route });
  for (const [key, entry] of parseBaggage(existing).getAllEntries()) {
    if (key !== names.baggageKey) baggage = baggage.setEntry(key, entry);
  }
  return serialiseBaggage(baggage);
}

/** Parses user-given extra baggage entries (`key=value`, comma- or newline-separated). */
export function extraBaggageEntries(text: string, input = "baggage"): string {
  const members = text
    .split(/[\n,]/)
    .map((member) => member.trim())
    .filter((member) => member !== "");
  for (const member of members) {
    const key = member.split("=", 1)[0]?.trim() ?? "";
    if (!member.includes("=") || key === "") {
      throw new ConfigurationError(`'${member}' is not a baggage entry; write key=value, one per line`, input);
    }
    validateToken(key, input);
    // OpenTelemetry's propagator would drop it without a word: an empty value or a stray '%'.
    if (parseBaggage(member).getAllEntries().length === 0) {
      throw new ConfigurationError(
        `'${member}' is not a baggage entry OpenTelemetry accepts; give a non-empty value and write a literal % as %25`,
        input,
      );
    }
  }
  return members.join(",");
}
