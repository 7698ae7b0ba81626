import { runAction } from "../common/action.js";
import { integrationTest } from "./main.js";

await runAction(integrationTest);
