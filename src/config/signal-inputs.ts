import { DEFAULT_SIGNAL_NAMES, validateSignalNames, type SignalNames } from "../routing/signal.js";
import { INPUT } from "./action-io.js";
import type { Inputs } from "./inputs.js";

/** The `header`, `cookie` and `baggage-key` inputs every routing action takes, checked as tokens. */
export function readSignalNames(inputs: Inputs): SignalNames {
  return validateSignalNames({
    header: inputs.string(INPUT.header, DEFAULT_SIGNAL_NAMES.header),
    cookie: inputs.string(INPUT.cookie, DEFAULT_SIGNAL_NAMES.cookie),
    baggageKey: inputs.string(INPUT.baggageKey, DEFAULT_SIGNAL_NAMES.baggageKey),
  });
}
