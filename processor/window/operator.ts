/**
 * The window operator for one rule: Flink's split of `process` (an event changes its group's
 * windows) from watermark progress (`advanceWatermark` / `onWatermark` close and expire windows).
 * Synchronous and deterministic: processing time enters only through the injected clock, and only
 * to decide when an idle partition stops holding the watermark back.
 *
 * Window firing is driven by per-group timers (timers.ts): a watermark step touches only the groups
 * with a window due to close or expire, so its cost follows what is due, not the number of groups.
 *
 * The hot path allocates little: a group's windows live in one flat array (state.ts), which is
 * also its saved record, aggregates update their states in place where they can, and outputs are
 * appended to the caller's array. `flush()` serialises only the groups changed since the last
 * flush, once each however often they changed; `snapshot()` hands all of it, and
 * `restoreWindowOperator` resumes from either (or from records of the older format).
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { createAggregator } from "../aggregate/registry.ts";
import type { Aggregator, Json, Observation } from "../aggregate/types.ts";
import { firstStart, lastStart, type Interval } from "./assign.ts";
import { fieldReader, type FieldReader } from "../../schemas/condition/field-path.ts";
import { groupKeyOf, groupValues } from "./group-key.ts";
import { resultId, type LateEvent, type WindowOutput, type WindowResult, type WindowRetraction } from "../../schemas/window-result.ts";
import { overlapRun, type Run } from "./session.ts";
import type { WindowSpec } from "../../schemas/spec/window.ts";
import { AGGS, END, groupReader, operatorMetaSchema, REVISION, specFingerprint, START, type GroupCheck, type GroupRecord, type OperatorMeta, type WindowOperatorState, type WindowStateDelta } from "./state.ts";
import { createTimerQueue } from "./timers.ts";
import { emitsOnChange, isClosed, isExpired, nextTimer } from "./trigger.ts";
import { combinedWatermark, type PartitionProgress } from "./watermark.ts";

export interface WindowOperatorOptions {
  /**
   * Processing time in ms; only idle detection (advanceWatermark) reads it. Without it no partition
   * is ever idle: a caller that moves the watermark itself (onWatermark) needs none, and saves a
   * clock read per event.
   */
  clock?: () => number;
  /** A partition without events for this long stops holding the watermark back. Default 60 s. */
  idleTimeoutMs?: number;
}

export interface WindowOperator {
  readonly spec: WindowSpec;
  /**
   * Adds one event from `partition`; appends to `out` (and returns it) updates (trigger "update"),
   * corrections and late events. `key`: the event's group key (groupKeyOf over the spec's
   * group_by), when the caller has computed it already.
   */
  process(event: Envelope, partition: string, key?: string, out?: WindowOutput[]): WindowOutput[];
  /** Moves the watermark to what the partitions allow now; appends the windows that closed. */
  advanceWatermark(out?: WindowOutput[]): WindowOutput[];
  /** Moves the watermark to `watermark` (ignored unless higher); appends the windows that closed, by (end, group key, start). */
  onWatermark(watermark: number, out?: WindowOutput[]): WindowOutput[];
  watermark(): number | null;
  /** Group keys with open windows. */
  size(): number;
  /** The meta record (watermark, partitions' progress) as of now. */
  meta(): OperatorMeta;
  snapshot(): WindowOperatorState;
  /** Every group's record as JSON text, by group key. */
  groupTexts(): IterableIterator<[string, string]>;
  /**
   * What changed since the last flush (or restore); clears that record. Record names are `prefix`
   * + group key; the records are added to `into` when given (saving the caller a copy), which is the delta's `groups`.
   */
  flush(prefix?: string, into?: Map<string, string>): WindowStateDelta;
}

export type RestoreResult = { ok: true; operator: WindowOperator } | { ok: false; reason: string };

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const NONE: readonly unknown[] = [];

/** A group key's open windows (flat, see state.ts) and its bookkeeping. */
class Group {
  /** Watermark at which one of its windows closes or expires next (the timer queue's field). */
  due = Infinity;
  /** The flush generation in which it was last marked changed: one serialisation per flush, however many events. */
  changedIn = -1;
  /** False once its last window expired: a later event for the key makes a new group. */
  live = true;
  /** It has a record in the store (written by a flush, or restored from one): only then does its going delete one. */
  saved = false;
  /** Its group_by values, for results: parsed from the key at its first result, then shared. */
  values: Record<string, Json> | null = null;

  constructor(
    readonly key: string,
    public w: unknown[],
  ) {}
}

