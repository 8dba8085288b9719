/** percentile: one quantile of the field's finite numbers, from a DDSketch; null when the window has none. */
import { z } from "zod";
import { addValue, createMapping, emptySketch, mergeSketches, quantile, type Sketch } from "./ddsketch.ts";
import { finiteNumber, type Aggregator } from "./types.ts";

export interface PercentileOptions {
  quantile: number;
  relativeAccuracy: number;
  maxBins: number;
}

export function createPercentile(o: PercentileOptions): Aggregator<Sketch> {
  const mapping = createMapping(o.relativeAccuracy, o.maxBins);
  const store = z.object({ offset: z.number().int(), counts: z.array(z.number().int().nonnegative()).max(o.maxBins) }).strict();
  return {
    init: emptySketch,
    add: (s, obs) => {
      if (finiteNumber(obs.value)) addValue(mapping, s, obs.value);
      return s;
    },
    merge: (a, b) => mergeSketches(mapping, a, b),
    result: (s) => quantile(mapping, s, o.quantile),
    stateSchema: z
      .object({
        pos: store,
        neg: store,
        zero: z.number().int().nonnegative(),
        count: z.number().int().nonnegative(),
        min: z.number().nullable(),
        max: z.number().nullable(),
      })
      .strict(),
  };
}
