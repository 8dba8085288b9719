/**
 * Rule -> CompiledRule, the processor's definition of what to run for one rule: the event filter
 * and grouping, the engine spec (window or CEP pattern) and what to do with results (threshold,
 * alert settings). Pure and synchronous; a rule the engines would refuse is a result, not a throw.
 */
import type { Condition } from "../../schemas/condition/condition.ts";
import type { PatternSpec } from "../../schemas/spec/pattern.ts";
import type { AlertThreshold, Severity } from "../../schemas/alert.ts";
import type { AlertDef, Rule } from "../language/rule.ts";
import { definitionHash, stateFingerprint } from "./fingerprint.ts";
import { allOf, compileFilter } from "./filter.ts";
import { compilePatternDef } from "./pattern.ts";
import type { WindowSpec } from "../../schemas/spec/window.ts";
import { compileThreshold, compileWindow } from "./window.ts";

interface CompiledCommon {
  id: string;
  /** Version in the rule store; 0 for rules read straight from files. */
  version: number;
  app: string;
  description: string;
  severity: Severity;
  enabled: boolean;
  /** Events the rule sees at all; the app scope is part of it. */
  filter: Condition;
  /** Field whose value is the group key (state and alerts are per app and group key). */
  groupBy: string;
  alert: { title: string; dedupKey: string; throttleMs: number; sinks: string[] };
  /** Changes exactly when the rule's engine state must be reset (see fingerprint.ts). */
  stateFingerprint: string;
  /** Changes with any edit of the rule. */
  definitionHash: string;
}

export type CompiledRule =
  | (CompiledCommon & { kind: "window"; window: WindowSpec; threshold: AlertThreshold })
  | (CompiledCommon & { kind: "pattern"; pattern: PatternSpec });

export type CompileRuleResult = { ok: true; rule: CompiledRule } | { ok: false; path: string[]; error: string };

export function compileRule(rule: Rule, version = 0): CompileRuleResult {
  const scope: Condition[] = rule.app === "*" ? [] : [{ field: "app_id", op: "eq", value: rule.app }];
  const filter = allOf([...scope, ...(rule.filter ? [compileFilter(rule.filter)] : [])]);
  const common = {
    id: rule.id,
    version,
    app: rule.app,
    description: rule.description,
    severity: rule.severity,
    enabled: rule.enabled,
    filter,
    groupBy: rule.group_by,
    alert: alertSettings(rule.alert, rule.description),
    definitionHash: definitionHash({ ...rule, expect: undefined }),
  };
  const stateOf = (engine: unknown) => stateFingerprint({ app: rule.app, filter: common.filter, groupBy: rule.group_by, engine });
  if (rule.window) {
    const window = compileWindow(rule.id, rule.group_by, rule.window);
    return { ok: true, rule: { ...common, kind: "window", window, threshold: compileThreshold(rule.window.threshold), stateFingerprint: stateOf(window) } };
  }
  const compiled = compilePatternDef(rule.id, rule.pattern!);
  if (!compiled.ok) return { ok: false, path: ["pattern"], error: `the CEP engine refuses this pattern: ${compiled.error}` };
  return { ok: true, rule: { ...common, kind: "pattern", pattern: compiled.spec, stateFingerprint: stateOf(compiled.spec) } };
}

function alertSettings(a: AlertDef, description: string): CompiledCommon["alert"] {
  // fg.alerts is always a sink (docs/design.md); listing it is allowed but changes nothing.
  const sinks = [...new Set(["topic", ...a.sinks])];
  return { title: a.title ?? description, dedupKey: a.dedup_key, throttleMs: a.throttle, sinks };
}
