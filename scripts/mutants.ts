// Mutation testing of the pure core with StrykerJS, one source file at a time so that a run fits on
// two cores: each file is mutated and judged only by the fast unit tests that import it (never the
// end-to-end tests, which run dist/ and would not see a mutant anyway).
//
//   npm run mutants -- src/reap/select.ts            one file (what a contributor runs after a change)
//   npm run mutants -- src/reap/select.ts --concurrency 1
//   npm run mutants                                  every file of MUTATION_SCOPE in turn
//
// Shared settings are in stryker.config.json. Sandboxes go to .stryker-tmp/ and reports to
// reports/mutation/<file>.html|json, both gitignored. Exits 1 when a file kills fewer than
// MINIMUM_SCORE % of its mutants (type errors found by the TypeScript checker do not count).
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Stryker } from "@stryker-mutator/core";

type MutantResult = Awaited<ReturnType<Stryker["runMutationTest"]>>[number];
type StrykerOptions = ConstructorParameters<typeof Stryker>[0];

/** The pure core (issue 16): routing, reap selection, ECS definition transforms, the deploy plan, rendering. */
const MUTATION_SCOPE = [
  "src/routing/route.ts",
  "src/routing/labels.ts",
  "src/routing/traefik-labels.ts",
  "src/reap/select.ts",
  "src/reap/test-tasks.ts",
  "src/ecs/task-definition.ts",
  "src/ecs/service-definition.ts",
  "src/deploy/plan.ts",
  "src/github/comment-body.ts",
  "src/deploy/report.ts",
];
const MINIMUM_SCORE = 90;
/**
 * The TypeScript checker compiles this project for each group of mutants; compiling only the mutated
 * file and what it imports (not every file that imports it) keeps that to seconds. Rewritten per run.
 */
const CHECKER_TSCONFIG = "tsconfig.mutants.json";

/**
 * Test files that start an emulator or run a bundle are not unit tests, whatever they import. The
 * pure helpers (test/helpers/markdown.ts renders GitHub Markdown, webhooks.ts reads payloads) are.
 */
const NOT_UNIT_TEST_IMPORTS = [
  "test/emulators/",
  "test/helpers/action-runner.ts",
  "test/helpers/composite-runner.ts",
  "test/helpers/deploy.ts",
  "test/helpers/ecs.ts",
  "test/helpers/github.ts",
];

function testFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
    .map((entry) => relative(".", join(entry.parentPath, entry.name)))
    .sort();
}

/** The repository-relative `.ts` files a test file imports with a relative specifier. */
function localImports(testFile: string): string[] {
  const source = readFileSync(testFile, "utf8");
  const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((match) => match[1] ?? "");
  return specifiers.map((specifier) => relative(".", resolve(dirname(testFile), specifier)).replace(/\.js$/, ".ts"));
}

/**
 * In the order Stryker runs them for each mutant, stopping at the first failure: example tests
 * first, property tests (fast-check) last, since they run hundreds of cases and shrink a failure.
 */
function unitTestsImporting(sourceFile: string, candidates = testFiles("test")): string[] {
  const selected = candidates.filter((testFile) => {
    const imports = localImports(testFile);
    return imports.includes(sourceFile) && !imports.some((file) => NOT_UNIT_TEST_IMPORTS.some((prefix) => file.startsWith(prefix)));
  });
  const isPropertyTest = (testFile: string) => /from "fast-check"/.test(readFileSync(testFile, "utf8"));
  return [...selected.filter((testFile) => !isPropertyTest(testFile)), ...selected.filter(isPropertyTest)];
}

interface Score {
  file: string;
  tests: number;
  killed: number;
  survived: number;
  noCoverage: number;
  timeout: number;
  typeErrors: number;
  score: number;
}

function score(file: string, tests: number, results: readonly MutantResult[]): Score {
  const count = (status: MutantResult["status"]) => results.filter((result) => result.status === status).length;
  const killed = count("Killed");
  const timeout = count("Timeout");
  const survived = count("Survived");
  const noCoverage = count("NoCoverage");
  const valid = killed + timeout + survived + noCoverage;
  return {
    file,
    tests,
    killed,
    survived,
    noCoverage,
    timeout,
    typeErrors: count("CompileError"),
    score: valid === 0 ? 100 : (100 * (killed + timeout)) / valid,
  };
}

async function mutate(file: string, concurrency: number | undefined): Promise<Score> {
  const path = file.split(":")[0] ?? file; // `src/x.ts:10-20` mutates only those lines
  if (!existsSync(path)) throw new Error(`${path} does not exist; give a source file such as src/reap/select.ts`);
  const tests = unitTestsImporting(path);
  if (tests.length === 0) throw new Error(`no unit test imports ${path}: write one under test/ first`);
  console.log(`\n== ${file}: mutated against ${tests.join(", ")}`);
  const report = join("reports", "mutation", path.replace(/^src\//, "").replace(/\.ts$/, "").replaceAll("/", "-"));
  writeFileSync(CHECKER_TSCONFIG, `${JSON.stringify({ extends: "./tsconfig.json", include: [], files: [path] }, null, 2)}\n`);
  const options: StrykerOptions = {
    mutate: [file],
    tsconfigFile: CHECKER_TSCONFIG,
    tap: { testFiles: tests },
    htmlReporter: { fileName: `${report}.html` },
    jsonReporter: { fileName: `${report}.json` },
    ...(concurrency === undefined ? {} : { concurrency }),
  };
  const results = await new Stryker(options).runMutationTest();
  return score(file, tests.length, results);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { concurrency: { type: "string" } } });
const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
  console.error(`--concurrency '${values.concurrency}' must be a positive integer`);
  process.exit(1);
}
const scores: Score[] = [];
for (const file of positionals.length > 0 ? positionals : MUTATION_SCOPE) {
  try {
    scores.push(await mutate(file, concurrency));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
console.log("\n| file | mutants (not counting type errors) | killed | timed out | survived | no coverage | score |");
console.log("|---|---|---|---|---|---|---|");
for (const entry of scores) {
  const mutants = entry.killed + entry.timeout + entry.survived + entry.noCoverage;
  console.log(`| ${entry.file} | ${mutants} | ${entry.killed} | ${entry.timeout} | ${entry.survived} | ${entry.noCoverage} | ${entry.score.toFixed(1)}% |`);
}
const low = scores.filter((entry) => entry.score < MINIMUM_SCORE);
if (low.length > 0) {
  console.error(`below ${MINIMUM_SCORE}% killed: ${low.map((entry) => entry.file).join(", ")}; add tests that state the behaviour a survivor changes`);
  process.exitCode = 1;
}
