// Plain-text rendering for the demo's terminal output: aligned tables and GitHub markdown made readable.

/** Terminal columns a string takes: emoji take two, variation selectors and joiners none. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) {
    if (/[\uFE0E\uFE0F\u200D]/u.test(character)) continue;
    width += /\p{Extended_Pictographic}/u.test(character) && (character.codePointAt(0) ?? 0) > 0x2000 ? 2 : 1;
  }
  return width;
}

/** Rows under a header, columns padded to their widest cell, a rule under the header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], indent = "  "): string[] {
  const widths = header.map((cell, column) => Math.max(displayWidth(cell), ...rows.map((row) => displayWidth(row[column] ?? ""))));
  const pad = (cell: string, width: number): string => cell + " ".repeat(Math.max(0, width - displayWidth(cell)));
  const line = (cells: readonly string[]): string =>
    indent + cells.map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, widths[column] ?? 0))).join("  ");
  return [line(header), indent + widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)];
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

/** Inline markdown as read; inside a table cell a link shows its text only, to keep columns narrow. */
function inline(text: string, inTable = false): string {
  return text
    .replace(/<br\s*\/?>/gi, " / ")
    .replace(/<\/?(?:sub|sup|b|strong|em|i|code|summary|details|p)(?:\s[^>]*)?>/gi, "")
    .replace(/!\[([^\]]*)\]\(([^)]*)\)/g, "$1")
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, inTable ? "$1" : "$1 <$2>")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/(`+) ?((?:(?!\1)[\s\S])+?) ?\1/g, "$2")
    .replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity)
    // Outside text comes as <code> with numeric references and a word joiner after `@` (inertText).
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/\u2060/g, "");
}

function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((cell) => inline(cell.trim().replace(/\\([|\\])/g, "$1"), true));
}

/**
 * GitHub-flavoured markdown as a person reads it rendered: hidden `<!-- -->` markers dropped,
 * tables aligned, code blocks indented, links as `text <url>`.
 */
export function renderMarkdown(markdown: string, indent = "  "): string[] {
  const lines = markdown.replace(/<!--[\s\S]*?-->/g, "").split(/\r?\n/);
  const out: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (/^\s*```/.test(line)) {
      for (index++; index < lines.length && !/^\s*```/.test(lines[index] ?? ""); index++) out.push(`${indent}    ${lines[index]}`);
      continue;
    }
    if (/^\s*\|/.test(line)) {
      const block: string[] = [];
      for (; index < lines.length && /^\s*\|/.test(lines[index] ?? ""); index++) block.push(lines[index] ?? "");
      index--;
      const [head, separator, ...body] = block;
      if (head === undefined) continue;
      const rows = separator !== undefined && /^[\s|:-]+$/.test(separator) ? body : [separator ?? "", ...body].filter((row) => row !== "");
      out.push(...formatTable(tableCells(head), rows.map(tableCells), indent));
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading !== null) {
      out.push(`${indent}${inline(heading[1] ?? "")}`);
      continue;
    }
    const text = inline(line).trimEnd();
    // Collapse runs of blank lines left by removed markers.
    if (text.trim() === "" && (out.length === 0 || out[out.length - 1]?.trim() === "")) continue;
    out.push(text.trim() === "" ? "" : `${indent}${text.replace(/^>\s?/, "| ")}`);
  }
  while (out.length > 0 && out[out.length - 1]?.trim() === "") out.pop();
  return out;
}
