import "../common/event-file-check.js";
import { runAction } from "../common/action.js";
import { deployEphemeral } from "./main.js";

await runAction(deployEphemeral);
