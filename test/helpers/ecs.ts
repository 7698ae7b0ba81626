import { ECSClient, type ECSClientConfig, type RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { setTimeout as delay } from "node:timers/promises";
import { startEcsEmulator, type EcsEmulator, type EcsEmulatorOptions } from "../emulators/ecs/index.js";

/** A real ECSClient pointed at the emulator with dummy credentials. */
export function ecsClient(emulator: EcsEmulator, config: Partial<ECSClientConfig> = {}): ECSClient {
  return new ECSClient({
    endpoint: emulator.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    ...config,
  });
}

/** A real Resource Groups Tagging API client pointed at the emulator, which answers it too. */
export function taggingClient(emulator: EcsEmulator): ResourceGroupsTaggingAPIClient {
  return new ResourceGroupsTaggingAPIClient({
    endpoint: emulator.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  });
}

export async function withEmulator(
  options: EcsEmulatorOptions,
  body: (emulator: EcsEmulator, ecs: ECSClient) => Promise<void>,
): Promise<void> {
  const emulator = await startEcsEmulator(options);
  const ecs = ecsClient(emulator);
  try {
    await body(emulator, ecs);
  } finally {
    ecs.destroy();
    await emulator.close();
  }
}

export function fargateTaskDefinition(family: string, image = "nginx:1.27"): RegisterTaskDefinitionCommandInput {
  return {
    family,
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: "256",
    memory: "512",
    containerDefinitions: [
      { name: "app", image, portMappings: [{ containerPort: 8080 }], dockerLabels: { "traefik.enable": "true" } },
    ],
  };
}

export const awsvpc = { awsvpcConfiguration: { subnets: ["subnet-0a1b2c3d"], securityGroups: ["sg-0a1b2c3d"] } };

/** Emulated time that moves only when the test says: pass `now` as the emulator's clock. */
export class ManualClock {
  private current = Date.UTC(2026, 0, 1);
  readonly now = (): number => this.current;
  advance(ms: number): void {
    this.current += ms;
  }
}

/** Polls `probe` until it returns a value other than undefined (emulated time advances with the wall clock). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await delay(10);
  }
}
