/**
 * A compiled rule's alert clause applied to what the processor found: the alert record of
 * schemas/alert.ts for a window that crossed its threshold or a pattern that matched, with the
 * rule's title and dedup-key templates rendered. The id is deterministic (see schemas/alert.ts).
 */
import { createHash } from "node:crypto";
import type { Alert, WindowCause } from "../../schemas/alert.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { renderTemplate } from "../language/template.ts";
import type { CompiledRule } from "./rule.ts";

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
