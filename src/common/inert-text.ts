/**
 * Text from outside (stopped reasons, URLs, images, branch names, anything a pull-request author can
 * shape) as an inline `<code>` element that GitHub renders as the literal text, in a PR comment and in
 * a job summary alike, whether it lands in Markdown (a paragraph, a list, a table cell) or inside raw
 * HTML (`core.summary` tables):
 * - every ASCII character but letters, digits, space and `-` becomes a numeric character reference, so no
 *   Markdown or HTML syntax (links, images, `<img>`, emphasis, `|` of a table, autolinked
 *   `https://` and `www.`) can form, and no line break ends a table row or an HTML block;
 * - GitHub links no mention, issue reference or emoji inside `code`;
 * - a WORD JOINER (U+2060) follows each `@`: GitHub's Markdown links `a@b.com` as an e-mail address
 *   even when written with references, but not when `@` is not followed by a letter or digit;
 * - control and invisible formatting characters (bidirectional overrides, zero-width spaces) are
 *   shown as `\u{…}` so they cannot disguise the text; line breaks and tabs become spaces.
 */
export function inertText(text: string): string {
  let encoded = "";
  for (const character of text) {
    encoded += inertCharacter(character);
  }
  return `<code>${encoded}</code>`;
}

const WORD_JOINER = "\u2060";

function inertCharacter(character: string): string {
  if (/^[A-Za-z0-9 -]$/.test(character)) return character;
  if (character === "\n" || character === "\r" || character === "\t") return " ";
  const code = character.codePointAt(0) as number;
  if (code < 0x80 && code > 0x20 && code !== 0x7f) return `&#${code};${character === "@" ? WORD_JOINER : ""}`;
  if (/^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]$/u.test(character)) return `&#92;u{${code.toString(16)}}`;
  return character;
}
