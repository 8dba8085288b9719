/**
 * Which windows an event time belongs to. Windows are half-open [start, end) and aligned to the
 * epoch, so every processor and every replay assigns the same windows. A session event proposes
 * [ts, ts + gap); session.ts merges it with the group's existing sessions.
 */
import type { Interval } from "../../schemas/window-result.ts";
import type { WindowSpec } from "../../schemas/spec/window.ts";

export type { Interval } from "../../schemas/window-result.ts";

/** The latest start of a window of `slide`-aligned starts that holds `ts` (tumbling: slide = size). */
export const lastStart = (ts: number, slide: number): number => Math.floor(ts / slide) * slide;

/** The earliest such start: windows of `size` starting every `slide` up to lastStart hold `ts`. */
export function firstStart(ts: number, size: number, slide: number): number {
  let first = lastStart(ts, slide);
  while (first - slide > ts - size) first -= slide;
  return first;
}

/** In ascending order of start. The operator walks the same starts without building the list. */
export function assignWindows(spec: WindowSpec, ts: number): Interval[] {
  if (spec.kind === "session") return [{ start: ts, end: ts + spec.gap_ms }];
  const slide = spec.kind === "hopping" ? spec.slide_ms : spec.size_ms;
  const windows: Interval[] = [];
  for (let start = firstStart(ts, spec.size_ms, slide); start <= lastStart(ts, slide); start += slide) windows.push({ start, end: start + spec.size_ms });
  return windows;
}
