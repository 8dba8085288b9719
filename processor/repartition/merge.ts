/**
 * Stage 2's merge of the source partitions' streams on one partition of fg.repartition: pure,
 * with its state as flat records (saved with the engine's, atomically).
 *
 * - Dedup: per source partition and rule, the highest source offset taken. A source re-publishes
 *   a batch after a crash (same offsets, same content, since stage 1 is deterministic); anything
 *   at or below the mark is that, and is dropped.
 * - Watermark: each source's watermark is the highest it reported (on a marker or an event). The
 *   partition's watermark is the minimum over all `sources` partitions of fg.events, unknown until
 *   every one has reported.
 * - Idleness (as Flink's `withIdleness`): a source that sent an idle marker holds nothing back
 *   while idle: the minimum and the release test skip it (when all are idle, the watermark is the
 *   highest reported). Its next event or ordinary marker makes it active again; an event it then
 *   sends behind what was released goes on as is, and the engine treats it as late (allowed
 *   lateness, then the late output), exactly as any late event.
 * - Release, in one order whatever the interleaving: events are handed on in (watermark, source,
 *   offset, rule) order, each once no source can still send one that sorts before it, i.e. every
 *   other source reported a higher watermark (or the same, from a higher-numbered source). A
 *   source's events come in offset order with rising watermarks, and its future ones carry at
 *   least its reported watermark, so this order is a function of the events alone.
 * Events wait here (in the state) until released: as many as the slowest source lags.
 */
import type { RecordDelta, Records } from "../engine/records.ts";
import type { Forwarded } from "./wire.ts";

export type ForwardedEvent = Extract<Forwarded, { kind: "event" }>;

export interface Merge {
  /** Takes the partition's next record: "duplicate" for a re-publication of one taken before. */
  accept(record: Forwarded): "event" | "duplicate" | "progress";
  /** The events that can go on now, in release order; they leave the merge's state. */
  release(): ForwardedEvent[];
  /** Minimum over the sources' watermarks; null until every source has reported. */
  watermark(): number | null;
  /** Events waiting for the other sources. */
  buffered(): number;
  /** Records changed since the last flush (or restore). */
  flush(): RecordDelta;
}

interface Source {
  /** Highest watermark the source reported. */
  watermark: number | null;
  /** Sent an idle marker and nothing since. */
  idle: boolean;
  /** Per rule, the highest source offset taken. */
  taken: Map<string, bigint>;
  /** Events waiting, in (offset, rule) order; `head` is the first not yet released. */
  queue: ForwardedEvent[];
  head: number;
}

interface SourceRecord {
  watermark: number | null;
  /** Absent in records saved before idleness existed. */
  idle?: boolean;
  taken: Record<string, string>;
}

interface BufferedRecord {
  w: number;
  e: string;
}

const PREFIX = "m:";
const sourceName = (s: number) => `${PREFIX}s:${s}`;
const bufferedName = (f: ForwardedEvent) => `${PREFIX}b:${f.source}:${f.offset}:${f.rule}`;

/** The merge's records among a partition's state records (the rest are the engine's). */
export const isMergeRecord = (name: string): boolean => name.startsWith(PREFIX);

const before = (a: ForwardedEvent, b: ForwardedEvent): boolean => a.offset < b.offset || (a.offset === b.offset && a.rule < b.rule);

