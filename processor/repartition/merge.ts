/**
 * Stage 2's merge of the source partitions' streams on one partition of fg.repartition: pure,
 * with its state as flat records (saved with the engine's, atomically).
 *
 * - Dedup: per source partition and rule, the highest source offset taken. A source re-publishes
 *   a batch after a crash (same offsets, same content, since stage 1 is deterministic); anything
 *   at or below the mark is that, and is dropped.
 * - Event time per app (issue 19 #7): a source reports its watermark over all its apps and, per
 *   app, that app's own (on its events and markers). For app A, a source's watermark is its
 *   watermark for A once it reported one, else its watermark over all apps (it has never sent A,
 *   and its first A event may come at any time: holding A back by its overall progress is what
 *   keeps release deterministic when A's events start on it). One app's clock therefore never
 *   moves another's: app A's watermark, the minimum over the sources, is at most A's own on any
 *   source that sent A. Events of A wait only for A's progress, in queues per source and app.
 * - Idleness (as Flink's `withIdleness`), per source and per app: a source that sent an idle
 *   marker holds nothing back while idle, and an app a source declared idle (no event of it for
 *   a while, forward.ts) holds that app back no more: the minimum and the release test skip them
 *   (when all are skipped, the watermark is the highest reported). Its next event or marker makes
 *   it active again; an event it then sends behind what was released goes on as is, and the
 *   engine treats it as late (allowed lateness, then the late output), exactly as any late event.
 * - Release, per app in one order whatever the interleaving: an app's events are handed on in
 *   (watermark, source, offset, rule) order, each once no source can still send one of that app
 *   that sorts before it, i.e. every other source reported a higher watermark for it (or the same,
 *   from a higher-numbered source). A source's events of one app come in offset order with rising
 *   watermarks, and its future ones carry at least its reported watermark for that app, so this
 *   order is a function of the events alone; the one exception is a source's first event of an
 *   app while its other apps are ahead (it held the app back by their progress), which can sort
 *   behind events of that app already released, as an idle source's can.
 * Events wait here (in the state) until released: as many as the slowest source lags.
 */
import type { RecordDelta, Records } from "../engine/records.ts";
import type { Forwarded } from "./wire.ts";

export type ForwardedEvent = Extract<Forwarded, { kind: "event" }>;

export interface Merge {
  /** Takes the partition's next record: "duplicate" for a re-publication of one taken before. */
  accept(record: Forwarded): "event" | "duplicate" | "progress";
  /** The events that can go on now, per app (apps in name order) in release order; they leave the merge's state. */
  release(): ForwardedEvent[];
  /**
   * With an app: that app's watermark, the minimum over the sources that hold it back. Without:
   * the minimum over the sources' watermarks over all apps (for metrics). Null until every
   * active source has reported.
   */
  watermark(app?: string): number | null;
  /** Events waiting for the other sources. */
  buffered(): number;
  /** Records changed since the last flush (or restore). */
  flush(): RecordDelta;
}

/** A source's progress in one app. */
interface AppMark {
  watermark: number | null;
  /** Declared idle by the source (no event of the app for a while) and nothing of it since. */
  idle: boolean;
}

interface Queue {
  /** Events waiting, in (offset, rule) order; `head` is the first not yet released. */
  items: ForwardedEvent[];
  head: number;
}

interface Source {
  /** Highest watermark the source reported, over all its apps. */
  watermark: number | null;
  /** Sent an idle marker and nothing since. */
  idle: boolean;
  /** Per rule, the highest source offset taken. */
  taken: Map<string, bigint>;
  apps: Map<string, AppMark>;
  queues: Map<string, Queue>;
}

interface SourceRecord {
  watermark: number | null;
  /** Absent in records saved before idleness existed. */
  idle?: boolean;
  taken: Record<string, string>;
  /** Absent in records saved before event time was kept per app. */
  apps?: Record<string, { w: number | null; idle?: true }>;
}

