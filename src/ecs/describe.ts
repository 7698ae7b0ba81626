import { DescribeServicesCommand, type ECSClient, type Service } from "@aws-sdk/client-ecs";
import { chunk, DESCRIBE_SERVICES_BATCH } from "./batch.js";
import { asClusterInputError } from "./client.js";

/**
 * The named services found in `cluster` (DRAINING and INACTIVE ones too), by name: one
 * DescribeServices call per 10 names, sent together. Names ECS does not know are absent. An
 * unknown cluster is the `cluster` input's mistake.
 */
export async function describeServices(client: ECSClient, cluster: string, names: string[], options: { includeTags?: boolean } = {}): Promise<Map<string, Service>> {
  const found = new Map<string, Service>();
  let answers;
  try {
    answers = await Promise.all(
      chunk(names, DESCRIBE_SERVICES_BATCH).map((batch) =>
        client.send(new DescribeServicesCommand({ cluster, services: batch, ...(options.includeTags === true ? { include: ["TAGS"] } : {}) })),
      ),
    );
  } catch (error) {
    throw asClusterInputError(error, cluster);
  }
  for (const answer of answers) {
    for (const service of answer.services ?? []) {
      if (service.serviceName !== undefined) found.set(service.serviceName, service);
    }
  }
  return found;
}
