/**
 * STAND-IN for processor/window/, which did not exist when `rules test` was written: event-time
 * tumbling, hopping and session windows with the aggregates of the rule format, kept in memory for
 * one bounded replay. It follows the semantics the rule format documents (windows aligned to the
 * epoch, [start, end), a window fires once the watermark passes end + allowed lateness). Replace
 * its use in replay.ts with the real engine when it lands; nothing else depends on it.
 */
import type { WindowSpecDraft } from "../compile/window.ts";

export interface WindowResult {
  start: number;
  end: number;
  count: number;
  value: number | null;
}

interface Acc {
  start: number;
  end: number;
  count: number;
  values: number[];
  distinct: Set<string>;
}

export interface WindowStandIn {
  add(ts: number, fieldValue: unknown): void;
  /** Closes and returns every window that ends (plus lateness) at or before the watermark. */
  fire(watermark: number): WindowResult[];
}

export function createWindowStandIn(spec: WindowSpecDraft): WindowStandIn {
  const open: Acc[] = [];
  const lateness = spec.allowed_lateness_ms;
  const acc = (start: number, end: number): Acc => {
    let a = open.find((w) => w.start === start && w.end === end);
    if (!a) open.push((a = { start, end, count: 0, values: [], distinct: new Set() }));
    return a;
  };
  const put = (a: Acc, v: unknown) => {
    a.count++;
    if (typeof v === "number") a.values.push(v);
    if (v !== undefined) a.distinct.add(JSON.stringify(v));
  };
  const value = (a: Acc): number | null => {
    const vs = a.values;
    switch (spec.aggregate.fn) {
      case "count": return a.count;
      case "count_distinct": return a.distinct.size;
      case "sum": return vs.reduce((x, y) => x + y, 0);
      case "avg": return vs.length ? vs.reduce((x, y) => x + y, 0) / vs.length : null;
      case "min": return vs.length ? Math.min(...vs) : null;
      case "max": return vs.length ? Math.max(...vs) : null;
    }
  };
  return {
    add(ts, v) {
      if (spec.type === "session") {
        const gap = spec.gap_ms as number;
        // A session absorbs every session it now touches: [ts, ts + gap) merged with overlaps.
        let merged: Acc = { start: ts, end: ts + gap, count: 0, values: [], distinct: new Set() };
        for (const w of open.filter((w) => w.start <= merged.end && ts <= w.end)) {
          merged = { start: Math.min(merged.start, w.start), end: Math.max(merged.end, w.end), count: merged.count + w.count,
            values: [...merged.values, ...w.values], distinct: new Set([...merged.distinct, ...w.distinct]) };
          open.splice(open.indexOf(w), 1);
        }
        open.push(merged);
        put(merged, v);
        return;
      }
      const size = spec.size_ms as number;
      const hop = spec.hop_ms ?? size;
      for (let start = Math.floor(ts / hop) * hop; start > ts - size; start -= hop) put(acc(start, start + size), v);
    },
    fire(watermark) {
      const due = open.filter((w) => w.end + lateness <= watermark).sort((a, b) => a.end - b.end || a.start - b.start);
      for (const w of due) open.splice(open.indexOf(w), 1);
      return due.map((w) => ({ start: w.start, end: w.end, count: w.count, value: value(w) }));
    },
  };
}
