// A whole deploy of one route as one call: read → plan → apply. The actions call the three steps
// themselves (deploy-ephemeral opens the pull request's comment between plan and apply).
import { applyRoute, type DeployRouteResult } from "./apply.js";
import type { DeployRouteOptions } from "./options.js";
import { planRoute } from "./plan.js";
import { readRoute } from "./read.js";

/** Deploys route R's copy of every listed base service (docs/design.md §3). */
export async function deployRoute(options: DeployRouteOptions): Promise<DeployRouteResult> {
  const read = await readRoute(options);
  const plan = planRoute(options, read, options.now?.() ?? new Date());
  return applyRoute(options, plan, read.region);
}
