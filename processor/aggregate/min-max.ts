/** min and max: of the field's finite numbers; null when the window has none. */
import { z } from "zod";
import { finiteNumber, type Aggregator } from "./types.ts";

export function createExtremum(pick: (a: number, b: number) => number): Aggregator<number | null> {
  const combine = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : pick(a, b));
  return {
    init: () => null,
    add: (s, obs) => (finiteNumber(obs.value) ? combine(s, obs.value) : s),
    merge: combine,
    result: (s) => s,
    stateSchema: z.number().nullable(),
  };
}
