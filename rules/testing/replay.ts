/**
 * Runs a rule set over recorded events in event time, as the processor would: events in ts order,
 * a watermark at the highest ts seen, CEP through the real engine (processor/cep), windows through
 * the window stand-in until processor/window exists, alerts through the same builder and gate as
 * production (the gate's clock is event time, so a replay is deterministic). After the last event
 * time advances to `until` (default: the end of time, as at the end of a bounded stream).
 */
import { advanceTime, compilePattern, createKeyState, processEvent, type KeyState, type Match, type Nfa } from "../../processor/cep/index.ts";
import { compileCondition, type Predicate } from "../../processor/cep/predicate.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { matchAlert, windowAlert, type Alert, type AlertContext } from "../alerts/alert.ts";
import { createAlertGate, type GateVerdict } from "../alerts/gate.ts";
import type { CompiledRule } from "../compile/rule.ts";
import { crosses } from "../compile/window.ts";
import type { RuleSet } from "../set/rule-set.ts";
import { createWindowStandIn, type WindowResult, type WindowStandIn } from "./window-stand-in.ts";

export const END_OF_TIME = Number.MAX_SAFE_INTEGER;

export interface ReplayedWindow extends WindowResult {
  rule_id: string;
  app_id: string;
  group_key: string;
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

interface Group {
  appId: string;
  groupKey: string;
  window?: WindowStandIn;
  cep?: KeyState;
}

interface Runner {
  rule: CompiledRule;
  accepts: Predicate;
  nfa?: Nfa;
  groups: Map<string, Group>;
}

const noMatchView = { eventsOf: () => [] };

function valueAt(e: Envelope, path: string): unknown {
  let cur: unknown = e;
  for (const part of path.split(".")) cur = typeof cur === "object" && cur !== null ? (cur as Record<string, unknown>)[part] : undefined;
  return cur;
}

export function replay(ruleSet: RuleSet, events: readonly Envelope[], options: { until?: number } = {}): ReplayResult {
  const runners: Runner[] = ruleSet.rules.filter((r) => r.enabled).map((rule) => {
    const nfa = rule.kind === "pattern" ? compiled(rule) : undefined;
    return { rule, accepts: compileCondition(rule.filter), groups: new Map(), ...(nfa && { nfa }) };
  });
  const windows: ReplayedWindow[] = [];
  const candidates: Alert[] = [];

  const ctx = (r: Runner, g: Group): AlertContext => ({ rule: r.rule, ruleSetVersion: ruleSet.version, appId: g.appId, groupKey: g.groupKey });
  const onMatches = (r: Runner, g: Group, matches: Match[]) => {
    for (const m of matches) candidates.push(matchAlert(ctx(r, g), m));
  };
  const advance = (watermark: number) => {
    for (const r of runners) {
      for (const g of r.groups.values()) {
        if (g.cep && r.nfa) {
          const step = advanceTime(r.nfa, g.cep, watermark);
          g.cep = step.state;
          onMatches(r, g, step.matches);
        }
        if (g.window && r.rule.kind === "window") {
          const rule = r.rule;
          for (const w of g.window.fire(watermark)) {
            const crossed = crosses(rule.threshold, w.value);
            windows.push({ rule_id: rule.id, app_id: g.appId, group_key: g.groupKey, ...w, crossed });
            if (crossed) {
              const cause = { start: w.start, end: w.end, aggregate: rule.window.aggregate.fn, value: w.value as number, threshold: rule.threshold,
                ...(rule.window.aggregate.field !== undefined && { field: rule.window.aggregate.field }) };
              candidates.push(windowAlert(ctx(r, g), cause));
            }
          }
        }
      }
    }
  };

  let watermark = -Infinity;
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    if (e.ts > watermark) advance((watermark = e.ts));
    for (const r of runners) {
      if (!r.accepts(e, noMatchView)) continue;
      const value = valueAt(e, r.rule.groupBy);
      if (value === undefined || value === null) continue;
      const groupKey = String(value);
      const id = `${e.app_id}\u0000${groupKey}`;
      let g = r.groups.get(id);
      if (!g) r.groups.set(id, (g = { appId: e.app_id, groupKey }));
      if (r.rule.kind === "window") {
        g.window ??= createWindowStandIn(r.rule.window);
        g.window.add(e.ts, r.rule.window.aggregate.field === undefined ? undefined : valueAt(e, r.rule.window.aggregate.field));
      } else if (r.nfa) {
        const step = processEvent(r.nfa, g.cep ?? createKeyState(r.nfa, id), e);
        g.cep = step.state;
        onMatches(r, g, step.matches);
      }
    }
  }
  advance(options.until ?? END_OF_TIME);

  const gate = createAlertGate();
  const byRule = new Map(ruleSet.rules.map((r) => [r.id, r]));
  const alerts = candidates
    .sort((a, b) => a.ts - b.ts)
    .map((alert) => ({ alert, verdict: gate.admit(alert, byRule.get(alert.rule_id)?.alert.throttleMs ?? 0, alert.ts) }));
  return { windows, alerts };
}

function compiled(rule: Extract<CompiledRule, { kind: "pattern" }>): Nfa {
  const result = compilePattern(rule.pattern);
  if (!result.ok) throw new Error(`internal: rule ${rule.id} was validated but its pattern does not compile: ${result.error}`);
  return result.nfa;
}
