/** sum: of the field's finite numbers; other values (strings, missing) are skipped, never coerced. 0 over none. */
import { z } from "zod";
import { finiteNumber, type Aggregator } from "./types.ts";

export function createSum(): Aggregator<number> {
  return {
    init: () => 0,
    add: (s, obs) => (finiteNumber(obs.value) ? s + obs.value : s),
    merge: (a, b) => a + b,
    result: (s) => s,
    stateSchema: z.number(),
  };
}
