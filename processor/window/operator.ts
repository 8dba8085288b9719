/**
 * The window operator for one rule: Flink's split of `process` (an event changes its group's
 * windows) from watermark progress (`advanceWatermark` / `onWatermark` close and expire windows).
 * Synchronous and deterministic: processing time enters only through the injected clock, and only
 * to decide when an idle partition stops holding the watermark back.
 *
 * Window firing is driven by per-group timers (timers.ts): a watermark step touches only the groups
 * with a window due to close or expire, so its cost follows what is due, not the number of groups.
 *
 * The state lives in plain JSON structures (state.ts). `flush()` hands the runtime what changed
 * since the last flush, per group key and already as record text, so Redis can be written
 * incrementally; `snapshot()` hands all of it, and `restoreWindowOperator` resumes from either.
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { createAggregator } from "../aggregate/registry.ts";
import type { Json } from "../aggregate/types.ts";
import { assignWindows, type Interval } from "./assign.ts";
import { fieldReader } from "./field.ts";
import { groupKeyOf, groupValues } from "./group-key.ts";
import { resultId, type LateEvent, type WindowOutput, type WindowResult, type WindowRetraction } from "./result.ts";
import { mergeSession } from "./session.ts";
import type { WindowSpec } from "./spec.ts";
import {
  operatorStateSchema,
  specFingerprint,
  type GroupState,
  type OperatorMeta,
  type WindowOperatorState,
  type WindowState,
  type WindowStateDelta,
} from "./state.ts";
import { createTimers } from "./timers.ts";
import { emitsOnChange, isClosed, isExpired, nextTimer } from "./trigger.ts";
import { combinedWatermark, observe, type PartitionProgress } from "./watermark.ts";

export interface WindowOperatorOptions {
  /** Processing time in ms; only idle detection reads it. */
  clock: () => number;
  /** A partition without events for this long stops holding the watermark back. Default 60 s. */
  idleTimeoutMs?: number;
}

export interface WindowOperator {
  readonly spec: WindowSpec;
  /**
   * Adds one event from `partition`; returns updates (trigger "update"), corrections and late
   * events. `key`: the event's group key (groupKeyOf over the spec's group_by), when the caller
   * has computed it already.
   */
  process(event: Envelope, partition: string, key?: string): WindowOutput[];
  /** Moves the watermark to what the partitions allow now; returns the windows that closed. */
  advanceWatermark(): WindowOutput[];
  /** Moves the watermark to `watermark` (ignored unless higher); returns the windows that closed. */
  onWatermark(watermark: number): WindowOutput[];
  watermark(): number | null;
  snapshot(): WindowOperatorState;
  /** What changed since the last flush (or restore); clears that record. */
  flush(): WindowStateDelta;
}

export type RestoreResult = { ok: true; operator: WindowOperator } | { ok: false; reason: string };

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export const createWindowOperator = (spec: WindowSpec, options: WindowOperatorOptions): WindowOperator => build(spec, options, null);

/**
 * Resumes from a snapshot, or from meta plus group records read back from the store. A refusal is
 * a result: the caller decides whether to start the rule afresh (e.g. after its spec changed).
 */
export function restoreWindowOperator(spec: WindowSpec, state: unknown, options: WindowOperatorOptions): RestoreResult {
  const parsed = stateSchemaOf(spec).safeParse(state);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `not window state: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}` };
  }
  const { meta } = parsed.data;
  if (meta.rule_id !== spec.id) return { ok: false, reason: `state belongs to rule ${meta.rule_id}, not ${spec.id}` };
  if (meta.fingerprint !== specFingerprint(spec)) return { ok: false, reason: `state was saved for another version of rule ${spec.id}` };
  return { ok: true, operator: build(spec, options, parsed.data) };
}

/** Built once per spec: a partition restores one operator per rule and app. */
const stateSchemas = new WeakMap<WindowSpec, ReturnType<typeof operatorStateSchema>>();
function stateSchemaOf(spec: WindowSpec): ReturnType<typeof operatorStateSchema> {
  let schema = stateSchemas.get(spec);
  if (!schema) stateSchemas.set(spec, (schema = operatorStateSchema(spec.aggregates.map(createAggregator), spec.kind === "session")));
  return schema;
}

