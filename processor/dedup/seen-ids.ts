/**
 * Stage 1's dedup of resent events, per fg.events partition: a client that retries publishes the
 * same event_id again (same key, so the same partition, normally close behind). Pure, with its
 * state as flat records (`d:<app>:<event_id>` -> [event time, app]) saved with the engine's,
 * atomically.
 *
 * An id is the app's own (issue 19): two apps that send the same event_id are two events, as in
 * the stores (per app, event_id and hour), or one tenant's events would suppress another's. App
 * ids never contain ':' (schemas/envelope.ts), so the app part of a name is unambiguous.
 *
 * An id is remembered while its app's watermark on the partition has not passed its event time +
 * the horizon. Event time is per app here as in the engine (issue 19 #7): one app's clock (events
 * stamped far ahead) must not evict another app's ids early, or that app's resends would count
 * twice. Each app's watermark moves per event exactly as the engine's does (the app's highest
 * event time minus the out-of-orderness bound), and eviction happens before each event is judged,
 * so whether an event is a duplicate depends on the partition's events alone, whatever the batch
 * boundaries or restarts. A skipped duplicate never moves the watermark (its original already
 * did). Beyond `maxIds` the oldest ids (by event time, then id and app, over all apps) go first: a flood
 * of unique ids cannot grow the state without bound, at the price of missing a resend of an
 * evicted id.
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
  /** The batch's events (in offset order) without the resent ones; `watermarks` are the partition's per app before the batch. */
  filter<T extends { event: Envelope }>(items: readonly T[], watermarks: ReadonlyMap<string, number | null>): Deduped<T>;
  /** Records changed since the last flush (or restore). */
  flush(): RecordDelta;
  size(): number;
}

const PREFIX = "d:";
const recordName = (app: string, id: string) => `${PREFIX}${app}:${id}`;

/** The dedup's records among a partition's state records. */
export const isSeenIdRecord = (name: string): boolean => name.startsWith(PREFIX);

interface Entry {
  ts: number;
  id: string;
  /** Null for ids saved before event time was kept per app: evicted by the highest app watermark, as then. */
  app: string | null;
  /** The record it is saved as: `d:<event_id>` for ids saved before ids were per app. */
  name: string;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Oldest first, by event time, then id, then app: both evictions take the oldest. */
const byAge = (a: Entry, b: Entry): number => a.ts - b.ts || compare(a.id, b.id) || compare(a.app ?? "", b.app ?? "");

/**
 * An id saved as `d:<app>:<event_id>`, or in one of the forms before ids were per app: `d:<event_id>`
 * -> [event time, app], judged as the app's own from now on, or `d:<event_id>` -> event time, with
 * no app, which every app's event of that id matches until the highest app watermark passes it, as
 * then. The value names the app, so a name under it is the new form; an old id that itself began
 * with its app and ':' would be misread (never a gateway's ids: they are UUIDs).
 */
const parse = (name: string, text: string): Entry => {
  const rest = name.slice(PREFIX.length);
  const value = JSON.parse(text) as number | [number, string];
  if (!Array.isArray(value)) return { id: rest, ts: value, app: null, name };
  const [ts, app] = value;
  return { id: rest.startsWith(`${app}:`) ? rest.slice(app.length + 1) : rest, ts, app, name };
};

export function restoreSeenIds(options: SeenIdsOptions, saved: Records = {}): SeenIds {
  /** Per app and id (`<app>:<event_id>`); `unowned`: the ids saved with no app, by id. */
  const seen = new Map<string, Entry>();
  const unowned = new Map<string, Entry>();
  const keyOf = (app: string, id: string) => `${app}:${id}`;
  const mapOf = (e: Entry) => (e.app === null ? unowned : seen);
  const idOf = (e: Entry) => (e.app === null ? e.id : keyOf(e.app, e.id));
  for (const [name, text] of Object.entries(saved)) {
    if (!isSeenIdRecord(name)) continue;
    const e = parse(name, text);
    mapOf(e).set(idOf(e), e);
  }
  /** Per app (null: the saved ids without one), the ids oldest first. */
  const heaps = new Map<string | null, Heap<Entry>>();
  const heapOf = (app: string | null): Heap<Entry> => {
    let heap = heaps.get(app);
    if (!heap) heaps.set(app, (heap = new Heap<Entry>(byAge)));
    return heap;
  };
  for (const e of [...seen.values(), ...unowned.values()]) heapOf(e.app).push(e);
  let put = new Map<string, string>();
  let del = new Set<string>();

  const forget = (heap: Heap<Entry>): void => {
    const e = heap.pop()!;
    mapOf(e).delete(idOf(e));
    put.delete(e.name);
    del.add(e.name);
  };
  const passed = (heap: Heap<Entry> | undefined, w: number | null) => {
    if (!heap || w === null) return;
    for (let top = heap.peek(); top !== undefined && top.ts + options.horizonMs < w; top = heap.peek()) forget(heap);
  };
  /** The heap whose oldest id is the oldest of all. */
  const oldest = (): Heap<Entry> => {
    let best: Heap<Entry> | undefined;
    for (const heap of heaps.values()) if (heap.size && (!best || byAge(heap.peek()!, best.peek()!) < 0)) best = heap;
    return best!;
  };

  return {
    filter(items, watermarks) {
      const fresh: (typeof items)[number][] = [];
      let duplicates = 0;
      let evicted = 0;
      const clocks = new Map(watermarks);
      let highest: number | null = null;
      for (const w of clocks.values()) if (w !== null && (highest === null || w > highest)) highest = w;
      for (const item of items) {
        const { event_id: id, ts, app_id: app } = item.event;
        let w = clocks.get(app) ?? null;
        if (w === null || ts - options.outOfOrdernessMs > w) clocks.set(app, (w = ts - options.outOfOrdernessMs));
        if (highest === null || w > highest) highest = w;
        passed(heaps.get(app), w);
        passed(heaps.get(null), highest);
        if (seen.has(keyOf(app, id)) || unowned.has(id)) {
          duplicates++;
          continue;
        }
        fresh.push(item);
        // Already past the horizon: a resend could not be recognised anyway.
        if (ts + options.horizonMs < w) continue;
        const entry = { id, ts, app, name: recordName(app, id) };
        seen.set(keyOf(app, id), entry);
        heapOf(app).push(entry);
        del.delete(entry.name);
        put.set(entry.name, JSON.stringify([ts, app]));
        while (seen.size + unowned.size > options.maxIds) {
          forget(oldest());
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
    size: () => seen.size + unowned.size,
  };
}
