/**
 * Which windows an event time belongs to. Windows are half-open [start, end) and aligned to the
 * epoch, so every processor and every replay assigns the same windows. A session event proposes
 * [ts, ts + gap); session.ts merges it with the group's existing sessions.
 */
import type { WindowSpec } from "./spec.ts";

export interface Interval {
  start: number;
  end: number;
}

/** In ascending order of start. */
export function assignWindows(spec: WindowSpec, ts: number): Interval[] {
  switch (spec.kind) {
    case "tumbling": {
      const start = Math.floor(ts / spec.size_ms) * spec.size_ms;
      return [{ start, end: start + spec.size_ms }];
    }
    case "hopping": {
      const windows: Interval[] = [];
      const last = Math.floor(ts / spec.slide_ms) * spec.slide_ms;
      for (let start = last; start > ts - spec.size_ms; start -= spec.slide_ms) windows.push({ start, end: start + spec.size_ms });
      return windows.reverse();
    }
    case "session":
      return [{ start: ts, end: ts + spec.gap_ms }];
  }
}
