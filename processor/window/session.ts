/**
 * Session merging. A session spans [first event ts, last event ts + gap). An event proposes
 * [ts, ts + gap) and joins every session that interval overlaps, so one event can bridge two
 * sessions into one. Intervals are half-open: a pause of exactly `gap` separates two sessions
 * (Flink merges touching sessions; here "inactivity of gap ends a session" holds exactly).
 */
import type { Interval } from "./assign.ts";

export interface SessionMerge {
  /** Indices into the sorted sessions of those the proposed interval overlaps, ascending. */
  absorbed: number[];
  merged: Interval;
}

export function mergeSession(sessions: readonly Interval[], proposed: Interval): SessionMerge {
  const absorbed: number[] = [];
  let { start, end } = proposed;
  sessions.forEach((s, i) => {
    if (s.start < proposed.end && proposed.start < s.end) {
      absorbed.push(i);
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
    }
  });
  return { absorbed, merged: { start, end } };
}
