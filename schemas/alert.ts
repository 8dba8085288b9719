/**
 * The alert record, as it travels on fg.alerts and into every sink: the contract between the
 * processor that makes alerts (rules/compile/alert.ts builds them from a compiled rule), the
 * alerts role that delivers them, the store and the live feed. Its id is deterministic (rule, app,
 * group key, and the window or the match that caused it), so a window re-emitted or a match
 * re-found after a crash and replay yields the same id, and every sink deduplicates on it.
 */
import type { Envelope } from "./envelope.ts";

export const severities = ["info", "warning", "critical"] as const;
export type Severity = (typeof severities)[number];

/** How a window's value is compared with the rule's threshold (one of a rule's `threshold` keys). */
export type ThresholdOp = "gt" | "gte" | "lt" | "lte" | "eq" | "ne";
export interface AlertThreshold {
  op: ThresholdOp;
  value: number;
}

export interface WindowCause {
  start: number;
  end: number;
  aggregate: string;
  field?: string;
  value: number;
  threshold: AlertThreshold;
}

export interface MatchCause {
  match_id: string;
  start_ts: number;
  end_ts: number;
  /** Event ids per pattern step. */
  steps: Record<string, string[]>;
}

export interface Alert {
  id: string;
  rule_id: string;
  rule_version: number;
  /** Where the exact rule version lives: `fluxgate rules history <id>` lists it. */
  rule_link: string;
  rule_set_version: string;
  severity: Severity;
  title: string;
  description: string;
  app_id: string;
  group_key: string;
  dedup_key: string;
  /** Event time the alert is about: the window's end, or the match's end. */
  ts: number;
  kind: "window" | "pattern";
  window?: WindowCause;
  match?: MatchCause;
  /** The events that caused it, as far as the engine kept them (every matched event of a pattern). */
  events: Envelope[];
  /** W3C trace context of the event that caused it (processor/runtime/causes.ts): on fg.alerts, in webhook deliveries. */
  traceparent?: string;
  /** Where it is delivered besides fg.alerts (postgres, live, webhook:<name>), from the rule. */
  sinks: string[];
  /**
   * Pattern alerts only: set when the processor evicted partial matches of this group key (a per-key
   * bound or its state budget) within the rule's `within` before the match ended, so other
   * matches may have been missed or this one would have been suppressed by the skip strategy.
   */
  partial_matches_evicted?: true;
}
