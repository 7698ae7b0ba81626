import { ConfigurationError } from "../common/errors.js";
import { isClusterReference } from "../ecs/names.js";
import { INPUT } from "./action-io.js";
import type { Inputs } from "./inputs.js";

/** The `cluster` input of deploy and reap: an ECS cluster name or ARN, `default` when not given. */
export function readCluster(inputs: Inputs): string {
  const cluster = inputs.stringNotEmpty(INPUT.cluster, "default", "name the ECS cluster (e.g. cluster: dev), or leave the input out for 'default'");
  if (!isClusterReference(cluster)) {
    throw new ConfigurationError(
      `'${cluster}' is not an ECS cluster name (letters, digits, '-', '_') or cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)`,
      INPUT.cluster,
    );
  }
  return cluster;
}
