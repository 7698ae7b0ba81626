import { ClusterNotFoundException, ECSClient } from "@aws-sdk/client-ecs";
import { ConfigurationError, errorMessage } from "../common/errors.js";

const CREDENTIALS_HINT =
  "configure AWS credentials and region before this step, e.g. with aws-actions/configure-aws-credentials (role-to-assume, aws-region)";

/**
 * The ECS client every action uses. Adaptive retry paces calls down on throttling instead of
 * failing the deploy (docs/design.md §7). The SDK itself honours `AWS_ENDPOINT_URL_ECS`, then
 * `AWS_ENDPOINT_URL` (how tests point it at the emulator).
 */
export function createEcsClient(region?: string): ECSClient {
  return new ECSClient({ ...(region !== undefined ? { region } : {}), retryMode: "adaptive", maxAttempts: 10 });
}

/**
 * Resolves region and credentials now, so a runner without them fails with one line telling how to
 * fix it before anything is read or created, not with an SDK stack on the first call.
 */
export async function checkAwsConfiguration(client: ECSClient): Promise<{ region: string }> {
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    throw new ConfigurationError(`no AWS region is set (AWS_REGION); ${CREDENTIALS_HINT}`);
  }
  if (region === "") {
    throw new ConfigurationError(`no AWS region is set (AWS_REGION); ${CREDENTIALS_HINT}`);
  }
  try {
    await client.config.credentials();
  } catch (error) {
    throw new ConfigurationError(`no AWS credentials found (${errorMessage(error).split("\n")[0]}); ${CREDENTIALS_HINT}`);
  }
  return { region };
}

/** A ClusterNotFoundException as the user's mistake in the `cluster` input; any other error as it is. */
export function asClusterInputError(error: unknown, cluster: string): unknown {
  return error instanceof ClusterNotFoundException
    ? new ConfigurationError(`cluster '${cluster}' does not exist in this account and region; give the name of the ECS cluster the services run in`, "cluster")
    : error;
}
