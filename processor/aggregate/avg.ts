/** avg: mean of the field's finite numbers; null when the window has none. */
import { z } from "zod";
import { finiteNumber, type Aggregator } from "./types.ts";

export interface AvgState {
  sum: number;
  n: number;
}

export function createAvg(): Aggregator<AvgState> {
  return {
    init: () => ({ sum: 0, n: 0 }),
    add: (s, obs) => (finiteNumber(obs.value) ? { sum: s.sum + obs.value, n: s.n + 1 } : s),
    merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
    result: (s) => (s.n === 0 ? null : s.sum / s.n),
    stateSchema: z.object({ sum: z.number(), n: z.number().int().nonnegative() }).strict(),
  };
}
