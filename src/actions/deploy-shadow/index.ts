import { runAction } from "../common/action.js";
import { deployShadow } from "./main.js";

await runAction(deployShadow);
