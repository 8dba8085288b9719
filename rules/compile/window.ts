/**
 * A rule's window -> the window engine's spec. processor/window/ (windowSpecSchema, WindowSpec) was
 * not written yet when this was; `WindowSpecDraft` is the shape this module targets, chosen to
 * mirror PatternSpec's conventions (snake_case, *_ms durations, the rule id as spec id). When the
 * engine lands, this file is the one place to map onto its WindowSpec.
 */
import type { WindowDef, Threshold } from "../language/rule.ts";

export interface WindowSpecDraft {
  id: string;
  type: "tumbling" | "hopping" | "session";
  /** Window length (tumbling, hopping). */
  size_ms?: number;
  /** Distance between window starts (hopping). */
  hop_ms?: number;
  /** Inactivity that closes a session (session). */
  gap_ms?: number;
  allowed_lateness_ms: number;
  aggregate: { fn: WindowDef["aggregate"]; field?: string };
}

export type ThresholdOp = keyof Threshold;
export interface CompiledThreshold {
  op: ThresholdOp;
  value: number;
}

export function compileWindow(ruleId: string, w: WindowDef): WindowSpecDraft {
  const aggregate = w.field === undefined ? { fn: w.aggregate } : { fn: w.aggregate, field: w.field };
  const base = { id: ruleId, type: w.type, allowed_lateness_ms: w.allowed_lateness, aggregate };
  if (w.type === "tumbling") return { ...base, size_ms: w.size };
  if (w.type === "hopping") return { ...base, size_ms: w.size, hop_ms: w.hop };
  return { ...base, gap_ms: w.gap };
}

export function compileThreshold(t: Threshold): CompiledThreshold {
  const [op, value] = Object.entries(t)[0] as [ThresholdOp, number];
  return { op, value };
}

/** The threshold is applied to window results, not kept in window state (see fingerprint.ts). */
export function crosses(t: CompiledThreshold, value: number | null): boolean {
  if (value === null || Number.isNaN(value)) return false;
  switch (t.op) {
    case "gt": return value > t.value;
    case "gte": return value >= t.value;
    case "lt": return value < t.value;
    case "lte": return value <= t.value;
    case "eq": return value === t.value;
    case "ne": return value !== t.value;
  }
}
