import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment, Service } from "@aws-sdk/client-ecs";
import { deploymentState } from "../../src/deploy/wait.js";

const ours = "arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-2:2";
const previous = "arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-2:1";

function service(deployments: Deployment[], status = "ACTIVE"): Service {
  return { serviceName: "orders--pr-2", status, deployments };
}

describe("deploymentState", () => {
  it("is stable when our PRIMARY deployment's rollout is COMPLETED", () => {
    assert.deepEqual(deploymentState(service([{ status: "PRIMARY", taskDefinition: ours, rolloutState: "COMPLETED", runningCount: 1, desiredCount: 1 }]), ours), {
      state: "stable",
    });
  });

  it("waits while the rollout is in progress, even with all tasks running", () => {
    const state = deploymentState(
      service([
        { status: "PRIMARY", taskDefinition: ours, rolloutState: "IN_PROGRESS", runningCount: 1, desiredCount: 1, pendingCount: 0 },
        { status: "ACTIVE", taskDefinition: previous, rolloutState: "COMPLETED", runningCount: 1, desiredCount: 0 },
      ]),
      ours,
    );
    assert.deepEqual(state, { state: "pending", progress: "1/1 running, 0 pending, rollout IN_PROGRESS" });
  });

  it("without rollout state, is stable only as the single deployment with running = desired", () => {
    assert.deepEqual(deploymentState(service([{ status: "PRIMARY", taskDefinition: ours, runningCount: 2, desiredCount: 2 }]), ours), { state: "stable" });
    assert.equal(
      deploymentState(service([{ status: "PRIMARY", taskDefinition: ours, runningCount: 2, desiredCount: 2 }, { status: "ACTIVE", taskDefinition: previous }]), ours).state,
      "pending",
    );
  });

  it("fails when our deployment FAILED, with the rollout's reason", () => {
    assert.deepEqual(
      deploymentState(
        service([
          { status: "PRIMARY", taskDefinition: previous, rolloutState: "IN_PROGRESS" },
          { status: "ACTIVE", taskDefinition: ours, rolloutState: "FAILED", rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start." },
        ]),
        ours,
      ),
      { state: "failed", reason: "ECS deployment circuit breaker: tasks failed to start." },
    );
  });

  it("fails when another deployment replaced ours, and when the service is not ACTIVE", () => {
    assert.equal(deploymentState(service([{ status: "PRIMARY", taskDefinition: previous, rolloutState: "COMPLETED" }]), ours).state, "failed");
    assert.deepEqual(deploymentState(service([], "DRAINING"), ours), { state: "failed", reason: "the service is DRAINING" });
  });
});
