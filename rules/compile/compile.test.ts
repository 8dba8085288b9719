import { describe, expect, test } from "bun:test";
import { parseRuleText } from "../language/parse.ts";
import { compileRule, type CompiledRule } from "./rule.ts";
import { crosses } from "./window.ts";

function compile(yaml: string): CompiledRule {
  const parsed = parseRuleText(yaml, "t.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const compiled = compileRule(parsed.rules[0]!.rule, 3);
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.rule;
}

const head = "id: r\napp: shop\ndescription: d\nseverity: critical\n";

describe("filters compile to the processor's condition AST", () => {
  test("shorthands, operators, combinators and the app scope", () => {
    const rule = compile(`${head}filter:
  type: [a, b]
  user_id: u1
  props.amount: { gte: 10, lt: 20, exists: true }
  props.tag: { exists: false }
  any: [{ source: http }, { props.x: { regex: "^v" } }]
  not: { props.test: true }
window: { type: tumbling, size: 1m, threshold: { gt: 0 } }
`);
    expect(rule.filter).toEqual({
      and: [
        { field: "app_id", op: "eq", value: "shop" },
        {
          and: [
            { or: [{ field: "source", op: "eq", value: "http" }, { field: "props.x", op: "regex", value: "^v" }] },
            { not: { field: "props.test", op: "eq", value: true } },
            { field: "type", op: "in", value: ["a", "b"] },
            { field: "user_id", op: "eq", value: "u1" },
            { field: "props.amount", op: "gte", value: 10 },
            { field: "props.amount", op: "lt", value: 20 },
            { field: "props.amount", op: "exists" },
            { not: { field: "props.tag", op: "exists" } },
          ],
        },
      ],
    });
  });

  test('app "*" and no filter: every event', () => {
    expect(compile(`${head.replace("shop", '"*"')}window: { type: tumbling, size: 1m, threshold: { gt: 0 } }\n`).filter).toEqual({ and: [] });
  });
});

test("a window rule: engine spec, threshold apart, alert defaults with the topic always on", () => {
  const rule = compile(`${head}group_by: user_id
window: { type: hopping, size: 5m, hop: 1m, aggregate: sum, field: props.amount, threshold: { gte: 100 }, allowed_lateness: 30s }
alert: { throttle: 10m, sinks: [postgres, webhook:ops] }
`);
  expect(rule).toMatchObject({
    kind: "window",
    version: 3,
    groupBy: "user_id",
    window: {
      id: "r",
      kind: "hopping",
      size_ms: 300_000,
      slide_ms: 60_000,
      group_by: ["app_id", "user_id"],
      aggregates: [{ name: "value", op: "sum", field: "props.amount" }, { name: "events", op: "count" }],
      allowed_lateness_ms: 30_000,
      out_of_orderness_ms: 0,
      trigger: "close",
    },
    threshold: { op: "gte", value: 100 },
    alert: { title: "d", dedupKey: "{{rule_id}}:{{app_id}}:{{group_key}}", throttleMs: 600_000, sinks: ["topic", "postgres", "webhook:ops"] },
  });
  if (rule.kind !== "window") return;
  expect([crosses(rule.threshold, 99), crosses(rule.threshold, 100), crosses(rule.threshold, null)]).toEqual([false, true, false]);
});

describe("windows map onto the window engine's spec", () => {
  const windowOf = (w: string, groupBy = "user_id") => {
    const rule = compile(`${head}group_by: ${groupBy}\nwindow: ${w}\n`);
    if (rule.kind !== "window") throw new Error("not a window rule");
    return rule.window;
  };

  test("tumbling, session and count_distinct get the engine's defaults", () => {
    expect(windowOf("{ type: tumbling, size: 1m, threshold: { gt: 1 } }")).toMatchObject({ kind: "tumbling", size_ms: 60_000, allowed_lateness_ms: 0 });
    expect(windowOf("{ type: session, gap: 30s, aggregate: count_distinct, field: props.sku, threshold: { gt: 1 } }")).toMatchObject({
      kind: "session",
      gap_ms: 30_000,
      aggregates: [{ name: "value", op: "count_distinct", field: "props.sku", exact_limit: 1000, precision: 12 }, { name: "events", op: "count" }],
    });
  });

  test("grouping by app_id alone does not list it twice", () => {
    expect(windowOf("{ type: tumbling, size: 1m, threshold: { gt: 1 } }", "app_id").group_by).toEqual(["app_id"]);
  });

  test("a window edit changes the state fingerprint, a threshold edit does not", () => {
    const fp = (w: string) => compile(`${head}window: ${w}\n`).stateFingerprint;
    const base = fp("{ type: tumbling, size: 1m, threshold: { gt: 1 } }");
    expect(fp("{ type: tumbling, size: 1m, threshold: { gt: 5 } }")).toBe(base);
    expect(fp("{ type: tumbling, size: 2m, threshold: { gt: 1 } }")).not.toBe(base);
  });
});

test("a pattern rule: readable steps become the CEP engine's PatternSpec", () => {
  const rule = compile(`${head}pattern:
  within: 10m
  skip: { to_last: fails }
  steps:
    - name: fails
      filter: { type: payment_failed }
      times: { min: 2, max: 4 }
      consecutive: true
      greedy: true
    - name: big
      contiguity: next
      optional: true
      filter: { props.amount: { gt: { ref: { step: fails, agg: sum, field: props.amount } } } }
    - name: done
      times: 2
      allow_combinations: true
      filter: { type: done }
`);
  expect(rule.kind === "pattern" && rule.pattern).toEqual({
    id: "r",
    within_ms: 600_000,
    skip: { strategy: "skipToLast", step: "fails" },
    steps: [
      { name: "fails", contiguity: "begin", where: { field: "type", op: "eq", value: "payment_failed" }, quantifier: { min: 2, max: 4 }, optional: false, greedy: true, loop_contiguity: "next" },
      { name: "big", contiguity: "next", where: { field: "props.amount", op: "gt", ref: { step: "fails", agg: "sum", field: "props.amount" } }, optional: true, greedy: false, loop_contiguity: "followedBy" },
      { name: "done", contiguity: "followedBy", where: { field: "type", op: "eq", value: "done" }, quantifier: { min: 2, max: 2 }, optional: false, greedy: false, loop_contiguity: "followedByAny" },
    ],
  });
});

test("a pattern the CEP engine refuses is a compile result, not a throw", () => {
  const parsed = parseRuleText(`${head}pattern:
  steps:
    - { name: a, filter: { type: a } }
    - { name: c, filter: { type: c }, greedy: true }
`, "t.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const compiled = compileRule(parsed.rules[0]!.rule);
  expect(compiled.ok).toBe(false);
  expect(!compiled.ok && compiled.error).toContain("the CEP engine refuses this pattern");
});
