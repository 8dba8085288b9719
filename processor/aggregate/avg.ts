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
    // In place: a window's state is its own, and an event must not allocate a new one.
    add: (s, obs) => {
      if (finiteNumber(obs.value)) {
        s.sum += obs.value;
        s.n += 1;
      }
      return s;
    },
    merge: (a, b) => {
      a.sum += b.sum;
      a.n += b.n;
      return a;
    },
    result: (s) => (s.n === 0 ? null : s.sum / s.n),
    stateSchema: z.object({ sum: z.number(), n: z.number().int().nonnegative() }).strict(),
  };
}
