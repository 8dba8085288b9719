/** count: events in the window, or, given a field, events where that field is present and not null (as SQL COUNT(col)). */
import { z } from "zod";
import type { Aggregator } from "./types.ts";

export function createCount(hasField: boolean): Aggregator<number> {
  return {
    init: () => 0,
    add: (n, obs) => (!hasField || (obs.value !== undefined && obs.value !== null) ? n + 1 : n),
    merge: (a, b) => a + b,
    result: (n) => n,
    stateSchema: z.number().int().nonnegative(),
  };
}
