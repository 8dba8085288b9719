/**
 * Runs one window rule on one partition: the rule's filter, the window operator of
 * processor/window, and the threshold that turns a window result into an alert. Results are
 * published whether or not they cross, so fg.windows shows every window; an alert's id is fixed
 * by the window, so a correction that crosses again is a duplicate the gate drops.
 */
import { windowAlert } from "../../rules/compile/alert.ts";
import type { CompiledRule } from "../../rules/compile/rule.ts";
import { crosses, VALUE } from "../../rules/compile/window.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { createWindowOperator, restoreWindowOperator, type OperatorMeta, type WindowOperator, type WindowOutput, type WindowResult } from "../window/index.ts";
import { identityOf, ruleSelector } from "./group.ts";
import type { EngineOutput } from "./output.ts";
import { legacyWindowMetaName, windowGroupPrefix, windowMetaName, type RecordDelta, type Records } from "./records.ts";
import type { RuleRunner, RunnerOptions } from "./runner.ts";

type WindowRule = Extract<CompiledRule, { kind: "window" }>;

/** The single partition name the operator sees: the engine runs one Kafka partition. */
const PARTITION = "p";

/** The rule's runner for one app (`appId`): `saved` holds that app's records of the rule only. */
export function createWindowRunner(initial: WindowRule, options: RunnerOptions, saved: Records | null, appId: string): RuleRunner {
  let rule = initial;
  const takes = ruleSelector(rule);
  const operator = restore(rule, options, saved, appId) ?? createWindowOperator(rule.window, {});
  const groupPrefix = windowGroupPrefix(rule.id);
  const metaName = windowMetaName(rule.id, appId);
  /** The operator's outputs of one call, before they are sorted into the engine's: reused, so a call allocates no list. */
  const scratch: WindowOutput[] = [];

  const alertFor = (r: WindowResult): EngineOutput["alerts"][number] | null => {
    const value = r.values[VALUE];
    if (!crosses(rule.threshold, value)) return null;
    const aggregate = rule.window.aggregates[0]!;
    const cause = {
      start: r.window_start,
      end: r.window_end,
      aggregate: aggregate.op,
      ...("field" in aggregate && aggregate.field !== undefined && { field: aggregate.field }),
      value: value as number,
      threshold: rule.threshold,
    };
    const { appId, groupKey } = identityOf(r.group_key);
    return { alert: windowAlert({ rule, ruleSetVersion: options.ruleSetVersion(), appId, groupKey }, cause), throttleMs: rule.alert.throttleMs };
  };

  const collect = (outputs: WindowOutput[], out: EngineOutput) => {
    if (outputs.length === 0) return;
    for (const o of outputs) {
      if (o.kind === "late") {
        out.late.push(o);
        continue;
      }
      out.windows.push(o);
      if (o.kind === "result") {
        const alert = alertFor(o);
        if (alert) out.alerts.push(alert);
      }
    }
    outputs.length = 0;
  };

  return {
    get rule() {
      return rule;
    },
    update(next) {
      rule = next as WindowRule;
    },
    process(e: Envelope, out: EngineOutput) {
      // The selector's key is the operator's: both group by windowGroupBy(rule.groupBy).
      const key = takes(e);
      if (key === null) return;
      collect(operator.process(e, PARTITION, key, scratch), out);
    },
    advance(watermark: number, out: EngineOutput) {
      collect(operator.onWatermark(watermark, scratch), out);
    },
    flush(into?: RecordDelta): RecordDelta {
      // Written straight into the engine's delta when it offers it (see RuleRunner.flush).
      const target = into;
      const delta = operator.flush(groupPrefix, target?.put);
      delta.groups.set(metaName, JSON.stringify(delta.meta));
      if (target === undefined) return { put: delta.groups, del: delta.removed };
      // No put of a removed name to take back: the operator removes only keys it has no group of,
      // and the engine's delta holds no other runner's names of this rule and app.
      for (const name of delta.removed) target.del.push(name);
      return target;
    },
    snapshot(): Records {
      const records: Records = { [metaName]: JSON.stringify(operator.meta()) };
      for (const [key, text] of operator.groupTexts()) records[groupPrefix + key] = text;
      return records;
    },
    stats: () => ({ keys: operator.size() }),
  };
}

/**
 * The operator from saved records, or null (with the reason reported) when they do not fit the
 * rule. Records saved before event time was kept per app have one meta for all apps: each app's
 * operator resumes from it (the engine deletes it once the apps' own are written).
 */
function restore(rule: WindowRule, options: RunnerOptions, saved: Records | null, appId: string): WindowOperator | null {
  if (saved === null) return null;
  const metaText = saved[windowMetaName(rule.id, appId)] ?? saved[legacyWindowMetaName(rule.id)];
  if (metaText === undefined) return null;
  const prefix = windowGroupPrefix(rule.id);
  const groups: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(saved)) if (name.startsWith(prefix)) groups[name.slice(prefix.length)] = JSON.parse(text);
  const restored = restoreWindowOperator(rule.window, { meta: JSON.parse(metaText) as OperatorMeta, groups }, {});
  if (restored.ok) return restored.operator;
  options.onDiscard(rule.id, restored.reason);
  return null;
}
