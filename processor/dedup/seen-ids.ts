/**
 * Stage 1's dedup of resent events, per fg.events partition: a client that retries publishes the
 * same event_id again (same key, so the same partition, normally close behind). Pure, with its
 * state as flat records (`d:<event_id>` -> event time) saved with the engine's, atomically.
 *
 * An id is remembered while the partition's watermark has not passed its event time + the horizon;
 * the watermark moves per event exactly as the engine's does (highest event time minus the
 * out-of-orderness bound), and eviction happens before each event is judged, so whether an event
 * is a duplicate depends on the partition's events alone, whatever the batch boundaries or
 * restarts. A skipped duplicate never moves the watermark (its original already did). Beyond
 * `maxIds` the oldest ids (by event time, then id) go first: a flood of unique ids cannot grow the
 * state without bound, at the price of missing a resend of an evicted id.
 */
import { Heap } from "mnemonist";
import type { Envelope } from "../../schemas/envelope.ts";
import type { RecordDelta, Records } from "../engine/records.ts";

export interface SeenIdsOptions {
  horizonMs: number;
  maxIds: number;
  outOfOrdernessMs: number;
}

export interface Deduped<T> {
  /** The items whose id was not seen within the horizon, in order. */
  fresh: T[];
  duplicates: number;
  /** Ids dropped because the set was full (not the ones past the horizon). */
  evicted: number;
}

export interface SeenIds {
  /** The batch's events (in offset order) without the resent ones; `watermark` is the partition's before the batch. */
  filter<T extends { event: Envelope }>(items: readonly T[], watermark: number | null): Deduped<T>;
  /** Records changed since the last flush (or restore). */
  flush(): RecordDelta;
  size(): number;
}

const PREFIX = "d:";
const recordName = (id: string) => `${PREFIX}${id}`;

/** The dedup's records among a partition's state records. */
export const isSeenIdRecord = (name: string): boolean => name.startsWith(PREFIX);

interface Entry {
  ts: number;
  id: string;
}

/** Oldest first, by event time, then id: both evictions take the oldest. */
const byAge = (a: Entry, b: Entry): number => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function restoreSeenIds(options: SeenIdsOptions, saved: Records = {}): SeenIds {
  const seen = new Map<string, number>();
  for (const [name, text] of Object.entries(saved)) if (isSeenIdRecord(name)) seen.set(name.slice(PREFIX.length), Number(text));
  const heap = Heap.from([...seen].map(([id, ts]) => ({ id, ts })), byAge);
  let put = new Map<string, string>();
  let del = new Set<string>();

  const forget = (): Entry => {
    const e = heap.pop()!;
    seen.delete(e.id);
    put.delete(recordName(e.id));
    del.add(recordName(e.id));
    return e;
  };

  return {
    filter(items, watermark) {
      const fresh: (typeof items)[number][] = [];
      let duplicates = 0;
      let evicted = 0;
      let w = watermark;
      for (const item of items) {
        const { event_id: id, ts } = item.event;
        if (w === null || ts - options.outOfOrdernessMs > w) w = ts - options.outOfOrdernessMs;
        for (let top = heap.peek(); top !== undefined && top.ts + options.horizonMs < w; top = heap.peek()) forget();
        if (seen.has(id)) {
          duplicates++;
          continue;
        }
        fresh.push(item);
        // Already past the horizon: a resend could not be recognised anyway.
        if (ts + options.horizonMs < w) continue;
        seen.set(id, ts);
        heap.push({ id, ts });
        del.delete(recordName(id));
        put.set(recordName(id), String(ts));
        while (seen.size > options.maxIds) {
          forget();
          evicted++;
        }
      }
      return { fresh, duplicates, evicted };
    },
    flush() {
      const delta = { put, del: [...del] };
      put = new Map();
      del = new Set();
      return delta;
    },
    size: () => seen.size,
  };
}
