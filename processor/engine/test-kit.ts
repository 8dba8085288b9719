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
