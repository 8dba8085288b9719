/**
 * Runs a rule set over recorded events in event time with the processor's own engine
 * (processor/engine): events in ts order through one partition engine, whose watermark follows the
 * highest ts seen, then time advances to `until` (default: the end of time, as at the end of a
 * bounded stream). Alerts go through the production gate with event time as its clock, so a
 * replay is deterministic.
 */
import { createPartitionEngine } from "../engine/index.ts";
import type { WindowResult } from "../window/index.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import type { Alert } from "../../schemas/alert.ts";
import { createAlertGate, type GateVerdict } from "../alerts/gate.ts";
import { crosses, EVENTS, VALUE } from "../../rules/compile/window.ts";
import type { RuleSet } from "../../rules/set/rule-set.ts";

export const END_OF_TIME = Number.MAX_SAFE_INTEGER;

export interface ReplayedWindow {
  rule_id: string;
  app_id: string;
  group_key: string;
  start: number;
  end: number;
  /** Emissions of this window so far: above 1 for corrections by late events. */
  revision: number;
  count: number;
  value: unknown;
  crossed: boolean;
}

export interface ReplayedAlert {
  alert: Alert;
  verdict: GateVerdict;
}

export interface ReplayResult {
  windows: ReplayedWindow[];
  alerts: ReplayedAlert[];
}

export function replay(ruleSet: RuleSet, events: readonly Envelope[], options: { until?: number } = {}): ReplayResult {
  const engine = createPartitionEngine({ ruleSet });
  const first = engine.process([...events].sort((a, b) => a.ts - b.ts));
  const last = engine.advanceTo(options.until ?? END_OF_TIME);
  const thresholds = new Map(ruleSet.rules.flatMap((r) => (r.kind === "window" ? [[r.id, r.threshold] as const] : [])));

  const windows = [...first.windows, ...last.windows]
    .filter((w): w is WindowResult => w.kind === "result")
    .map((w): ReplayedWindow => {
      const values = Object.values(w.group).map(String);
      const threshold = thresholds.get(w.rule_id);
      return {
        rule_id: w.rule_id,
        app_id: values[0] ?? "",
        group_key: values.at(-1) ?? "",
        start: w.window_start,
        end: w.window_end,
        revision: w.revision,
        count: w.values[EVENTS] as number,
        value: w.values[VALUE],
        crossed: threshold !== undefined && crosses(threshold, w.values[VALUE]),
      };
    });

  const gate = createAlertGate();
  const alerts = [...first.alerts, ...last.alerts]
    .sort((a, b) => a.alert.ts - b.alert.ts)
    .map(({ alert, throttleMs }) => ({ alert, verdict: gate.admit(alert, throttleMs, alert.ts) }));
  return { windows, alerts };
}
