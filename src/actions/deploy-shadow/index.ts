import { runAction } from "../common/action.js";
import { deployShadow } from "../deploy/shadow.js";

await runAction(deployShadow);
