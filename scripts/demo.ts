// `npm run demo`: the whole lifecycle of the root action against local ECS and GitHub API emulators,
// no AWS account and no network needed. Exits 1 with the failed step's output when a step fails.
// `npm run demo -- --fail-deploy` makes the pull request's image crash on start, to show a failed rollout.
import { parseArgs } from "node:util";
import { DemoStepFailure, runDemo } from "./demo/lifecycle.js";

const USAGE = `Usage: npm run demo [-- --fail-deploy]

Runs the whole lifecycle of the root action (shadow on push, a pull request's copy, its comment and
integration tests, the same tests as a one-off ECS task with runner: ecs-task, teardown on close)
against local ECS, CloudWatch Logs and GitHub API emulators, and prints the routing table, the
pull-request comment, the test task's streamed log and what the reaper removed. No AWS account, no network.

Options:
  --fail-deploy  the pull request's image crashes on start: shows a failed rollout, exit code 1
  -h, --help     this text`;

function readOptions(): { failDeploy: boolean } | undefined {
  try {
    const { values } = parseArgs({
      options: { "fail-deploy": { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    });
    if (values.help) {
      console.log(USAGE);
      return undefined;
    }
    return { failDeploy: values["fail-deploy"] };
  } catch (error) {
    // parseArgs names the unknown option or the stray argument; the usage says what is accepted.
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exitCode = 2;
    return undefined;
  }
}

const options = readOptions();
if (options !== undefined) {
  try {
    await runDemo({ print: (line) => console.log(line), failPullRequestDeploy: options.failDeploy });
  } catch (error) {
    if (error instanceof DemoStepFailure) {
      console.error(`\nFAILED: ${error.step}\n${error.output}`);
    } else {
      console.error("\nFAILED:", error);
    }
    process.exitCode = 1;
  }
}
