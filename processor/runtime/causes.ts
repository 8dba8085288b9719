/**
 * Which event caused each record the processor derives from a batch, so the record carries that
 * event's traceparent (infra/telemetry/trace-context.ts):
 * - an alert: the last of its own events that came in this batch, else as for a window;
 * - a window result: the batch's latest event (by event time) inside the window's time range
 *   (the event that updated it), else the batch's latest event (the one that closed it);
 * - a late event: itself.
 * Stage 2 releases events that came in earlier batches: their traceparents wait in a bounded
 * memory per fg.repartition partition, keyed by source partition and offset (not checkpointed:
 * after a restart, events already buffered carry none).
 */
import { LRUMap } from "mnemonist";
import type { Envelope } from "../../schemas/envelope.ts";
import { gauge } from "../../infra/telemetry/metrics.ts";

export interface Cause {
  ts: number;
  traceparent: string;
}

/** event_id -> its cause, in the batch's order. */
export type Causes = Map<string, Cause>;

export function causesOf(events: Iterable<{ event: Envelope; traceparent?: string }>): Causes {
  const causes: Causes = new Map();
  for (const { event, traceparent } of events) if (traceparent) causes.set(event.event_id, { ts: event.ts, traceparent });
  return causes;
}

export interface CauseFinder {
  window(start: number, end: number): string | undefined;
  alert(alert: { events: readonly Envelope[]; window?: { start: number; end: number } }): string | undefined;
  event(eventId: string): string | undefined;
}

/** Looks causes up in O(log n) per record: a batch can derive as many records as it has events. */
export function causeFinder(causes: Causes): CauseFinder {
  let byTs: Cause[] | undefined;
  const sorted = () => (byTs ??= [...causes.values()].sort((a, b) => a.ts - b.ts));
  const window = (start: number, end: number) => {
    const all = sorted();
    let lo = 0;
    let hi = all.length; // first index with ts >= end
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid]!.ts < end) lo = mid + 1;
      else hi = mid;
    }
    const inside = all[lo - 1];
    return inside && inside.ts >= start ? inside.traceparent : all.at(-1)?.traceparent;
  };
  return {
    window,
    alert(alert) {
      for (let i = alert.events.length - 1; i >= 0; i--) {
        const c = causes.get(alert.events[i]!.event_id);
        if (c) return c.traceparent;
      }
      return alert.window ? window(alert.window.start, alert.window.end) : sorted().at(-1)?.traceparent;
    },
    event: (eventId) => causes.get(eventId)?.traceparent,
  };
}

const remembered = gauge("processor_trace_memory_entries", "Traceparents of fg.repartition events waiting for release, per partition (bounded by TRACE_MEMORY)", ["partition"]);

/** Per fg.repartition partition: at most this many traceparents of buffered events. */
export const TRACE_MEMORY = 20_000;

export interface TraceMemory {
  remember(source: number, offset: bigint, traceparent: string | undefined): void;
  take(source: number, offset: bigint): string | undefined;
}

export function createTraceMemory(partition: string, max = TRACE_MEMORY): TraceMemory {
  const map = new LRUMap<string, string>(max);
  return {
    remember(source, offset, traceparent) {
      if (!traceparent) return;
      map.set(`${source}:${offset}`, traceparent);
      remembered.set({ partition }, map.size);
    },
    take(source, offset) {
      // Several rules of one event share it: kept until the LRU drops it.
      return map.get(`${source}:${offset}`);
    },
  };
}
