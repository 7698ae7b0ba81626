import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment, Service } from "@aws-sdk/client-ecs";
import { completedRolloutMs, deploymentState, nextPollDelay } from "../../src/deploy/wait.js";

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
    assert.deepEqual(state, { state: "pending", progress: "1/1 running, 0 pending, rollout IN_PROGRESS", finishing: true });
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

describe("completedRolloutMs", () => {
  const at = (seconds: number): Date => new Date(Date.UTC(2026, 11, 1, 12, 0, seconds));
  it("is the COMPLETED primary deployment's time from created to last updated", () => {
    assert.equal(completedRolloutMs(service([{ status: "PRIMARY", taskDefinition: ours, rolloutState: "COMPLETED", createdAt: at(0), updatedAt: at(42) }])), 42_000);
  });

  it("knows nothing from a rollout still in progress, a missing service or a deployment scaled long after", () => {
    assert.equal(completedRolloutMs(service([{ status: "PRIMARY", taskDefinition: ours, rolloutState: "IN_PROGRESS", createdAt: at(0), updatedAt: at(5) }])), undefined);
    assert.equal(completedRolloutMs(undefined), undefined);
    const scaled = { status: "PRIMARY", taskDefinition: ours, rolloutState: "COMPLETED", createdAt: at(0), updatedAt: new Date(at(0).getTime() + 3 * 3_600_000) } as const;
    assert.equal(completedRolloutMs(service([scaled])), undefined);
  });
});

describe("nextPollDelay", () => {
  const fast = 1_250;
  const start = 1_000_000;
  const provisioning = { expectedEnd: undefined, finishing: false };

  it("polls fast once running has reached desired, whatever else is pending", () => {
    assert.equal(nextPollDelay([provisioning, { expectedEnd: undefined, finishing: true }], start + 30_000, start, fast, 0), fast);
  });

  it("aims a slow poll just after the expected end, never waiting more than 15 s", () => {
    const expectedEnd = start + 30_000;
    assert.equal(nextPollDelay([{ expectedEnd, finishing: false }], start + 200, start, fast, 0), 15_000);
    assert.equal(nextPollDelay([{ expectedEnd, finishing: false }], start + 200, start, fast, 1), 11_250, "jittered down by up to a quarter");
    assert.equal(nextPollDelay([{ expectedEnd, finishing: false }], start + 20_000, start, fast, 0), 10_250);
  });

  it("polls fast just past the expected end, then backs off when the rollout takes much longer", () => {
    const expectedEnd = start + 30_000;
    assert.equal(nextPollDelay([{ expectedEnd, finishing: false }], start + 31_000, start, fast, 0), fast);
    assert.equal(nextPollDelay([{ expectedEnd, finishing: false }], start + 60_000, start, fast, 0), 15_000);
  });

  it("without an expectation, waits a third of the time so far: fast at first, 15 s at most", () => {
    assert.equal(nextPollDelay([provisioning], start, start, fast, 0), fast);
    assert.equal(nextPollDelay([provisioning], start + 12_000, start, fast, 0), 4_000);
    assert.equal(nextPollDelay([provisioning], start + 600_000, start, fast, 0), 15_000);
  });
});
