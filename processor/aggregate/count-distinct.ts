/**
 * count_distinct: exact (a sorted set of the values) up to `exact_limit` distinct values, then a
 * HyperLogLog, so small windows are exact and large ones stay a fixed size. Values are compared by
 * their JSON text, so 1 and "1" differ; null and missing values are not counted (as SQL's COUNT DISTINCT).
 */
import { z } from "zod";
import { addValue, createRegisters, estimate, mergeRegisters } from "./hyperloglog.ts";
import type { Aggregator } from "./types.ts";

export type DistinctState = { exact: string[] } | { hll: number[] };

export interface DistinctOptions {
  exactLimit: number;
  precision: number;
}

/** Index of `key` in sorted `values`, or where it would go. */
function searchSorted(values: readonly string[], key: string): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function createCountDistinct({ exactLimit, precision }: DistinctOptions): Aggregator<DistinctState> {
  const toSketch = (values: readonly string[]): { hll: number[] } => {
    const hll = createRegisters(precision);
    for (const v of values) addValue(hll, precision, v);
    return { hll };
  };
  const insert = (s: DistinctState, key: string): DistinctState => {
    if ("hll" in s) {
      addValue(s.hll, precision, key);
      return s;
    }
    const at = searchSorted(s.exact, key);
    if (s.exact[at] === key) return s;
    s.exact.splice(at, 0, key);
    return s.exact.length > exactLimit ? toSketch(s.exact) : s;
  };
  return {
    init: () => ({ exact: [] }),
    add: (s, obs) => (obs.value === undefined || obs.value === null ? s : insert(s, JSON.stringify(obs.value))),
    merge: (a, b) => {
      if ("hll" in b) return { hll: mergeRegisters("hll" in a ? a.hll : toSketch(a.exact).hll, b.hll) };
      return b.exact.reduce(insert, a);
    },
    result: (s) => ("hll" in s ? estimate(s.hll) : s.exact.length),
    stateSchema: z.union([
      z.object({ exact: z.array(z.string()) }).strict(),
      z.object({ hll: z.array(z.number().int().min(0).max(32)).length(2 ** precision) }).strict(),
    ]),
  };
}