export const createWindowOperator = (spec: WindowSpec, options: WindowOperatorOptions): WindowOperator => build(spec, options, null);

/**
 * Resumes from a snapshot, or from meta plus group records read back from the store. A refusal is
 * a result: the caller decides whether to start the rule afresh (e.g. after its spec changed).
 */
export function restoreWindowOperator(spec: WindowSpec, state: unknown, options: WindowOperatorOptions): RestoreResult {
  const refuse = (path: string, message: string): RestoreResult => ({ ok: false, reason: `not window state: ${path}: ${message}` });
  if (typeof state !== "object" || state === null) return refuse("", "expected { meta, groups }");
  const { meta: savedMeta, groups: savedGroups } = state as { meta?: unknown; groups?: unknown };
  const parsed = operatorMetaSchema.safeParse(savedMeta);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse(["meta", ...(issue?.path ?? [])].join("."), issue?.message ?? "invalid");
  }
  if (typeof savedGroups !== "object" || savedGroups === null || Array.isArray(savedGroups)) return refuse("groups", "expected an object of group records");
  const meta = parsed.data;
  if (meta.rule_id !== spec.id) return { ok: false, reason: `state belongs to rule ${meta.rule_id}, not ${spec.id}` };
  if (meta.fingerprint !== specFingerprint(spec)) return { ok: false, reason: `state was saved for another version of rule ${spec.id}` };
  const read = readerOf(spec);
  const groups = new Map<string, GroupRecord>();
  for (const [key, saved] of Object.entries(savedGroups)) {
    const checked: GroupCheck = read(saved);
    if (!checked.ok) return refuse(`groups.${key}`, checked.reason);
    groups.set(key, checked.record);
  }
  return { ok: true, operator: build(spec, options, { meta, groups }) };
}

/** Built once per spec: a partition restores one operator per rule and app. */
const readers = new WeakMap<WindowSpec, ReturnType<typeof groupReader>>();
function readerOf(spec: WindowSpec): ReturnType<typeof groupReader> {
  let read = readers.get(spec);
  if (!read) readers.set(spec, (read = groupReader(spec.aggregates.map(createAggregator), spec.kind === "session")));
  return read;
}

interface Restored {
  meta: OperatorMeta;
  groups: Map<string, GroupRecord>;
}

/** The order of the results of one watermark step: a function of the state alone, not of the timers' order. */
const byEndKeyStart = (a: WindowResult, b: WindowResult): number =>
  a.window_end - b.window_end || (a.group_key < b.group_key ? -1 : a.group_key > b.group_key ? 1 : 0) || a.window_start - b.window_start;

/**
 * Sorts `out` from `from` on by (end, group key, start), as byEndKeyStart does, but by end first and
 * then each end's group keys with the native string sort: a comparator costs about 1 µs a result
 * over the thousands of groups that one aligned window end closes at once. One group closes at
 * most one window per end (fixed sizes; sessions are disjoint), so within an end the keys are
 * distinct; should they not be, that end is sorted with the comparator.
 */
export function sortClosed(out: WindowOutput[], from: number): void {
  if (out.length - from <= 1) return;
  // Mostly one aligned end closes per step: its keys are sorted with no grouping by end.
  const end0 = (out[from] as WindowResult).window_end;
  let oneEnd = true;
  for (let i = from + 1; i < out.length && oneEnd; i++) oneEnd = (out[i] as WindowResult).window_end === end0;
  if (oneEnd) {
    sortByKey(out, from, out.slice(from) as WindowResult[]);
    return;
  }
  const byEnd = new Map<number, WindowResult[]>();
  for (let i = from; i < out.length; i++) {
    const r = out[i] as WindowResult;
    const same = byEnd.get(r.window_end);
    if (same === undefined) byEnd.set(r.window_end, [r]);
    else same.push(r);
  }
  const ends = byEnd.size === 1 ? [...byEnd.keys()] : [...byEnd.keys()].sort((a, b) => a - b);
  let at = from;
  for (const end of ends) {
    const results = byEnd.get(end) as WindowResult[];
    sortByKey(out, at, results);
    at += results.length;
  }
}

/** Writes `results` (of one end) to `out` from `at` on, sorted by (key, start). */
function sortByKey(out: WindowOutput[], at: number, results: WindowResult[]): void {
  if (results.length === 1) {
    out[at] = results[0] as WindowResult;
    return;
  }
  const byKey = new Map<string, WindowResult>();
  for (const r of results) byKey.set(r.group_key, r);
  if (byKey.size !== results.length) {
    for (const r of results.sort(byEndKeyStart)) out[at++] = r;
    return;
  }
  // UTF-16 code unit order, as `<` on strings.
  for (const key of [...byKey.keys()].sort()) out[at++] = byKey.get(key) as WindowResult;
}