export function restoreMerge(sources: number, saved: Records = {}): Merge {
  const state = new Map<number, Source>();
  const sourceOf = (s: number): Source => {
    let src = state.get(s);
    if (!src) state.set(s, (src = { watermark: null, idle: false, taken: new Map(), queue: [], head: 0 }));
    return src;
  };
  for (const [name, text] of Object.entries(saved)) {
    const parts = name.split(":");
    if (parts[1] === "s") {
      const r = JSON.parse(text) as SourceRecord;
      const src = sourceOf(Number(parts[2]));
      src.watermark = r.watermark;
      src.idle = r.idle ?? false;
      for (const [rule, offset] of Object.entries(r.taken)) src.taken.set(rule, BigInt(offset));
    } else if (parts[1] === "b") {
      const r = JSON.parse(text) as BufferedRecord;
      const source = Number(parts[2]);
      sourceOf(source).queue.push({ kind: "event", source, offset: BigInt(parts[3] as string), rule: parts.slice(4).join(":"), watermark: r.w, event: r.e });
    }
  }
  for (const src of state.values()) src.queue.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));

  /** Buffered events written and released since the last flush. */
  const added = new Map<string, string>();
  const gone = new Set<string>();
  const changed = new Set<number>();
  let waiting = [...state.values()].reduce((n, s) => n + s.queue.length, 0);

  const report = (src: Source, w: number) => {
    if (src.watermark === null || w > src.watermark) src.watermark = w;
  };
  const enqueue = (src: Source, f: ForwardedEvent) => {
    let at = src.queue.length;
    while (at > src.head && before(f, src.queue[at - 1]!)) at--;
    src.queue.splice(at, 0, f);
    waiting++;
    added.set(bufferedName(f), JSON.stringify({ w: f.watermark, e: f.event } satisfies BufferedRecord));
  };
  /** Sources numbered 0..sources-1, and any other that reported (a misconfigured count must not hide one). */
  const domain = (): number[] => {
    const all = new Set(Array.from({ length: sources }, (_, i) => i));
    for (const s of state.keys()) all.add(s);
    return [...all];
  };
  /** The sources that hold the others back: all but the idle ones. */
  const active = (): number[] => domain().filter((s) => !state.get(s)?.idle);
  /** No active source other than `f`'s can still send an event that sorts before `f`. */
  const releasable = (f: ForwardedEvent, all: number[]): boolean =>
    all.every((s) => {
      if (s === f.source) return true;
      const w = state.get(s)?.watermark ?? null;
      return w !== null && (f.watermark < w || (f.watermark === w && f.source < s));
    });

  return {
    accept(record) {
      const src = sourceOf(record.source);
      changed.add(record.source);
      if (record.kind === "idle") {
        if (record.watermark !== null) report(src, record.watermark);
        src.idle = true;
        return "progress";
      }
      src.idle = false;
      if (record.kind === "marker") {
        report(src, record.watermark);
        return "progress";
      }
      const mark = src.taken.get(record.rule);
      if (mark !== undefined && record.offset <= mark) return "duplicate";
      src.taken.set(record.rule, record.offset);
      report(src, record.watermark);
      enqueue(src, record);
      return "event";
    },
    release() {
      const all = active();
      const out: ForwardedEvent[] = [];
      for (;;) {
        let next: Source | null = null;
        for (const src of state.values()) {
          const h = src.queue[src.head];
          if (!h) continue;
          const n = next?.queue[next.head];
          if (!n || h.watermark < n.watermark || (h.watermark === n.watermark && h.source < n.source)) next = src;
        }
        const f = next?.queue[next.head];
        // If the first in order must wait, everything after it must too.
        if (!next || !f || !releasable(f, all)) break;
        out.push(f);
        next.head++;
        if (next.head > 1024 && next.head * 2 > next.queue.length) {
          next.queue.splice(0, next.head);
          next.head = 0;
        }
      }
      waiting -= out.length;
      // One taken and released within the same flush was never saved: nothing to delete.
      for (const f of out) if (!added.delete(bufferedName(f))) gone.add(bufferedName(f));
      return out;
    },
    watermark() {
      const all = active();
      if (all.length === 0) {
        const known = [...state.values()].flatMap((s) => (s.watermark === null ? [] : [s.watermark]));
        return known.length ? Math.max(...known) : null;
      }
      let min: number | null = null;
      for (const s of all) {
        const w = state.get(s)?.watermark ?? null;
        if (w === null) return null;
        min = min === null ? w : Math.min(min, w);
      }
      return min;
    },
    buffered: () => waiting,
    flush() {
      const put = new Map(added);
      for (const s of changed) {
        const src = state.get(s)!;
        put.set(sourceName(s), JSON.stringify({ watermark: src.watermark, idle: src.idle, taken: Object.fromEntries([...src.taken].map(([r, o]) => [r, String(o)])) } satisfies SourceRecord));
      }
      const del = [...gone];
      changed.clear();
      added.clear();
      gone.clear();
      return { put, del };
    },
  };
}
