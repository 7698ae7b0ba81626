// Imported first by the entries whose bundle holds @actions/github: that package parses
// GITHUB_EVENT_PATH as soon as it is loaded and crashes with a stack trace on a file that is not
// JSON. This check runs before it and ends the step with one line saying what is wrong.
import * as core from "@actions/core";
import { errorMessage } from "../../common/errors.js";
import { readEventPayload } from "../../github/event.js";

try {
  readEventPayload(process.env);
} catch (error) {
  core.setFailed(errorMessage(error));
  process.exit(1);
}
