import { invalidParameter } from "./errors.js";

/**
 * ECS list calls page with an opaque nextToken. The token names the last item returned (not an offset),
 * so items deleted or added between pages neither repeat nor vanish from the remaining pages.
 */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export function paginate<T>(
  all: readonly T[],
  keyOf: (item: T) => string,
  input: { maxResults?: number; nextToken?: string },
  limits: { defaultMax: number; max: number },
): Page<T> {
  const maxResults = input.maxResults ?? limits.defaultMax;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > limits.max) {
    throw invalidParameter(`maxResults must be between 1 and ${limits.max}.`);
  }
  let start = 0;
  if (input.nextToken !== undefined && input.nextToken !== "") {
    const after = decodeToken(input.nextToken);
    const index = all.findIndex((item) => keyOf(item) === after.key);
    // The named item may have gone since the previous page: resume at its recorded position.
    start = index >= 0 ? index + 1 : Math.min(after.position, all.length);
  }
  const items = all.slice(start, start + maxResults);
  const end = start + items.length;
  const last = items.at(-1);
  return end < all.length && last !== undefined
    ? { items, nextToken: encodeToken({ key: keyOf(last), position: end }) }
    : { items };
}

interface TokenBody {
  key: string;
  position: number;
}

function encodeToken(body: TokenBody): string {
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

function decodeToken(token: string): TokenBody {
  try {
    const body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Partial<TokenBody>;
    if (typeof body.key === "string" && typeof body.position === "number") return { key: body.key, position: body.position };
  } catch {
    // fall through to the ECS error below
  }
  throw invalidParameter("Invalid nextToken.");
}
