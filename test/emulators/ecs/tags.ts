import { invalidParameter } from "./errors.js";

/** An ECS tag as it travels on the wire (lower-case member names). */
export interface Tag {
  key: string;
  value: string;
}

const MAX_TAGS = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function validateTag(tag: Partial<Tag>): Tag {
  const key = tag.key;
  const value = tag.value ?? "";
  if (typeof key !== "string" || key.length < 1 || key.length > MAX_KEY_LENGTH) {
    throw invalidParameter(`Tag keys must be between 1 and ${MAX_KEY_LENGTH} characters.`);
  }
  if (typeof value !== "string" || value.length > MAX_VALUE_LENGTH) {
    throw invalidParameter(`Tag values must be at most ${MAX_VALUE_LENGTH} characters.`);
  }
  if (!TAG_CHARACTERS.test(key) || !TAG_CHARACTERS.test(value)) {
    throw invalidParameter("Tags may only contain letters, numbers, spaces and _ . : / = + - @.");
  }
  if (isReserved(key) || isReserved(value)) {
    throw invalidParameter("Tag keys and values with the prefix 'aws:' are reserved for AWS use.");
  }
  return { key, value };
}

/** ECS reserves `aws:` in any letter case, as a prefix of keys and of values. */
function isReserved(text: string): boolean {
  return text.toLowerCase().startsWith("aws:");
}

/**
 * Merges `additions` into `existing` (same key overwrites), enforcing ECS's per-resource limits. Tags ECS
 * set itself (`aws:ecs:*` managed tags on tasks) stay and do not count against the 50.
 */
export function mergeTags(existing: readonly Tag[], additions: readonly Partial<Tag>[] | undefined): Tag[] {
  const merged = new Map(existing.map((tag) => [tag.key, tag.value]));
  for (const tag of additions ?? []) {
    const valid = validateTag(tag);
    merged.set(valid.key, valid.value);
  }
  const counted = [...merged.keys()].filter((key) => !isReserved(key)).length;
  if (counted > MAX_TAGS) throw invalidParameter(`A resource can have at most ${MAX_TAGS} tags.`);
  return [...merged].map(([key, value]) => ({ key, value }));
}

/** Removes the tags with these keys; `aws:` tags cannot be removed. */
export function removeTags(existing: readonly Tag[], keys: readonly string[] | undefined): Tag[] {
  if (keys?.some(isReserved)) throw invalidParameter("Tag keys with the prefix 'aws:' are reserved for AWS use and cannot be removed.");
  const removed = new Set(keys ?? []);
  return existing.filter((tag) => !removed.has(tag.key));
}
