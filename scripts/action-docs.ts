// Writes each action's inputs and outputs into README.md as tables generated from its action.yml,
// between `<!-- action-docs:<name> -->` and `<!-- /action-docs:<name> -->`, and each example
// workflow between `<!-- example:<file> -->` and `<!-- /example:<file> -->`, so the README shows
// exactly what is tested and linted (.yml files as yaml, .sh files as sh).
// `--check` changes nothing and fails when README.md is not what this would write (CI runs it).
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

interface ActionMetadata {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description?: string }>;
}

const actionFiles: Record<string, string> = { lifecycle: "action.yml" };
for (const entry of readdirSync("actions", { withFileTypes: true })) {
  const file = join("actions", entry.name, "action.yml");
  if (entry.isDirectory() && existsSync(file)) actionFiles[entry.name] = file;
}

function cell(text: string | undefined): string {
  return (text ?? "").trim().replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

function tables(metadata: ActionMetadata): string {
  const lines = ["| input | required | default | description |", "|---|---|---|---|"];
  for (const [name, input] of Object.entries(metadata.inputs ?? {})) {
    const fallback = input.default === undefined || input.default === "" ? "" : `\`${cell(input.default)}\``;
    lines.push(`| \`${name}\` | ${input.required === true ? "yes" : "no"} | ${fallback} | ${cell(input.description)} |`);
  }
  lines.push("", "| output | description |", "|---|---|");
  for (const [name, output] of Object.entries(metadata.outputs ?? {})) {
    lines.push(`| \`${name}\` | ${cell(output.description)} |`);
  }
  return lines.join("\n");
}

function replaceSection(text: string, marker: string, content: string, required: boolean): string {
  const start = `<!-- ${marker} -->`;
  const end = `<!-- /${marker} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    if (!required) return text;
    console.error(`README.md has no ${start} … ${end} section`);
    process.exit(1);
  }
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

const readme = readFileSync("README.md", "utf8");
let updated = readme;
for (const [name, file] of Object.entries(actionFiles)) {
  const metadata = parse(readFileSync(file, "utf8")) as ActionMetadata;
  updated = replaceSection(updated, `action-docs:${name}`, tables(metadata), true);
}
const FENCE_LANGUAGE: Record<string, string> = { yml: "yaml", sh: "sh" };
for (const example of readdirSync("examples")) {
  const language = FENCE_LANGUAGE[example.slice(example.lastIndexOf(".") + 1)];
  if (language === undefined) continue;
  const file = join("examples", example);
  const fence = "```" + language + "\n" + readFileSync(file, "utf8").trimEnd() + "\n```";
  updated = replaceSection(updated, `example:${file}`, fence, true);
}

if (process.argv.includes("--check")) {
  if (updated !== readme) {
    console.error("README.md's input/output tables differ from the action.yml files; run 'npm run docs' and commit README.md");
    process.exit(1);
  }
  console.log(`README.md tables match ${Object.keys(actionFiles).length} action.yml files`);
} else {
  writeFileSync("README.md", updated);
  console.log(`README.md tables written from ${Object.keys(actionFiles).length} action.yml files`);
}
