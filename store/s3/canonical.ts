/**
 * The canonical form of a set of archived events: one row per event_id, ordered by
 * (ts, event_id). The sink and compaction both write it, so the same events always yield the
 * same Parquet bytes and the same file name; and since every key's events are then in event-time
 * order, replay can publish a file's rows as they come and keep order per key.
 */
import type { Envelope } from "../../schemas/envelope.ts";

export function byTimeThenId(a: Envelope, b: Envelope): number {
  return a.ts - b.ts || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0);
}

/** First copy of an event_id wins: redelivered copies carry the same content. */
export function canonical(events: Iterable<Envelope>): Envelope[] {
  const byId = new Map<string, Envelope>();
  for (const e of events) if (!byId.has(e.event_id)) byId.set(e.event_id, e);
  return [...byId.values()].sort(byTimeThenId);
}
