import { ConfigurationError } from "../common/errors.js";
import { TAG_LIMITS } from "../ecs/tags.js";
import { parseKeyValueText } from "./key-value-text.js";

const AWS_PREFIX = "aws:";
/** Key prefixes the user may not write: `aws:` is AWS's, `dynamic-routing:` is ours (ownership). */
const RESERVED_PREFIXES = [AWS_PREFIX, "dynamic-routing:"];
/** The characters ECS allows in tag keys and values (its API's pattern): letters, digits, spaces and `_ . : / = + - @`. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Pure: user tags from the `tags` input, written as `key=value` lines or as a YAML map.
 * Keys and values are checked against ECS's limits here; the count against the limit is checked
 * where the action's own tags are known (route-tags.ts).
 */
export function parseUserTags(text: string | undefined, input = "tags"): Record<string, string> {
  const tags = parseKeyValueText(text, input, "tag");
  for (const [key, value] of tags) {
    if (key === "" || key.length > TAG_LIMITS.keyLength) {
      throw new ConfigurationError(`tag key '${key.slice(0, 40)}' must be 1-${TAG_LIMITS.keyLength} characters`, input);
    }
    if (value.length > TAG_LIMITS.valueLength) {
      throw new ConfigurationError(`the value of tag '${key}' is longer than ${TAG_LIMITS.valueLength} characters`, input);
    }
    const reserved = RESERVED_PREFIXES.find((prefix) => key.toLowerCase().startsWith(prefix));
    if (reserved !== undefined) {
      throw new ConfigurationError(`tag key '${key}' uses the reserved prefix '${reserved}'; choose another key`, input);
    }
    if (value.toLowerCase().startsWith(AWS_PREFIX)) {
      throw new ConfigurationError(`the value of tag '${key}' starts with the reserved prefix '${AWS_PREFIX}'; ECS refuses it in keys and values`, input);
    }
    if (!TAG_CHARACTERS.test(key)) {
      throw new ConfigurationError(`tag key '${key}' has a character ECS does not allow; use letters, digits, spaces and _ . : / = + - @`, input);
    }
    if (!TAG_CHARACTERS.test(value)) {
      throw new ConfigurationError(`the value of tag '${key}' has a character ECS does not allow; use letters, digits, spaces and _ . : / = + - @`, input);
    }
  }
  return Object.fromEntries(tags);
}
