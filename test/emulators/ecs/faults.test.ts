import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateClusterCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  RegisterTaskDefinitionCommand,
  ServerException,
} from "@aws-sdk/client-ecs";
import { ecsClient, fargateTaskDefinition, withEmulator } from "../../helpers/ecs.js";

describe("ECS emulator: fault injection and call log", () => {
  it("throttles with a token bucket; the SDK's standard retry gets every call through", () => {
    // Emulated time moves 10 ms per call, whatever the machine's load: half a token per call.
    let now = Date.UTC(2026, 0, 1);
    return withEmulator({ throttle: { ratePerSecond: 50, burst: 4 }, clock: () => (now += 10) }, async (emulator) => {
      const ecs = ecsClient(emulator, { maxAttempts: 10 });
      try {
        const results = await Promise.all(Array.from({ length: 12 }, () => ecs.send(new ListServicesCommand({}))));
        assert.equal(results.length, 12);
        assert.ok(results.every((result) => Array.isArray(result.serviceArns)));
      } finally {
        ecs.destroy();
      }
      const calls = emulator.calls();
      const throttled = calls.filter((call) => call.outcome === "throttled");
      assert.ok(throttled.length > 0, "some answers were throttled");
      assert.ok(throttled.every((call) => call.errorType === "ThrottlingException" && call.operation === "ListServices"));
      assert.equal(calls.filter((call) => call.outcome === "ok").length, 12);
      assert.equal(emulator.callCounts().ListServices, calls.length);
    });
  });

  it("keeps a separate bucket for each operation named in perOperation", () =>
    withEmulator(
      { throttle: { ratePerSecond: 0.001, burst: 100, perOperation: { RegisterTaskDefinition: { ratePerSecond: 0.001, burst: 1 } } } },
      async (emulator) => {
        const once = ecsClient(emulator, { maxAttempts: 1 });
        try {
          await once.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders")));
          await assert.rejects(
            once.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition("orders"))),
            (error: unknown) => error instanceof Error && error.name === "ThrottlingException",
          );
          for (let index = 0; index < 5; index += 1) await once.send(new ListClustersCommand({}));
        } finally {
          once.destroy();
        }
        assert.deepEqual(
          emulator.calls().map((call) => `${call.operation}:${call.outcome}`),
          ["RegisterTaskDefinition:ok", "RegisterTaskDefinition:throttled", ...Array.from({ length: 5 }, () => "ListClusters:ok")],
        );
      },
    ));

  it("answers an empty bucket with HTTP 400 ThrottlingException, which fails a call that may not retry", () =>
    withEmulator({ throttle: { ratePerSecond: 0.001, burst: 1 } }, async (emulator) => {
      const once = ecsClient(emulator, { maxAttempts: 1 });
      try {
        await once.send(new ListClustersCommand({}));
        await assert.rejects(once.send(new ListClustersCommand({})), (error: unknown) => {
          const failure = error as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
          return (
            failure.name === "ThrottlingException" &&
            failure.message === "Rate exceeded" &&
            failure.$fault === "client" &&
            failure.$metadata?.httpStatusCode === 400
          );
        });
      } finally {
        once.destroy();
      }
    }));

  it("answers a seeded fraction of calls with 500 ServerException, which the SDK retries", () =>
    withEmulator({ serverErrorRate: 0.3, seed: 7 }, async (emulator) => {
      const ecs = ecsClient(emulator, { maxAttempts: 10 });
      try {
        for (let index = 0; index < 20; index += 1) await ecs.send(new ListClustersCommand({}));
      } finally {
        ecs.destroy();
      }
      const serverErrors = emulator.calls().filter((call) => call.outcome === "server-error");
      assert.ok(serverErrors.length > 0);
      assert.ok(serverErrors.every((call) => call.errorType === "ServerException" && !call.mutating));

      emulator.configure({ serverErrorRate: 1 });
      const once = ecsClient(emulator, { maxAttempts: 1 });
      try {
        await assert.rejects(once.send(new ListClustersCommand({})), ServerException);
      } finally {
        once.destroy();
      }
    }));

  it("throttles a seeded fraction of calls, whatever the rate, as other jobs sharing the account would", () =>
    withEmulator({ throttleFraction: 0.5, seed: 3 }, async (emulator) => {
      const once = ecsClient(emulator, { maxAttempts: 1 });
      try {
        await Promise.allSettled(Array.from({ length: 40 }, () => once.send(new ListClustersCommand({}))));
      } finally {
        once.destroy();
      }
      const throttled = emulator.calls().filter((call) => call.outcome === "throttled").length;
      assert.ok(throttled > 8 && throttled < 32, `${throttled} of 40 throttled`);
    }));

  it("answers a seeded fraction of mutating calls with 500 after they took effect", () =>
    withEmulator({ serverErrorAfterRate: 1 }, async (emulator, ecs) => {
      const once = ecsClient(emulator, { maxAttempts: 1 });
      try {
        await assert.rejects(once.send(new CreateClusterCommand({ clusterName: "made-anyway" })), ServerException);
        await once.send(new ListClustersCommand({}));
      } finally {
        once.destroy();
      }
      assert.ok((await ecs.send(new ListClustersCommand({}))).clusterArns?.some((arn) => arn.endsWith("/made-anyway")));
      assert.deepEqual(
        emulator.calls().slice(0, 2).map((call) => call.outcome),
        ["server-error-after-effect", "ok"],
        "reads are never failed after the effect",
      );
    }));

  it("fails every call of one operation after the first few with a given error", () =>
    withEmulator({}, async (emulator, ecs) => {
      emulator.failCalls("ListServices", { after: 1, type: "ExpiredTokenException", message: "The security token included in the request is expired" });
      await ecs.send(new ListServicesCommand({}));
      await assert.rejects(ecs.send(new ListServicesCommand({})), (error: Error) => error.name === "ExpiredTokenException");
      await ecs.send(new ListClustersCommand({}));
    }));

  it("logs calls with operation, mutating flag and outcome; resetCalls clears the log", () =>
    withEmulator({}, async (emulator, ecs) => {
      await ecs.send(new ListServicesCommand({}));
      await assert.rejects(ecs.send(new ListServicesCommand({ cluster: "nope" })));
      await ecs.send(new CreateClusterCommand({ clusterName: "extra" }));
      assert.deepEqual(
        emulator.calls().map(({ operation, mutating, outcome, errorType }) => ({ operation, mutating, outcome, errorType })),
        [
          { operation: "ListServices", mutating: false, outcome: "ok", errorType: undefined },
          { operation: "ListServices", mutating: false, outcome: "error", errorType: "ClusterNotFoundException" },
          { operation: "CreateCluster", mutating: true, outcome: "ok", errorType: undefined },
        ],
      );
      assert.deepEqual(emulator.callCounts(), { ListServices: 2, CreateCluster: 1 });
      emulator.resetCalls();
      assert.deepEqual(emulator.calls(), []);
    }));

  it("requires an Authorization header and the JSON 1.1 target", () =>
    withEmulator({}, async (emulator) => {
      const unsigned = await fetch(emulator.url, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters",
        },
        body: "{}",
      });
      assert.equal(unsigned.status, 400);
      assert.equal(((await unsigned.json()) as { __type: string }).__type, "MissingAuthenticationTokenException");
      const unknown = await fetch(emulator.url, {
        method: "POST",
        headers: { authorization: "AWS4-HMAC-SHA256 dummy", "x-amz-target": "AmazonEC2ContainerServiceV20141113.Bogus" },
        body: "{}",
      });
      assert.equal(unknown.status, 400);
      assert.equal(((await unknown.json()) as { __type: string }).__type, "UnknownOperationException");
    }));

  it("honours AWS_ENDPOINT_URL_ECS when no endpoint is configured", () =>
    withEmulator({ clusters: ["via-env"] }, async (emulator) => {
      const previous = process.env.AWS_ENDPOINT_URL_ECS;
      process.env.AWS_ENDPOINT_URL_ECS = emulator.url;
      const ecs = new ECSClient({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
      try {
        const listed = await ecs.send(new ListClustersCommand({}));
        assert.deepEqual(listed.clusterArns, ["arn:aws:ecs:us-east-1:123456789012:cluster/via-env"]);
      } finally {
        ecs.destroy();
        if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_ECS;
        else process.env.AWS_ENDPOINT_URL_ECS = previous;
      }
    }));

  it("adds latencyMs to every call", () =>
    withEmulator({ latencyMs: 30 }, async (emulator, ecs) => {
      const started = performance.now();
      await ecs.send(new ListClustersCommand({}));
      // A lower bound only (load can only lengthen it); libuv's millisecond loop clock may fire a timer up to 1 ms early.
      assert.ok(performance.now() - started >= 29);
      emulator.configure({ latencyMs: 0 });
    }));
});
