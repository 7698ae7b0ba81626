import "../common/event-file-check.js";
import { runAction } from "../common/action.js";
import { reapAction } from "./main.js";

await runAction(reapAction);
