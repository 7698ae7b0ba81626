// `npm test` runs this first (pretest). The tests need Node 24, the actions' runtime: `npm ci`
// installs it as the `node` package, and npm scripts find it first in node_modules/.bin. Without it
// the machine's own node runs the tests, and an older one fails with "Could not find 'test/**/*.test.ts'".
// Plain JavaScript, so that any Node can run it and say what to do.
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split(".")[0]);

if (major < REQUIRED_MAJOR) {
  console.error(
    [
      `npm test needs Node ${REQUIRED_MAJOR} (the actions' runtime); this is Node ${process.version} (${process.execPath}).`,
      `npm ci installs Node ${REQUIRED_MAJOR} as the devDependency \`node\` and npm scripts run it from node_modules/.bin,`,
      "but it is not there: installed with --ignore-scripts or --omit=dev?",
      "Fix: run `npm ci` (plain), then `npm test` again; or put Node 24 on PATH (e.g. `nvm install 24`).",
    ].join("\n"),
  );
  process.exit(1);
}
