/**
 * The canonical form of a set of archived events: one row per event_id, ordered by
 * (ts, event_id). The sink and compaction both write it, so the same events always yield the
 * same Parquet bytes and the same file name; and since every key's events are then in event-time
 * order, replay can publish a file's rows as they come and keep order per key.
 *
 * Every call sees one Hive partition (app, hour of ts), so one row per event_id here is the
 * store's dedup rule (docs/store.md): one row per (app_id, event_id, UTC hour of ts).
 */
import type { Envelope } from "../../schemas/envelope.ts";

export function byTimeThenId(a: Envelope, b: Envelope): number {
  return a.ts - b.ts || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0);
}

/**
 * The copy received first wins (the smallest received_at; on a tie, the first seen), as in
 * Postgres and ClickHouse: a resend may carry another ts or payload, and the tiers must agree.
 */
export function canonical(events: Iterable<Envelope>): Envelope[] {
  const byId = new Map<string, Envelope>();
  for (const e of events) {
    const kept = byId.get(e.event_id);
    if (!kept || e.received_at < kept.received_at) byId.set(e.event_id, e);
  }
  return [...byId.values()].sort(byTimeThenId);
}
