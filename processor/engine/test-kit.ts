/** Shared by the engine and runtime tests: rule sets from YAML text, envelopes from a few fields. */
import { toRuleSet, validateRuleTexts, type RuleSet } from "../../rules/set/rule-set.ts";
import type { Envelope } from "../../schemas/envelope.ts";

export function ruleSetOf(yaml: string, version = "v1"): RuleSet {
  const valid = validateRuleTexts([{ file: "test.yaml", text: yaml }]);
  if (!valid.ok) throw new Error(JSON.stringify(valid.problems));
  return toRuleSet(version, valid.rules);
}

export function ev(id: string, ts: number, type: string, user: string, props: Record<string, unknown> = {}): Envelope {
  return { event_id: id, app_id: "shop", type, ts, received_at: ts, key: user, user_id: user, props, source: "http" };
}

/** The rule of issue 19 #7's scenario: an error burst per app, any app (repartitioned: grouped by app_id). */
export const ERROR_BURST_RULE = `id: ops.error-burst
app: "*"
description: errors per app per minute
severity: critical
group_by: app_id
filter: { type: error_raised }
window: { type: tumbling, size: 1m, aggregate: count, threshold: { gt: 5 } }
`;