function build(spec: WindowSpec, options: WindowOperatorOptions, initial: WindowOperatorState | null): WindowOperator {
  const { clock } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const lateness = spec.allowed_lateness_ms;
  const fingerprint = specFingerprint(spec);
  const aggregates = spec.aggregates.map((a) => ({
    name: a.name,
    aggregator: createAggregator(a),
    read: a.field === undefined ? () => undefined : fieldReader(a.field),
  }));
  const groupReaders = spec.group_by.map(fieldReader);

  let watermark: number | null = initial?.meta.watermark ?? null;
  const partitions = new Map<string, PartitionProgress>();
  const groups = new Map<string, WindowState[]>();
  const dirty = new Set<string>();
  const removed = new Set<string>();
  /**
   * Per group, the lowest watermark at which one of its windows closes or expires. A group's time
   * only ever moves earlier on an event (a new window); when it fires, the group is walked and its
   * time set afresh. So a watermark step touches the groups that are due, and no others.
   */
  const timers = createTimers({ tiesByKey: false });
  const earliest = (windows: readonly WindowState[], w: number | null): number | null => {
    let at = Infinity;
    for (const win of windows) at = Math.min(at, nextTimer(win.end, lateness, w));
    return at === Infinity ? null : at;
  };

  if (initial) {
    // Idle clocks restart: after a restart every partition gets a full timeout to be consumed again
    // before its replayed events could be made late by the others.
    const now = clock();
    for (const p of initial.meta.partitions) partitions.set(p.partition, { maxTs: p.max_ts, activeAt: now });
    for (const [key, g] of Object.entries(initial.groups)) {
      groups.set(key, g.windows);
      timers.schedule(key, earliest(g.windows, watermark));
    }
  }

  const touch = (key: string, windows: WindowState[], w: WindowState) => {
    groups.set(key, windows);
    dirty.add(key);
    removed.delete(key);
    const at = nextTimer(w.end, lateness, watermark);
    const scheduled = timers.at(key);
    if (scheduled === undefined || at < scheduled) timers.schedule(key, at);
  };

  const newWindow = ({ start, end }: Interval): WindowState => ({ start, end, revision: 0, aggs: aggregates.map((a) => a.aggregator.init()) });

  const addEvent = (w: WindowState, e: Envelope) => {
    for (let i = 0; i < aggregates.length; i++) {
      const a = aggregates[i]!;
      w.aggs[i] = a.aggregator.add(w.aggs[i], { value: a.read(e), ts: e.ts, event_id: e.event_id });
    }
  };

  const emit = (key: string, w: WindowState): WindowResult => {
    w.revision += 1;
    return {
      kind: "result",
      id: resultId(spec.id, key, w.start),
      rule_id: spec.id,
      group_key: key,
      group: groupValues(spec.group_by, key),
      window_start: w.start,
      window_end: w.end,
      revision: w.revision,
      closed: isClosed(w.end, watermark),
      values: Object.fromEntries(aggregates.map((a, i): [string, Json] => [a.name, a.aggregator.result(w.aggs[i])])),
    };
  };

  const late = (key: string, e: Envelope, missed: Interval[]): LateEvent => ({
    kind: "late",
    rule_id: spec.id,
    group_key: key,
    event: e,
    watermark: watermark as number,
    missed,
  });

  function processFixed(key: string, e: Envelope): WindowOutput[] {
    const windows = groups.get(key) ?? [];
    const out: WindowOutput[] = [];
    const missed: Interval[] = [];
    for (const iv of assignWindows(spec, e.ts)) {
      if (isExpired(iv.end, lateness, watermark)) {
        missed.push(iv);
        continue;
      }
      let at = windows.findIndex((w) => w.start >= iv.start);
      if (at < 0) at = windows.length;
      if (windows[at]?.start !== iv.start) windows.splice(at, 0, newWindow(iv));
      const w = windows[at] as WindowState;
      addEvent(w, e);
      touch(key, windows, w);
      if (emitsOnChange(spec, w.end, watermark)) out.push(emit(key, w));
    }
    if (missed.length > 0) out.push(late(key, e, missed));
    return out;
  }

  function processSession(key: string, e: Envelope, gapMs: number): WindowOutput[] {
    const windows = groups.get(key) ?? [];
    const { absorbed, merged } = mergeSession(windows, { start: e.ts, end: e.ts + gapMs });
    // Checked on the merged session, as Flink does: an event joining a live session is never late.
    if (isExpired(merged.end, lateness, watermark)) return [late(key, e, [merged])];
    const parts = absorbed.map((i) => windows[i] as WindowState);
    const out: WindowOutput[] = parts.filter((p) => p.revision > 0 && p.start !== merged.start).map((p) => retract(key, p, merged.start));
    // The earliest part takes in the others, so the common case (one session, one more event) copies nothing.
    const [base, ...rest] = parts;
    const w = base ?? newWindow(merged);
    for (const part of rest) {
      w.aggs = aggregates.map((a, i) => a.aggregator.merge(w.aggs[i], part.aggs[i]));
      // Above every revision emitted under any merged id, so a sink never takes the new result for an old one.
      w.revision = Math.max(w.revision, part.revision);
    }
    w.start = merged.start;
    w.end = merged.end;
    addEvent(w, e);
    const at = absorbed[0] ?? insertionPoint(windows, merged.start);
    windows.splice(at, parts.length, w);
    touch(key, windows, w);
    if (emitsOnChange(spec, w.end, watermark)) out.push(emit(key, w));
    return out;
  }

  const retract = (key: string, w: WindowState, mergedStart: number): WindowRetraction => ({
    kind: "retraction",
    id: resultId(spec.id, key, w.start),
    rule_id: spec.id,
    group_key: key,
    window_start: w.start,
    window_end: w.end,
    revision: w.revision + 1,
    merged_into: resultId(spec.id, key, mergedStart),
  });

  function onWatermark(next: number): WindowOutput[] {
    const before = watermark;
    if (before !== null && next <= before) return [];
    watermark = next;
    const out: WindowResult[] = [];
    for (const key of timers.due(next)) {
      const windows = groups.get(key);
      if (windows === undefined) continue;
      let changed = false;
      const kept: WindowState[] = [];
      for (const w of windows) {
        if (!isClosed(w.end, before) && isClosed(w.end, next)) {
          out.push(emit(key, w));
          changed = true;
        }
        if (isExpired(w.end, lateness, next)) {
          changed = true;
          continue;
        }
        kept.push(w);
      }
      timers.schedule(key, earliest(kept, next));
      if (!changed) continue;
      if (kept.length > 0) {
        groups.set(key, kept);
        dirty.add(key);
      } else {
        groups.delete(key);
        dirty.delete(key);
        removed.add(key);
      }
    }
    // Timers fire by (due time, key); sorting makes the output a function of the state alone, as before.
    return out.sort(
      (a, b) => a.window_end - b.window_end || (a.group_key < b.group_key ? -1 : a.group_key > b.group_key ? 1 : 0) || a.window_start - b.window_start,
    );
  }

  const meta = (): OperatorMeta => ({
    format: 1,
    rule_id: spec.id,
    fingerprint,
    watermark,
    partitions: [...partitions].map(([partition, p]) => ({ partition, max_ts: p.maxTs })),
  });

  const groupRecord = (key: string): GroupState => structuredClone({ windows: groups.get(key) ?? [] });
  /** A group's record text: serialised at once, so a flushed record never shares the live state. */
  const groupText = (key: string): string => JSON.stringify({ windows: groups.get(key) ?? [] } satisfies GroupState);

  return {
    spec,
    process(event, partition, known) {
      observe(partitions, partition, event.ts, clock());
      const key = known ?? groupKeyOf(groupReaders, event);
      return spec.kind === "session" ? processSession(key, event, spec.gap_ms) : processFixed(key, event);
    },
    advanceWatermark() {
      const next = combinedWatermark(partitions, spec.out_of_orderness_ms, idleTimeoutMs, clock());
      return next === null ? [] : onWatermark(next);
    },
    onWatermark,
    watermark: () => watermark,
    snapshot: () => ({ meta: meta(), groups: Object.fromEntries([...groups.keys()].map((k) => [k, groupRecord(k)])) }),
    flush() {
      const texts = new Map<string, string>();
      for (const k of dirty) texts.set(k, groupText(k));
      const delta = { meta: meta(), groups: texts, removed: [...removed] };
      dirty.clear();
      removed.clear();
      return delta;
    },
  };
}

function insertionPoint(windows: readonly WindowState[], start: number): number {
  const at = windows.findIndex((w) => w.start > start);
  return at < 0 ? windows.length : at;
}
