/**
 * The operator's state as plain JSON, split so the runtime can write it incrementally: one small
 * `meta` record per rule (watermark, per-partition event-time progress) and one record per group
 * key (its open windows and their aggregate states). Only event-time facts are stored, so state
 * saved and restored is a function of the events alone. A fingerprint ties the state to the parts
 * of the spec that shape it; changing lateness, out-of-orderness, trigger or aggregate names keeps it.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Aggregator } from "../aggregate/types.ts";
import type { WindowSpec } from "./spec.ts";

export interface WindowState {
  start: number;
  end: number;
  /** Revision of the last emitted result; 0 while never emitted. */
  revision: number;
  /** Aggregate states in the order of spec.aggregates. */
  aggs: unknown[];
}

export interface GroupState {
  /** Sorted by start; for sessions, also disjoint. */
  windows: WindowState[];
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
  /** By group key. */
  groups: Record<string, GroupState>;
}

/** What changed since the last flush: write `meta` and `groups` (by group key, its record: the JSON text of its GroupState), delete `removed`. */
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

const inOrder = (prev: WindowState | undefined, w: WindowState, disjoint: boolean): boolean =>
  prev === undefined || (prev.start < w.start && (!disjoint || prev.end <= w.start));

/** `disjoint`: sessions never overlap, and the merge logic relies on it. */
export function operatorStateSchema(aggregators: readonly Aggregator[], disjoint: boolean): z.ZodType<WindowOperatorState> {
  const window = z
    .object({
      start: z.number().int(),
      end: z.number().int(),
      revision: z.number().int().nonnegative(),
      aggs: z.tuple(aggregators.map((a) => a.stateSchema) as [z.ZodType, ...z.ZodType[]]),
    })
    .strict()
    .refine((w) => w.start < w.end, "window start must precede its end");
  const group = z
    .object({ windows: z.array(window).min(1) })
    .strict()
    .refine((g) => g.windows.every((w, i) => inOrder(g.windows[i - 1], w, disjoint)), disjoint ? "sessions must be sorted and disjoint" : "windows must be sorted by start");
  const meta = z
    .object({
      format: z.literal(1),
      rule_id: z.string(),
      fingerprint: z.string(),
      watermark: z.number().int().nullable(),
      partitions: z.array(z.object({ partition: z.string(), max_ts: z.number().int() }).strict()),
    })
    .strict();
  return z.object({ meta, groups: z.record(z.string(), group) }).strict() as z.ZodType<WindowOperatorState>;
}
