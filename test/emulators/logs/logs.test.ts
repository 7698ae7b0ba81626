// The CloudWatch Logs emulator through the real @aws-sdk/client-cloudwatch-logs: GetLogEvents reads a
// stream forward with tokens, shows only what has been printed by now, and answers an unknown stream
// as CloudWatch does.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CloudWatchLogsClient, GetLogEventsCommand, ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";
import { startLogsEmulator } from "./index.js";

function logsClient(url: string): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "emulator-secret-key" } });
}

describe("CloudWatch Logs emulator", () => {
  it("reads a stream from its head with forward tokens; the same token back means nothing new yet", async () => {
    let now = 1_000;
    const logs = await startLogsEmulator({ clock: () => now });
    try {
      const client = logsClient(logs.url);
      logs.write("/ecs/dev", "orders/integration-test/abc", [
        { timestamp: 1_000, message: "one" },
        { timestamp: 1_500, message: "two" },
        { timestamp: 2_000, message: "three" },
      ]);
      const first = await client.send(new GetLogEventsCommand({ logGroupName: "/ecs/dev", logStreamName: "orders/integration-test/abc", startFromHead: true, limit: 1 }));
      assert.deepEqual(first.events?.map((event) => event.message), ["one"]);
      const second = await client.send(new GetLogEventsCommand({ logGroupName: "/ecs/dev", logStreamName: "orders/integration-test/abc", startFromHead: true, nextToken: first.nextForwardToken }));
      assert.deepEqual(second.events?.map((event) => event.message), []);
      assert.equal(second.nextForwardToken, first.nextForwardToken);
      now = 2_000;
      const third = await client.send(new GetLogEventsCommand({ logGroupName: "/ecs/dev", logStreamName: "orders/integration-test/abc", startFromHead: true, nextToken: second.nextForwardToken }));
      assert.deepEqual(third.events?.map((event) => [event.timestamp, event.message]), [[1_500, "two"], [2_000, "three"]]);
    } finally {
      await logs.close();
    }
  });

  it("answers ResourceNotFoundException for a stream nothing wrote to, and drops what a stopped task would have printed later", async () => {
    const logs = await startLogsEmulator({ clock: () => 10_000 });
    try {
      const client = logsClient(logs.url);
      await assert.rejects(client.send(new GetLogEventsCommand({ logGroupName: "/ecs/dev", logStreamName: "missing" })), ResourceNotFoundException);
      logs.write("/ecs/dev", "s", [{ timestamp: 5_000, message: "before" }, { timestamp: 9_000, message: "after" }]);
      logs.discardAfter("/ecs/dev", "s", 6_000);
      const answer = await client.send(new GetLogEventsCommand({ logGroupName: "/ecs/dev", logStreamName: "s", startFromHead: true }));
      assert.deepEqual(answer.events?.map((event) => event.message), ["before"]);
    } finally {
      await logs.close();
    }
  });
});
