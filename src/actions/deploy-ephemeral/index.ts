import { runAction } from "../common/action.js";
import { deployEphemeral } from "../deploy/ephemeral.js";

await runAction(deployEphemeral);
