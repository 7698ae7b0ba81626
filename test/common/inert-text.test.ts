import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { inertText } from "../../src/common/inert-text.js";
import { codeTexts, renderGfm, withoutCode } from "../helpers/markdown.js";

/** Fragments a pull-request author would try, mixed with any Unicode. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "[x](https://evil.example/)",
        "![t](https://evil.example/i.png)",
        "@org/team",
        "@octocat",
        "https://evil.example/a?b=c&d",
        "www.evil.example",
        "a@b.example",
        "<img src=x onerror=alert(1)>",
        "<a href='https://evil.example'>x</a>",
        "</code>",
        "</td></tr></table>",
        "<!--",
        "-->",
        "`",
        "```",
        "|",
        "\\|",
        "\\",
        "\n",
        "\n\n",
        "\r\n# heading\n",
        "**bold** _em_ ~~del~~",
        "#1 GH-1 octo/repo#2",
        ":smile:",
        "&amp; &#64; &lt;",
        "<https://evil.example>",
        "[ref]: https://evil.example",
        "\u202e\u200b\u2060",
        "- [ ] task",
      ),
      fc.string({ unit: "grapheme", maxLength: 8 }),
      fc.string({ unit: "binary", maxLength: 4 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));

/** What the reader sees: the text, with line breaks as spaces, hidden characters spelled out, `@` joined to nothing. */
function shown(text: string): string {
  let result = "";
  for (const character of text) {
    if (/^[\r\n\t]$/.test(character)) result += " ";
    else if (/^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]$/u.test(character)) result += `\\u{${(character.codePointAt(0) as number).toString(16)}}`;
    else result += character === "@" ? "@\u2060" : character;
  }
  return result;
}

/** Every place the actions put outside text: paragraphs, list items, Markdown table cells, raw HTML tables. */
const contexts: Record<string, (cell: string) => string> = {
  paragraph: (cell) => `Environment: ${cell} · updated now\n`,
  "list item": (cell) => `**Why it failed**\n\n- ${cell}\n- second\n`,
  "table cell": (cell) => `| a | b |\n|---|---|\n| ${cell} | ❌ failed: ${cell} |\n| next | row |\n`,
  "HTML table": (cell) => `<h2>Probes</h2>\n<table><tr><th>probe</th></tr><tr><td>${cell}</td></tr></table>\nafter\n`,
};

describe("inertText", () => {
  for (const [name, context] of Object.entries(contexts)) {
    it(`renders any text literally in a ${name}: the page is the same as for plain text except inside <code>`, () => {
      const baseline = withoutCode(renderGfm(context(inertText("plain"))));
      fc.assert(
        fc.property(hostile, (text) => {
          const html = renderGfm(context(inertText(text)));
          assert.equal(withoutCode(html), baseline);
          for (const code of codeTexts(html)) assert.equal(code, shown(text));
        }),
        { numRuns: 150 },
      );
    });
  }

  it("never leaves an `@` that GitHub could link as a mention or an e-mail address", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        for (const code of codeTexts(renderGfm(inertText(text)))) assert.doesNotMatch(code, /@[\p{L}\p{N}_.+-]/u);
      }),
    );
  });

  it("shows links, images, mentions and HTML as their text", () => {
    const html = renderGfm(`x ${inertText("[x](https://e.example) ![t](i.png) @org/team <b>b</b> www.e.example")}\n`);
    assert.equal(html, "<p>x <code>[x](https://e.example) ![t](i.png) @\u2060org/team &lt;b&gt;b&lt;/b&gt; www.e.example</code></p>\n");
  });

  it("spells out characters that would disguise the text", () => {
    assert.equal(codeTexts(renderGfm(inertText("ab\u202ecd\u200b\u0007")))[0], "ab\\u{202e}cd\\u{200b}\\u{7}");
  });
});
