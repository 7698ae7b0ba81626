import type { Logger } from "../../common/logger.js";
import { readDeployInputs } from "../../config/deploy-inputs.js";
import { Inputs } from "../../config/inputs.js";
import { applyRoute } from "../../deploy/apply.js";
import { checkShadowRef, routeToDeploy } from "../../deploy/event-route.js";
import { planRoute } from "../../deploy/plan.js";
import { readRoute } from "../../deploy/read.js";
import { failureLine } from "../../deploy/report.js";
import { readWorkflowEvent } from "../../github/event.js";
import { deployOptions, reportDeploy, runOnDeploy, type DeployRun } from "../common/deploy.js";

/**
 * deploy-shadow: route `shadow` for each listed service, on push to the default branch (any other ref
 * only with allow-any-branch). Read, plan, on-deploy, apply; a
 * failed rollout fails the step after the outputs and summary are written.
 */
export async function deployShadow(logger: Logger): Promise<void> {
  const event = readWorkflowEvent();
  const settings = readDeployInputs(new Inputs(), "shadow");
  checkShadowRef(event, settings.allowAnyBranch);
  const run: DeployRun = { kind: "shadow", event, ...routeToDeploy(event, settings), settings, startedAt: new Date() };
  const options = deployOptions(run, logger);
  const read = await readRoute(options);
  const plan = await runOnDeploy(run, options, read, planRoute(options, read, run.startedAt), logger);
  const result = await applyRoute(options, plan, read.region);
  await reportDeploy(result, settings, new Date());
  if (result.failed) throw new Error(failureLine(result));
}
