/**
 * A probe URL may carry `user:password@` (a dev environment behind basic auth). fetch refuses such a
 * URL, and a log line or job summary must never show the password: the credentials travel as an
 * Authorization header instead, and the URL is shown with `***` in their place.
 */
export interface UrlCredentials {
  /** What is requested: the URL without credentials. */
  url: string;
  /** What logs and the summary show: the URL with its credentials replaced by `***`. */
  shown: string;
  /** `Basic …` when the URL had credentials. */
  authorization: string | undefined;
  /** The credentials as written and decoded, for the runner to mask (core.setSecret). */
  secrets: string[];
}

/** Pure: splits a parsed http(s) URL's credentials from it. */
export function splitCredentials(url: string): UrlCredentials {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") {
    return { url, shown: url, authorization: undefined, secrets: [] };
  }
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const secrets = [...new Set([parsed.username, parsed.password, user, password, `${user}:${password}`])].filter((secret) => secret !== "");
  parsed.username = "";
  parsed.password = "";
  return {
    url: parsed.href,
    shown: redactCredentials(url),
    authorization: `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`,
    secrets,
  };
}

/** Pure: any URL (or text holding one) with the `user:password@` of each http(s) URL replaced by `***@`. */
export function redactCredentials(text: string): string {
  return text.replace(/\b(https?:\/\/)[^\s/?#]*@/gi, "$1***@");
}
