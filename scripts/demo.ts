// `npm run demo`: the whole lifecycle of the root action against local ECS and GitHub API emulators,
// no AWS account and no network needed. Exits 1 with the failed step's output when a step fails.
// `npm run demo -- --fail-deploy` makes the pull request's image crash on start, to show a failed rollout.
import { parseArgs } from "node:util";
import { DemoStepFailure, runDemo } from "./demo/lifecycle.js";

const { values } = parseArgs({ options: { "fail-deploy": { type: "boolean", default: false } } });

try {
  await runDemo({ print: (line) => console.log(line), failPullRequestDeploy: values["fail-deploy"] });
} catch (error) {
  if (error instanceof DemoStepFailure) {
    console.error(`\nFAILED: ${error.step}\n${error.output}`);
  } else {
    console.error("\nFAILED:", error);
  }
  process.exitCode = 1;
}
