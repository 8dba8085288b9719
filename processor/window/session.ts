/**
 * Session merging. A session spans [first event ts, last event ts + gap). An event proposes
 * [ts, ts + gap) and joins every session that interval overlaps, so one event can bridge two
 * sessions into one. Intervals are half-open: a pause of exactly `gap` separates two sessions
 * (Flink merges touching sessions; here "inactivity of gap ends a session" holds exactly).
 */
import { END, START } from "./state.ts";

/** A run of windows in a flat group record: offsets [from, to), `from` also where a new one would go. */
export interface Run {
  from: number;
  to: number;
}

/**
 * The sessions of `flat` (windows of `stride` values, sorted and disjoint, see state.ts) that
 * [start, end) overlaps. Being sorted and disjoint, they are one run; `into` is filled and returned,
 * so the per-event path allocates nothing.
 */
export function overlapRun(flat: readonly unknown[], stride: number, start: number, end: number, into: Run): Run {
  let from = 0;
  // Ends ascend too: skip the sessions over before the proposal starts.
  while (from < flat.length && (flat[from + END] as number) <= start) from += stride;
  let to = from;
  while (to < flat.length && (flat[to + START] as number) < end) to += stride;
  into.from = from;
  into.to = to;
  return into;
}