function build(spec: WindowSpec, options: WindowOperatorOptions, initial: Restored | null): WindowOperator {
  const { clock } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const lateness = spec.allowed_lateness_ms;
  const fingerprint = specFingerprint(spec);
  const ruleId = spec.id;
  const names = spec.aggregates.map((a) => a.name);
  const aggregators: Aggregator[] = spec.aggregates.map(createAggregator);
  const fieldOf: (FieldReader | null)[] = spec.aggregates.map((a) => (a.field === undefined ? null : fieldReader(a.field)));
  const nAggs = aggregators.length;
  const stride = AGGS + nAggs;
  const groupReaders = spec.group_by.map(fieldReader);
  const fixed = spec.kind !== "session";
  const size = spec.kind === "session" ? 0 : spec.size_ms;
  // Tumbling windows are hopping windows whose slide is their size.
  const slide = spec.kind === "hopping" ? spec.slide_ms : size;
  const gap = spec.kind === "session" ? spec.gap_ms : 0;

  let watermark: number | null = initial?.meta.watermark ?? null;
  const partitions = new Map<string, PartitionProgress>();
  const groups = new Map<string, Group>();
  /** Groups changed in this flush generation, and the keys whose groups went (record names to delete). */
  let generation = 0;
  let changed: Group[] = [];
  let removed: string[] = [];
  /**
   * Per group, the lowest watermark at which one of its windows closes or expires. A group's time
   * only ever moves earlier on an event (a new window); when it fires, the group is walked and its
   * time set afresh. So a watermark step touches the groups that are due, and no others.
   */
  const timers = createTimerQueue<Group>();
  const dueNow: Group[] = [];
  const run: Run = { from: 0, to: 0 };
  /** Read once per event and shared by its windows; reused, as the aggregators' contract allows. */
  const obs: Observation = { value: undefined, ts: 0, event_id: "" };
  const fieldValues: unknown[] = new Array(nAggs).fill(undefined);

  const earliest = (flat: readonly unknown[], w: number | null): number => {
    let at = Infinity;
    for (let i = 0; i < flat.length; i += stride) {
      const t = nextTimer(flat[i + END] as number, lateness, w);
      if (t < at) at = t;
    }
    return at;
  };

  if (initial) {
    // Idle clocks restart: after a restart every partition gets a full timeout to be consumed again
    // before its replayed events could be made late by the others.
    const now = clock?.() ?? 0;
    for (const p of initial.meta.partitions) partitions.set(p.partition, { maxTs: p.max_ts, activeAt: now });
    for (const [key, flat] of initial.groups) {
      const g = new Group(key, flat as unknown[]);
      g.saved = true;
      groups.set(key, g);
      timers.schedule(g, earliest(g.w, watermark));
    }
  }

  /** Last partition observed: the engine runs one, so its progress is found without a map lookup. */
  let lastPartition: PartitionProgress | null = null;
  let lastPartitionName = "";
  const observe = (partition: string, ts: number) => {
    let p = lastPartition;
    if (p === null || partition !== lastPartitionName) {
      p = partitions.get(partition) ?? null;
      if (p === null) partitions.set(partition, (p = { maxTs: ts, activeAt: 0 }));
      lastPartition = p;
      lastPartitionName = partition;
    }
    if (ts > p.maxTs) p.maxTs = ts;
    if (clock !== undefined) p.activeAt = clock();
  };

  const markChanged = (g: Group) => {
    if (g.changedIn === generation) return;
    g.changedIn = generation;
    changed.push(g);
  };

  const groupOf = (key: string, e: Envelope): Group => groups.get(key) ?? newGroup(key, e);
  const newGroup = (key: string, e: Envelope): Group => {
    const g = new Group(key, []);
    g.values = valuesOf(e);
    groups.set(key, g);
    return g;
  };

  /**
   * The group's values for its results, read from the event that opened it: what parsing the key
   * would give, without the parse. Only for values that survive JSON unchanged (strings, booleans,
   * null, finite numbers other than -0); otherwise (and for restored groups) the key is parsed.
   */
  const valuesOf = (e: Envelope): Record<string, Json> | null => {
    const values: Record<string, Json> = {};
    for (let i = 0; i < groupReaders.length; i++) {
      const v = (groupReaders[i] as FieldReader)(e) ?? null;
      if (!(v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v) && !Object.is(v, -0)))) return null;
      values[spec.group_by[i] as string] = v;
    }
    return values;
  };

  /** After window `i` of `g` changed: the group is saved at the next flush, and its timer may move earlier. */
  const touched = (g: Group, i: number) => {
    markChanged(g);
    const at = nextTimer(g.w[i + END] as number, lateness, watermark);
    if (at < g.due) timers.schedule(g, at);
  };

  const addEvent = (w: unknown[], i: number) => {
    for (let a = 0; a < nAggs; a++) {
      obs.value = fieldValues[a];
      w[i + AGGS + a] = (aggregators[a] as Aggregator).add(w[i + AGGS + a], obs);
    }
  };

  const insertWindow = (w: unknown[], i: number, start: number, end: number) => {
    if (i === w.length) {
      // The common case, a window after the others: appended, no list of its slots built.
      w.push(start, end, 0);
      for (let a = 0; a < nAggs; a++) w.push((aggregators[a] as Aggregator).init());
    } else w.splice(i, 0, start, end, 0, ...aggregators.map((a) => a.init()));
  };

  const emit = (g: Group, i: number): WindowResult => {
    const w = g.w;
    const revision = (w[i + REVISION] as number) + 1;
    w[i + REVISION] = revision;
    const start = w[i + START] as number;
    const end = w[i + END] as number;
    const values: Record<string, Json> = {};
    for (let a = 0; a < nAggs; a++) values[names[a] as string] = (aggregators[a] as Aggregator).result(w[i + AGGS + a]);
    return {
      kind: "result",
      id: resultId(ruleId, g.key, start),
      rule_id: ruleId,
      group_key: g.key,
      group: (g.values ??= groupValues(spec.group_by, g.key)),
      window_start: start,
      window_end: end,
      revision,
      closed: isClosed(end, watermark),
      values,
    };
  };

  const late = (key: string, e: Envelope, missed: Interval[]): LateEvent => ({
    kind: "late",
    rule_id: ruleId,
    group_key: key,
    event: e,
    watermark: watermark as number,
    missed,
  });

  function processFixed(key: string, e: Envelope, out: WindowOutput[]) {
    const ts = e.ts;
    // The windows assign.ts assigns, walked by start without building the list.
    const last = lastStart(ts, slide);
    let missed: Interval[] | null = null;
    let g: Group | null = null;
    let i = 0;
    for (let start = firstStart(ts, size, slide); start <= last; start += slide) {
      const end = start + size;
      if (isExpired(end, lateness, watermark)) {
        (missed ??= []).push({ start, end });
        continue;
      }
      g ??= groupOf(key, e);
      const w = g.w;
      // Starts ascend, so the search goes on from the previous window.
      while (i < w.length && (w[i + START] as number) < start) i += stride;
      if (i >= w.length || w[i + START] !== start) insertWindow(w, i, start, end);
      addEvent(w, i);
      touched(g, i);
      if (emitsOnChange(spec, end, watermark)) out.push(emit(g, i));
    }
    if (missed !== null) out.push(late(key, e, missed));
  }

  const retract = (key: string, w: readonly unknown[], i: number, mergedStart: number): WindowRetraction => ({
    kind: "retraction",
    id: resultId(ruleId, key, w[i + START] as number),
    rule_id: ruleId,
    group_key: key,
    window_start: w[i + START] as number,
    window_end: w[i + END] as number,
    revision: (w[i + REVISION] as number) + 1,
    merged_into: resultId(ruleId, key, mergedStart),
  });

  /**
   * Session merging (Flink's merging windows): the event proposes [ts, ts + gap) and joins every
   * session that interval overlaps, so one event can bridge two sessions into one. Intervals are
   * half-open: a pause of exactly `gap` separates two sessions.
   */
  function processSession(key: string, e: Envelope, out: WindowOutput[]) {
    const ts = e.ts;
    const g0 = groups.get(key);
    const { from, to } = overlapRun(g0?.w ?? NONE, stride, ts, ts + gap, run);
    let start = ts;
    let end = ts + gap;
    if (to > from) {
      const w0 = (g0 as Group).w;
      start = Math.min(start, w0[from + START] as number);
      end = Math.max(end, w0[to - stride + END] as number);
    }
    // Checked on the merged session, as Flink does: an event joining a live session is never late.
    if (isExpired(end, lateness, watermark)) {
      out.push(late(key, e, [{ start, end }]));
      return;
    }
    const g = g0 ?? newGroup(key, e);
    const w = g.w;
    for (let i = from; i < to; i += stride) if ((w[i + REVISION] as number) > 0 && w[i + START] !== start) out.push(retract(key, w, i, start));
    if (to === from) insertWindow(w, from, start, end);
    else {
      // The earliest part takes in the others, so the common case (one session, one more event) copies nothing.
      for (let i = from + stride; i < to; i += stride) {
        for (let a = 0; a < nAggs; a++) w[from + AGGS + a] = (aggregators[a] as Aggregator).merge(w[from + AGGS + a], w[i + AGGS + a]);
        // Above every revision emitted under any merged id, so a sink never takes the new result for an old one.
        w[from + REVISION] = Math.max(w[from + REVISION] as number, w[i + REVISION] as number);
      }
      if (to - from > stride) w.splice(from + stride, to - from - stride);
      w[from + START] = start;
      w[from + END] = end;
    }
    addEvent(w, from);
    touched(g, from);
    if (emitsOnChange(spec, end, watermark)) out.push(emit(g, from));
  }

  function onWatermark(next: number, out: WindowOutput[] = []): WindowOutput[] {
    const before = watermark;
    if (before !== null && next <= before) return out;
    watermark = next;
    if (timers.next() > next) return out;
    timers.due(next, dueNow);
    const from = out.length;
    for (const g of dueNow) {
      const w = g.w;
      let changedHere = false;
      let kept = 0;
      for (let i = 0; i < w.length; i += stride) {
        const end = w[i + END] as number;
        if (!isClosed(end, before) && isClosed(end, next)) {
          out.push(emit(g, i));
          changedHere = true;
        }
        if (isExpired(end, lateness, next)) {
          changedHere = true;
          continue;
        }
        // Kept windows move down over expired ones, in place.
        if (kept !== i) for (let k = 0; k < stride; k++) w[kept + k] = w[i + k];
        kept += stride;
      }
      w.length = kept;
      timers.schedule(g, earliest(w, next));
      if (!changedHere) continue;
      if (kept > 0) markChanged(g);
      else {
        groups.delete(g.key);
        g.live = false;
        // A group opened and gone between two flushes never had a record.
        if (g.saved) removed.push(g.key);
      }
    }
    dueNow.length = 0;
    // Timers fire by due time; sorting makes the output a function of the state alone.
    sortClosed(out, from);
    return out;
  }

  const meta = (): OperatorMeta => ({
    format: 1,
    rule_id: ruleId,
    fingerprint,
    watermark,
    partitions: [...partitions].map(([partition, p]) => ({ partition, max_ts: p.maxTs })),
  });

  return {
    spec,
    process(event, partition, known, out = []) {
      observe(partition, event.ts);
      const key = known ?? groupKeyOf(groupReaders, event);
      obs.ts = event.ts;
      obs.event_id = event.event_id;
      for (let a = 0; a < nAggs; a++) {
        const read = fieldOf[a] as FieldReader | null;
        fieldValues[a] = read === null ? undefined : read(event);
      }
      if (fixed) processFixed(key, event, out);
      else processSession(key, event, out);
      return out;
    },
    advanceWatermark(out = []) {
      const next = combinedWatermark(partitions, spec.out_of_orderness_ms, idleTimeoutMs, clock?.() ?? 0);
      return next === null ? out : onWatermark(next, out);
    },
    onWatermark,
    watermark: () => watermark,
    size: () => groups.size,
    meta,
    // Copies through JSON: the snapshot must not share the live state (the states are JSON by contract).
    snapshot: () => ({ meta: meta(), groups: Object.fromEntries([...groups].map(([k, g]) => [k, JSON.parse(JSON.stringify(g.w)) as GroupRecord])) }),
    *groupTexts() {
      for (const [k, g] of groups) yield [k, JSON.stringify(g.w)];
    },
    flush(prefix = "", into = new Map<string, string>()) {
      const texts = into;
      for (const g of changed) {
        if (!g.live) continue;
        texts.set(prefix + g.key, JSON.stringify(g.w));
        g.saved = true;
      }
      // A key whose group went and came back is written, not deleted. A key is listed at most once
      // a generation (no Set needed): only a group saved before it (written or restored) is, and a
      // group made since is saved only when it ends.
      const gone: string[] = [];
      for (const key of removed) if (!groups.has(key)) gone.push(prefix + key);
      const delta = { meta: meta(), groups: texts, removed: gone };
      generation += 1;
      changed = [];
      removed = [];
      return delta;
    },
  };
}
