import { ConfigurationError } from "../common/errors.js";
import { isClusterReference } from "../ecs/names.js";
import { INPUT } from "./action-io.js";
import type { Inputs } from "./inputs.js";

/** The `cluster` input of deploy and reap: an ECS cluster name or ARN, `default` when not given. */
export function readCluster(inputs: Inputs): string {
  const cluster = inputs.string(INPUT.cluster, "default");
  if (!isClusterReference(cluster)) {
    throw new ConfigurationError(`'${cluster}' is not an ECS cluster name or ARN`, INPUT.cluster);
  }
  return cluster;
}
