import { parseArgs } from "node:util";
import { startEcsEmulator, type EcsEmulatorOptions } from "./index.js";

const usage = `Usage: npm run emulator -- [options]

Starts the Amazon ECS emulator (JSON 1.1 protocol) until Ctrl-C.

Options:
  --port <n>                listen port (default: random)
  --region <name>           region in ARNs (default: us-east-1)
  --latency-ms <n>          delay added to every call (default: 0)
  --throttle-rate <n>       token bucket refill per second (throttling off unless set)
  --throttle-burst <n>      token bucket size (default: the rate)
  --server-error-rate <x>   fraction 0..1 of calls answered 500 ServerException (default: 0)
  --seed <n>                seed of the server-error choice (default: 1)
  --stabilization-ms <n>    time a deployment takes to complete (default: 1000)
  --drain-ms <n>            time a deleted service stays DRAINING (default: 1000)
  --cluster <name>          cluster created at start; repeatable (default: default)
  --help                    show this help`;

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    region: { type: "string" },
    "latency-ms": { type: "string" },
    "throttle-rate": { type: "string" },
    "throttle-burst": { type: "string" },
    "server-error-rate": { type: "string" },
    seed: { type: "string" },
    "stabilization-ms": { type: "string" },
    "drain-ms": { type: "string" },
    cluster: { type: "string", multiple: true },
    help: { type: "boolean" },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}

function numberFlag(name: keyof typeof values, { min, max }: { min: number; max?: number }): number | undefined {
  const text = values[name];
  if (text === undefined || typeof text !== "string") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || (max !== undefined && value > max)) {
    console.error(`--${name} must be a number ${max === undefined ? `>= ${min}` : `between ${min} and ${max}`}, got "${text}".`);
    process.exit(1);
  }
  return value;
}

const throttleRate = numberFlag("throttle-rate", { min: 0 });
const throttleBurst = numberFlag("throttle-burst", { min: 1 });
const options: EcsEmulatorOptions = {
  port: numberFlag("port", { min: 0, max: 65535 }),
  region: values.region,
  latencyMs: numberFlag("latency-ms", { min: 0 }),
  throttle: throttleRate === undefined ? undefined : { ratePerSecond: throttleRate, burst: throttleBurst ?? Math.max(1, throttleRate) },
  serverErrorRate: numberFlag("server-error-rate", { min: 0, max: 1 }),
  seed: numberFlag("seed", { min: 0 }),
  stabilizationMs: numberFlag("stabilization-ms", { min: 0 }),
  drainMs: numberFlag("drain-ms", { min: 0 }),
  clusters: values.cluster,
};

const emulator = await startEcsEmulator(options);
console.log(`Amazon ECS emulator listening on ${emulator.url}`);
console.log(`Point the AWS SDK at it with:`);
console.log(`  export AWS_ENDPOINT_URL_ECS=${emulator.url} AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API=${emulator.url}`);
console.log(`  export AWS_REGION=${options.region ?? "us-east-1"} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`);
console.log(`Clusters: ${(options.clusters ?? ["default"]).join(", ")}. Ctrl-C to stop.`);

const stop = (): void => {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
