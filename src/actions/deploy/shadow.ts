import type { Logger } from "../../common/logger.js";
import { Inputs } from "../../config/inputs.js";
import { readWorkflowEvent } from "../../github/event.js";
import { deploy, readDeployContext } from "./main.js";

/** deploy-shadow: route `shadow` for each listed service, on push to main. */
export async function deployShadow(logger: Logger): Promise<void> {
  await deploy(readDeployContext("shadow", new Inputs(), readWorkflowEvent()), logger);
}
