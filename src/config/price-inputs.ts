// The optional prices that turn vCPU-hours and GiB-hours into amounts (deploy and reap summaries).
import type { Prices } from "../cost/usage.js";
import { INPUT } from "./action-io.js";
import type { Inputs } from "./inputs.js";

/** Per hour, in any one currency; an hour of a vCPU or a GiB never costs more than this. */
const MAX_PRICE = 1000;

export function readPrices(inputs: Inputs): Prices {
  const price = (name: typeof INPUT.priceVcpuHour | typeof INPUT.priceGibHour): number | undefined =>
    inputs.optionalString(name) === undefined ? undefined : inputs.number(name, 0, { min: 0, max: MAX_PRICE });
  return { vcpuHour: price(INPUT.priceVcpuHour), gibHour: price(INPUT.priceGibHour) };
}
