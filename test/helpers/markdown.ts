// GitHub-flavoured Markdown rendered the way a comment or job summary is (raw HTML kept, as
// GitHub's sanitiser keeps <code>, <table>, <details>), to check what outside text turns into.
import { micromark } from "micromark";
import { gfm, gfmHtml } from "micromark-extension-gfm";

export function renderGfm(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** The rendered page with the text of every <code> element (and so every <pre><code> block) blanked. */
export function withoutCode(html: string): string {
  return html.replace(/<code( [^>]*)?>[^<]*<\/code>/g, "<code></code>");
}

/** The texts of the rendered <code> elements as a browser shows them (raw HTML keeps numeric references). */
export function codeTexts(html: string): string[] {
  return [...html.matchAll(/<code(?: [^>]*)?>([^<]*)<\/code>/g)].map((match) => decodeHtml(match[1] as string));
}

function decodeHtml(text: string): string {
  return text.replace(/&(?:(lt|gt|quot|amp)|#(\d+));/g, (_, name: string | undefined, code: string | undefined) =>
    name !== undefined ? ({ lt: "<", gt: ">", quot: '"', amp: "&" } as Record<string, string>)[name] as string : String.fromCodePoint(Number(code)),
  );
}
