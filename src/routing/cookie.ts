// The one browser recipe for the routing cookie, shown in the pull-request comment, the job summary
// and the README: every host of the dev environment gets it, for a day, on same-site requests.
import { isIP } from "node:net";
import type { Route } from "./route.js";
import { cookiePair, type SignalNames } from "./signal.js";

/** How long the cookie lives: a working day, so a forgotten cookie does not pin a browser to a route. */
export const COOKIE_MAX_AGE_SECONDS = 86_400;

/**
 * The domain that covers the environment URL's host and its siblings: `app.dev.example.com` →
 * `dev.example.com` (so `api.dev.example.com` gets the cookie too). None for an IP address, a
 * single-label host or a two-label domain (dropping a label there would reach a whole company's
 * domain): the cookie then stays with the host that sets it.
 */
export function cookieDomain(environmentUrl: string | undefined): string | undefined {
  if (environmentUrl === undefined || environmentUrl === "") return undefined;
  let hostname: string;
  try {
    hostname = new URL(environmentUrl).hostname;
  } catch {
    return undefined;
  }
  const labels = hostname.split(".");
  if (isIP(hostname.replace(/^\[|\]$/g, "")) !== 0 || labels.length < 3) return undefined;
  return labels.slice(1).join(".");
}

function attributes(environmentUrl: string | undefined, maxAge: number): string {
  const domain = cookieDomain(environmentUrl);
  // A Secure cookie cannot be set from a plain-HTTP page, so Secure only where the site is HTTPS.
  const secure = environmentUrl?.startsWith("https:") === true;
  return [domain === undefined ? undefined : `domain=${domain}`, "path=/", `max-age=${maxAge}`, "SameSite=Lax", secure ? "Secure" : undefined]
    .filter((part) => part !== undefined)
    .join("; ");
}

/** `document.cookie = "x-route-version=pr-123; domain=dev.example.com; path=/; max-age=86400; SameSite=Lax; Secure"` */
export function setCookieCommand(route: Route, names: SignalNames, environmentUrl?: string): string {
  return `document.cookie = "${cookiePair(route, names)}; ${attributes(environmentUrl, COOKIE_MAX_AGE_SECONDS)}"`;
}

/** The same cookie with `max-age=0`: the browser deletes it and requests go to the default services again. */
export function clearCookieCommand(names: SignalNames, environmentUrl?: string): string {
  return `document.cookie = "${names.cookie}=; ${attributes(environmentUrl, 0)}"`;
}
