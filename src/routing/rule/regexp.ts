/**
 * Go regular expressions (RE2) as JavaScript RegExps, for the patterns Traefik rules carry.
 *
 * The dialects agree on what this project generates (literals, escaped punctuation, groups,
 * alternation, `\s`, `[^;]`, anchors). Translated here: a leading `(?flags)` group becomes RegExp
 * flags, `(?P<name>` becomes `(?<name>`, `\A` and `\z` become `^` and `$`, `\Q…\E` quotes, and POSIX
 * classes such as `[[:alpha:]]` become ranges, `\pL` and `\p{Greek}` become Unicode properties, and
 * escaped punctuation JavaScript's Unicode mode refuses (`\-`) becomes `\x2d`. Lookaround and
 * backreferences, which JavaScript has and RE2 refuses, are errors. Not modelled: RE2's
 * byte-oriented matching of invalid UTF-8 and `(?U)`.
 */

const LEADING_FLAGS = /^\(\?([imsU]+)\)/;
const NOT_RE2 = /^\(\?<?[=!]/;
const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

const JS_SYNTAX_CHARACTERS = "^$\\.*+?()[]{}|/";

const compiled = new Map<string, RegExp>();

/** Go's `\pL`, `\p{Greek}`: a general category or a script, which JavaScript names `Script=Greek`. */
function unicodeProperty(negated: boolean, name: string): string {
  const escape = negated ? "\\P" : "\\p";
  try {
    new RegExp(`\\p{${name}}`, "u");
    return `${escape}{${name}}`;
  } catch {
    return `${escape}{Script=${name}}`;
  }
}

/** RE2 syntax JavaScript lacks, rewritten; throws for what RE2 itself refuses. */
function translate(pattern: string, source: string): string {
  let out = "";
  let index = 0;
  while (index < source.length) {
    const rest = source.slice(index);
    if (NOT_RE2.test(rest)) throw new Error(`regexp ${pattern}: lookaround is not RE2 syntax`);
    if (rest.startsWith("(?P<")) {
      out += "(?<";
      index += 4;
      continue;
    }
    const posix = /^\[:(\^?)([a-z]+):\]/.exec(rest);
    if (posix !== null) {
      const range = POSIX_CLASSES[posix[2] ?? ""];
      if (range === undefined || posix[1] === "^") throw new Error(`regexp ${pattern}: POSIX class ${posix[0]} is not modelled`);
      out += range;
      index += posix[0].length;
      continue;
    }
    const char = source.charAt(index);
    if (char !== "\\") {
      out += char;
      index += 1;
      continue;
    }
    const next = source.charAt(index + 1);
    if (/[1-9]/.test(next)) throw new Error(`regexp ${pattern}: backreferences are not RE2 syntax`);
    const property = /^\\([pP])(?:\{(\^?)([A-Za-z_]+)\}|([A-Za-z]))/.exec(rest);
    if (property !== null) {
      out += unicodeProperty(property[1] === "P" !== (property[2] === "^"), property[3] ?? property[4] ?? "");
      index += property[0].length;
      continue;
    }
    if (next === "A") out += "^";
    else if (next === "z") out += "$";
    else if (next === "Q") {
      const end = source.indexOf("\\E", index + 2);
      const quoted = source.slice(index + 2, end < 0 ? undefined : end);
      out += escapeRegexp(quoted);
      index = end < 0 ? source.length : end + 2;
      continue;
    } else if (/^[!-/:-@[-`{-~]$/.test(next) && !JS_SYNTAX_CHARACTERS.includes(next)) {
      // Go lets any punctuation be escaped; Unicode-mode JavaScript only its own syntax characters.
      out += `\\x${next.charCodeAt(0).toString(16).padStart(2, "0")}`;
    } else if (rest.startsWith("\\x{")) {
      out += "\\u";
    } else out += `\\${next}`;
    index += 2;
  }
  return out;
}

/** Compiles a Go regexp; throws an Error whose message says what is wrong. */
export function compileGoRegexp(pattern: string): RegExp {
  const cached = compiled.get(pattern);
  if (cached !== undefined) return cached;
  let source = pattern;
  let flags = "";
  const leading = LEADING_FLAGS.exec(source);
  if (leading !== null) {
    const goFlags = leading[1] ?? "";
    if (goFlags.includes("U")) throw new Error(`regexp ${pattern}: the (?U) flag is not modelled`);
    flags = goFlags;
    source = source.slice(leading[0].length);
  }
  source = translate(pattern, source);
  let regexp: RegExp;
  try {
    regexp = new RegExp(source, `${flags}u`);
  } catch (error) {
    throw new Error(`regexp ${pattern} does not compile: ${(error as Error).message}`, { cause: error });
  }
  compiled.set(pattern, regexp);
  return regexp;
}

/** Escapes every RE2 (and JavaScript) metacharacter so `value` matches itself literally. */
export function escapeRegexp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
