/**
 * The operator's state as plain JSON, split so the runtime can write it incrementally: one small
 * `meta` record per rule (watermark, per-partition event-time progress) and one record per group
 * key (its open windows and their aggregate states). Only event-time facts are stored, so state
 * saved and restored is a function of the events alone. A fingerprint ties the state to the parts
 * of the spec that shape it; changing lateness, out-of-orderness, trigger or aggregate names keeps it.
 *
 * A group's record is its windows laid out flat, as the operator keeps them in memory:
 * [start, end, revision, ...aggregate states] per window, sorted by start (for sessions, also
 * disjoint). So writing a group is one JSON.stringify of an array of numbers, and reading it back
 * needs no conversion. Records written before (format 1: { windows: [{ start, end, revision, aggs }] })
 * are still read, and are rewritten flat the next time their group changes.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Aggregator, Json } from "../aggregate/types.ts";
import type { WindowSpec } from "../../schemas/spec/window.ts";

/** Offsets within one window of a flat group record; the aggregate states follow. */
export const START = 0;
export const END = 1;
export const REVISION = 2;
export const AGGS = 3;

/** A group key's windows, flat: `AGGS + aggregates` values per window (see the module comment). */
export type GroupRecord = Json[];

/** One window as records of format 1 held it. */
export interface LegacyWindowState {
  start: number;
  end: number;
  /** Revision of the last emitted result; 0 while never emitted. */
  revision: number;
  /** Aggregate states in the order of spec.aggregates. */
  aggs: unknown[];
}

/** A group record of format 1. */
export interface LegacyGroupState {
  windows: LegacyWindowState[];
}

export interface OperatorMeta {
  format: 1;
  rule_id: string;
  fingerprint: string;
  watermark: number | null;
  partitions: { partition: string; max_ts: number }[];
}

export interface WindowOperatorState {
  meta: OperatorMeta;
  /** By group key: a GroupRecord (or, read from older records, a LegacyGroupState). */
  groups: Record<string, GroupRecord | LegacyGroupState>;
}

/** What changed since the last flush: write `meta` and `groups` (by record name, its record as JSON text), delete `removed` (record names). */
export interface WindowStateDelta {
  meta: OperatorMeta;
  groups: Map<string, string>;
  removed: string[];
}

export function specFingerprint(spec: WindowSpec): string {
  const { kind, group_by, aggregates } = spec;
  const shape = spec.kind === "tumbling" ? [spec.size_ms] : spec.kind === "hopping" ? [spec.size_ms, spec.slide_ms] : [spec.gap_ms];
  // Aggregate states are positional, so renaming an aggregate keeps them; reordering does not.
  const aggregateShapes = aggregates.map(({ name: _name, ...shape }) => shape);
  return createHash("sha256").update(JSON.stringify([kind, shape, group_by, aggregateShapes])).digest("hex").slice(0, 16);
}

export const operatorMetaSchema: z.ZodType<OperatorMeta> = z
  .object({
    format: z.literal(1),
    rule_id: z.string(),
    fingerprint: z.string(),
    watermark: z.number().int().nullable(),
    partitions: z.array(z.object({ partition: z.string(), max_ts: z.number().int() }).strict()),
  })
  .strict();

export type GroupCheck = { ok: true; record: GroupRecord } | { ok: false; reason: string };

/**
 * Checks one saved group (flat, or of format 1) against the aggregates and returns it flat.
 * `disjoint`: sessions never overlap, and the merge logic relies on it. Written by hand rather than
 * as one zod schema over all groups: a partition restores hundreds of thousands of them.
 */
export function groupReader(aggregators: readonly Aggregator[], disjoint: boolean): (saved: unknown) => GroupCheck {
  const stride = AGGS + aggregators.length;
  const isInt = Number.isSafeInteger;
  const check = (flat: readonly unknown[]): string | null => {
    if (flat.length === 0 || flat.length % stride !== 0) return `expected windows of ${stride} values, got ${flat.length} values`;
    for (let i = 0; i < flat.length; i += stride) {
      const start = flat[i + START];
      const end = flat[i + END];
      const revision = flat[i + REVISION];
      if (!isInt(start) || !isInt(end) || !isInt(revision) || (revision as number) < 0) return `window ${i / stride}: start, end and revision must be integers`;
      if ((start as number) >= (end as number)) return `window ${i / stride}: window start must precede its end`;
      if (i > 0) {
        const prevStart = flat[i - stride + START] as number;
        const prevEnd = flat[i - stride + END] as number;
        if (!(prevStart < (start as number) && (!disjoint || prevEnd <= (start as number)))) return disjoint ? "sessions must be sorted and disjoint" : "windows must be sorted by start";
      }
      for (let a = 0; a < aggregators.length; a++) {
        const parsed = (aggregators[a] as Aggregator).stateSchema.safeParse(flat[i + AGGS + a]);
        if (!parsed.success) return `window ${i / stride}, aggregate ${a}: ${parsed.error.issues[0]?.message ?? "invalid"}`;
      }
    }
    return null;
  };
  return (saved) => {
    let flat: unknown[];
    if (Array.isArray(saved)) flat = saved;
    else if (typeof saved === "object" && saved !== null && Array.isArray((saved as LegacyGroupState).windows)) {
      flat = [];
      for (const w of (saved as LegacyGroupState).windows) {
        if (typeof w !== "object" || w === null || !Array.isArray(w.aggs) || w.aggs.length !== aggregators.length || Object.keys(w).length !== 4)
          return { ok: false, reason: "expected { start, end, revision, aggs } with one state per aggregate" };
        flat.push(w.start, w.end, w.revision, ...w.aggs);
      }
    } else return { ok: false, reason: "expected an array of windows" };
    const problem = check(flat);
    return problem === null ? { ok: true, record: flat as GroupRecord } : { ok: false, reason: problem };
  };
}
