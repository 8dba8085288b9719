/**
 * A rule's window -> the window engine's WindowSpec (schemas/spec/window.ts). The rule's
 * aggregate becomes the result value `value` (what the threshold is checked against); every
 * window also counts its events as `events`, so results and `rules test` can show how many
 * events made a value. State is per app and group key, so `app_id` leads the grouping.
 */
import { windowSpecSchema, type WindowSpec, type WindowSpecInput } from "../../schemas/spec/window.ts";
import type { AggregateSpecInput } from "../../schemas/spec/aggregate.ts";
import type { AlertThreshold, ThresholdOp } from "../../schemas/alert.ts";
import type { Threshold, WindowDef } from "../language/rule.ts";

/** Name of the rule's aggregate in every window result. */
export const VALUE = "value";
/** Name of the event count every window result carries. */
export const EVENTS = "events";


/** The window engine's group_by for a rule's group field: per app, then per value of the field. */
export const windowGroupBy = (groupBy: string): string[] => (groupBy === "app_id" ? ["app_id"] : ["app_id", groupBy]);

export function compileWindow(ruleId: string, groupBy: string, w: WindowDef): WindowSpec {
  const value = { name: VALUE, op: w.aggregate, ...(w.field !== undefined && { field: w.field }) } as AggregateSpecInput;
  const common = {
    id: ruleId,
    group_by: windowGroupBy(groupBy),
    aggregates: [value, { name: EVENTS, op: "count" as const }],
    allowed_lateness_ms: w.allowed_lateness,
    // Rules have no out-of-orderness of their own: the processor applies FG_PROCESSOR_OUT_OF_ORDERNESS_MS.
    out_of_orderness_ms: 0,
    trigger: "close" as const,
  };
  const input: WindowSpecInput =
    w.type === "tumbling"
      ? { kind: "tumbling", size_ms: w.size, ...common }
      : w.type === "hopping"
        ? { kind: "hopping", size_ms: w.size, slide_ms: w.hop, ...common }
        : { kind: "session", gap_ms: w.gap, ...common };
  // The rule schema already guarantees what the window schema checks; a failure here is a bug.
  return windowSpecSchema.parse(input);
}

export function compileThreshold(t: Threshold): AlertThreshold {
  const [op, value] = Object.entries(t)[0] as [ThresholdOp, number];
  return { op, value };
}

/** The threshold is applied to window results, not kept in window state (see fingerprint.ts). */
export function crosses(t: AlertThreshold, value: unknown): boolean {
  if (typeof value !== "number" || Number.isNaN(value)) return false;
  switch (t.op) {
    case "gt": return value > t.value;
    case "gte": return value >= t.value;
    case "lt": return value < t.value;
    case "lte": return value <= t.value;
    case "eq": return value === t.value;
    case "ne": return value !== t.value;
  }
}
