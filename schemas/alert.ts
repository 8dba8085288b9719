/**
 * The alert record, as it travels on fg.alerts and into every sink. Its id is deterministic (rule,
 * app, group key, and the window or the match that caused it), so a window re-emitted or a match
 * re-found after a crash and replay yields the same id, and every sink deduplicates on it.
 */
import { createHash } from "node:crypto";
import type { Envelope } from "./envelope.ts";
import type { CompiledRule } from "../rules/compile/rule.ts";
import type { CompiledThreshold } from "../rules/compile/window.ts";
import type { Severity } from "../rules/language/rule.ts";
import { renderTemplate } from "../rules/language/template.ts";

export interface WindowCause {
  start: number;
  end: number;
  aggregate: string;
  field?: string;
  value: number;
  threshold: CompiledThreshold;
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

export interface AlertContext {
  rule: CompiledRule;
  ruleSetVersion: string;
  appId: string;
  groupKey: string;
}

export const ruleLink = (ruleId: string, version: number): string => `fluxgate://rules/${encodeURIComponent(ruleId)}/versions/${version}`;

const alertId = (parts: unknown[]): string => createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);

function base(ctx: AlertContext, ts: number, kind: Alert["kind"], value: number | undefined): Omit<Alert, "id" | "events" | "sinks"> {
  const { rule } = ctx;
  const vars = { rule_id: rule.id, app_id: ctx.appId, group_key: ctx.groupKey, severity: rule.severity, ...(value !== undefined && { value }) };
  return {
    rule_id: rule.id,
    rule_version: rule.version,
    rule_link: ruleLink(rule.id, rule.version),
    rule_set_version: ctx.ruleSetVersion,
    severity: rule.severity,
    title: renderTemplate(rule.alert.title, vars),
    description: rule.description,
    app_id: ctx.appId,
    group_key: ctx.groupKey,
    dedup_key: renderTemplate(rule.alert.dedupKey, vars),
    ts,
    kind,
  };
}

export function windowAlert(ctx: AlertContext, window: WindowCause, events: Envelope[] = []): Alert {
  return {
    id: alertId([ctx.rule.id, ctx.appId, ctx.groupKey, "w", window.start, window.end]),
    ...base(ctx, window.end, "window", window.value),
    window,
    events,
    sinks: ctx.rule.alert.sinks.filter((s) => s !== "topic"),
  };
}

export function matchAlert(
  ctx: AlertContext,
  match: { match_id: string; start_ts: number; end_ts: number; events: Record<string, Envelope[]>; partial_matches_evicted?: true },
): Alert {
  const steps = Object.fromEntries(Object.entries(match.events).map(([step, es]) => [step, es.map((e) => e.event_id)]));
  return {
    id: alertId([ctx.rule.id, ctx.appId, ctx.groupKey, "m", match.match_id]),
    ...base(ctx, match.end_ts, "pattern", undefined),
    match: { match_id: match.match_id, start_ts: match.start_ts, end_ts: match.end_ts, steps },
    events: Object.values(match.events).flat(),
    sinks: ctx.rule.alert.sinks.filter((s) => s !== "topic"),
    ...(match.partial_matches_evicted && { partial_matches_evicted: true as const }),
  };
}
