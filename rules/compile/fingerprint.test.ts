import { describe, expect, test } from "bun:test";
import { parseRuleText } from "../language/parse.ts";
import { compileRule } from "./rule.ts";

const rule = `id: r
app: shop
description: Failed payments
severity: warning
group_by: user_id
filter: { type: payment_failed }
window: { type: hopping, size: 5m, hop: 1m, threshold: { gt: 3 } }
alert: { throttle: 10m, sinks: [topic] }
`;

function fingerprints(yaml: string) {
  const parsed = parseRuleText(yaml, "t.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const c = compileRule(parsed.rules[0]!.rule);
  if (!c.ok) throw new Error(c.error);
  return { state: c.rule.stateFingerprint, definition: c.rule.definitionHash };
}

const original = fingerprints(rule);

describe("changes that keep the rule's state", () => {
  test.each([
    ["threshold", rule.replace("gt: 3", "gte: 10")],
    ["severity and description", rule.replace("warning", "critical").replace("Failed payments", "Too many failures")],
    ["alert settings", rule.replace("throttle: 10m, sinks: [topic]", "throttle: 1h, sinks: [postgres], title: x")],
    ["formatting and key order", rule.replace("filter: { type: payment_failed }", "filter:\n  type: payment_failed")],
  ])("%s", (_what, changed) => {
    const f = fingerprints(changed);
    expect(f.state).toBe(original.state);
    if (!_what.startsWith("formatting")) expect(f.definition).not.toBe(original.definition);
  });
});

describe("changes that reset it", () => {
  test.each([
    ["window size", rule.replace("size: 5m", "size: 10m")],
    ["window hop", rule.replace("hop: 1m", "hop: 5m")],
    ["aggregate", rule.replace("threshold:", "aggregate: sum, field: props.amount, threshold:")],
    ["filter", rule.replace("payment_failed", "payment_declined")],
    ["grouping", rule.replace("user_id", "session_id")],
    ["app scope", rule.replace("app: shop", "app: other")],
  ])("%s", (_what, changed) => {
    expect(fingerprints(changed).state).not.toBe(original.state);
  });
});