interface BufferedRecord {
  w: number;
  e: string;
  /** The event's app; absent in records saved before event time was kept per app. */
  a?: string;
}

const PREFIX = "m:";
const sourceName = (s: number) => `${PREFIX}s:${s}`;
const bufferedName = (f: ForwardedEvent) => `${PREFIX}b:${f.source}:${f.offset}:${f.rule}`;

/** The merge's records among a partition's state records (the rest are the engine's). */
export const isMergeRecord = (name: string): boolean => name.startsWith(PREFIX);

const before = (a: ForwardedEvent, b: ForwardedEvent): boolean => a.offset < b.offset || (a.offset === b.offset && a.rule < b.rule);
const appOfEvent = (text: string): string => {
  try {
    const app = (JSON.parse(text) as { app_id?: unknown }).app_id;
    return typeof app === "string" ? app : "";
  } catch {
    return "";
  }
};

export function restoreMerge(sources: number, saved: Records = {}): Merge {
  const state = new Map<number, Source>();
  const sourceOf = (s: number): Source => {
    let src = state.get(s);
    if (!src) state.set(s, (src = { watermark: null, idle: false, taken: new Map(), apps: new Map(), queues: new Map() }));
    return src;
  };
  const queueOf = (src: Source, app: string): Queue => {
    let q = src.queues.get(app);
    if (!q) src.queues.set(app, (q = { items: [], head: 0 }));
    return q;
  };
  for (const [name, text] of Object.entries(saved)) {
    const parts = name.split(":");
    if (parts[1] === "s") {
      const r = JSON.parse(text) as SourceRecord;
      const src = sourceOf(Number(parts[2]));
      src.watermark = r.watermark;
      src.idle = r.idle ?? false;
      for (const [rule, offset] of Object.entries(r.taken)) src.taken.set(rule, BigInt(offset));
      for (const [app, m] of Object.entries(r.apps ?? {})) src.apps.set(app, { watermark: m.w, idle: m.idle ?? false });
    } else if (parts[1] === "b") {
      const r = JSON.parse(text) as BufferedRecord;
      const source = Number(parts[2]);
      const app = r.a ?? appOfEvent(r.e);
      queueOf(sourceOf(source), app).items.push({ kind: "event", source, offset: BigInt(parts[3] as string), rule: parts.slice(4).join(":"), app, watermark: r.w, event: r.e });
    }
  }
  for (const src of state.values()) for (const q of src.queues.values()) q.items.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));

  /** Buffered events written and released since the last flush. */
  const added = new Map<string, string>();
  const gone = new Set<string>();
  const changed = new Set<number>();
  let waiting = [...state.values()].reduce((n, s) => n + [...s.queues.values()].reduce((m, q) => m + q.items.length, 0), 0);

  const report = (src: Source, w: number) => {
    if (src.watermark === null || w > src.watermark) src.watermark = w;
  };
  const reportApp = (src: Source, app: string, w: number | null) => {
    const mark = src.apps.get(app);
    if (!mark) src.apps.set(app, { watermark: w, idle: false });
    else {
      mark.idle = false;
      if (w !== null && (mark.watermark === null || w > mark.watermark)) mark.watermark = w;
    }
  };
  const enqueue = (src: Source, f: ForwardedEvent) => {
    const q = queueOf(src, f.app);
    let at = q.items.length;
    while (at > q.head && before(f, q.items[at - 1]!)) at--;
    q.items.splice(at, 0, f);
    waiting++;
    added.set(bufferedName(f), JSON.stringify({ w: f.watermark, e: f.event, a: f.app } satisfies BufferedRecord));
  };
  /** Sources numbered 0..sources-1, and any other that reported (a misconfigured count must not hide one). */
  const domain = (): number[] => {
    const all = new Set(Array.from({ length: sources }, (_, i) => i));
    for (const s of state.keys()) all.add(s);
    return [...all];
  };
  /**
   * What source `s` holds `app` back to: its watermark for the app (or over all apps, if it never
   * reported the app); "skip" when it is idle, or the app is idle on it.
   */
  const holds = (s: number, app: string | undefined): number | null | "skip" => {
    const src = state.get(s);
    if (!src) return null;
    if (src.idle) return "skip";
    const mark = app === undefined ? undefined : src.apps.get(app);
    if (mark?.idle) return "skip";
    return mark ? mark.watermark : src.watermark;
  };
  /** No source other than `f`'s can still send an event of its app that sorts before `f`. */
  const releasable = (f: ForwardedEvent, all: number[]): boolean =>
    all.every((s) => {
      if (s === f.source) return true;
      const w = holds(s, f.app);
      return w === "skip" || (w !== null && (f.watermark < w || (f.watermark === w && f.source < s)));
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
        for (const [app, w] of Object.entries(record.apps)) reportApp(src, app, w);
        for (const app of record.idleApps) {
          const mark = src.apps.get(app);
          if (mark) mark.idle = true;
          else src.apps.set(app, { watermark: null, idle: true });
        }
        return "progress";
      }
      const mark = src.taken.get(record.rule);
      if (mark !== undefined && record.offset <= mark) return "duplicate";
      src.taken.set(record.rule, record.offset);
      report(src, record.watermark);
      reportApp(src, record.app, record.watermark);
      enqueue(src, record);
      return "event";
    },
    release() {
      const all = domain();
      const out: ForwardedEvent[] = [];
      const apps = new Set<string>();
      for (const src of state.values()) for (const [app, q] of src.queues) if (q.head < q.items.length) apps.add(app);
      for (const app of [...apps].sort()) {
        const queues = [...state.values()].flatMap((src) => src.queues.get(app) ?? []);
        for (;;) {
          let next: Queue | null = null;
          for (const q of queues) {
            const h = q.items[q.head];
            if (!h) continue;
            const n = next?.items[next.head];
            if (!n || h.watermark < n.watermark || (h.watermark === n.watermark && h.source < n.source)) next = q;
          }
          const f = next?.items[next.head];
          // If the app's first in order must wait, everything of the app after it must too.
          if (!next || !f || !releasable(f, all)) break;
          out.push(f);
          next.head++;
          if (next.head > 1024 && next.head * 2 > next.items.length) {
            next.items.splice(0, next.head);
            next.head = 0;
          }
        }
      }
      for (const src of state.values()) for (const [app, q] of src.queues) if (q.head === q.items.length) src.queues.delete(app);
      waiting -= out.length;
      // One taken and released within the same flush was never saved: nothing to delete.
      for (const f of out) if (!added.delete(bufferedName(f))) gone.add(bufferedName(f));
      return out;
    },
    watermark(app) {
      let min: number | null = null;
      let any = false;
      for (const s of domain()) {
        const w = holds(s, app);
        if (w === "skip") continue;
        if (w === null) return null;
        any = true;
        min = min === null ? w : Math.min(min, w);
      }
      if (any) return min;
      // Everything skipped: the highest reported, for the app if any source reported it (never
      // another app's progress, which would move this app's clock).
      const own = app === undefined ? [] : [...state.values()].flatMap((src) => src.apps.get(app)?.watermark ?? []);
      const known = own.length || app !== undefined && [...state.values()].some((src) => src.apps.has(app)) ? own : [...state.values()].flatMap((src) => src.watermark ?? []);
      return known.length ? Math.max(...known) : null;
    },
    buffered: () => waiting,
    flush() {
      const put = new Map(added);
      for (const s of changed) {
        const src = state.get(s)!;
        const apps = Object.fromEntries([...src.apps].map(([app, m]) => [app, m.idle ? { w: m.watermark, idle: true as const } : { w: m.watermark }]));
        put.set(sourceName(s), JSON.stringify({ watermark: src.watermark, idle: src.idle, taken: Object.fromEntries([...src.taken].map(([r, o]) => [r, String(o)])), apps } satisfies SourceRecord));
      }
      const del = [...gone];
      changed.clear();
      added.clear();
      gone.clear();
      return { put, del };
    },
  };
}
