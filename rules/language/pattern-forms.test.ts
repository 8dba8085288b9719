/**
 * The pattern forms of issue 21 in rule files: each is accepted in its YAML form, and each misuse
 * is reported at its file:line:column with what to write instead.
 */
import { describe, expect, test } from "bun:test";
import { compileRule } from "../compile/rule.ts";
import { formatProblem, parseRuleText } from "./parse.ts";

const head = `id: r1
app: shop
description: d
severity: warning
pattern:
`;
const parse = (pattern: string) => parseRuleText(head + pattern, "forms.yaml");
const problems = (pattern: string) => {
  const r = parse(pattern);
  if (r.ok) throw new Error("expected problems, got a valid rule");
  return r.problems.map(formatProblem);
};
const compiles = (pattern: string) => {
  const r = parse(pattern);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join("\n"));
  const c = compileRule(r.rules[0]!.rule);
  if (!c.ok) throw new Error(c.error);
  if (c.rule.kind !== "pattern") throw new Error("not a pattern");
  return c.rule.pattern;
};

describe("accepted forms", () => {
  test("times: { min: 0, max: 2 }, a step right after notFollowedBy included", () => {
    const spec = compiles(`  within: 1h
  steps:
    - { name: a, filter: { type: a } }
    - { name: no_b, contiguity: notFollowedBy, filter: { type: b } }
    - { name: c, filter: { type: c }, times: { min: 0, max: 2 } }
    - { name: d, filter: { type: d } }
`);
    expect(spec.steps[2]?.quantifier).toEqual({ min: 0, max: 2 });
  });

  test("greedy on the last step, a step window, a step with no filter, an arithmetic expr", () => {
    const spec = compiles(`  steps:
    - { name: start, filter: { type: cart } }
    - name: items
      filter: { type: item, expr: "sum(items, props.price) + props.price < 5" }
      times: { min: 1 }
      optional: true
    - { name: next, within: 5m }
    - { name: tail, filter: { type: a }, times: { min: 1 }, optional: true, greedy: true }
`);
    expect(spec.steps[1]?.where).toEqual({
      and: [
        { left: { op: "add", args: [{ ref: { step: "items", agg: "sum", field: "props.price" } }, { field: "props.price" }] }, op: "lt", right: 5 },
        { field: "type", op: "eq", value: "item" },
      ],
    });
    expect(spec.steps[2]).toMatchObject({ within_ms: 300_000, where: { and: [] } });
    expect(spec.steps[3]?.greedy).toBe(true);
  });
});

describe("misuse is reported where it is", () => {
  test("min 0 without max, and min 0 with optional", () => {
    expect(problems(`  steps:
    - { name: a, filter: { type: a } }
    - { name: b, filter: { type: b }, times: { min: 0 } }
`)).toEqual(["forms.yaml:8:53: pattern.steps[1].times.min: min 0 needs a max; for zero or more write { min: 1 } with optional: true"]);
  });

  test("a step window on the first step or on a repeated step", () => {
    expect(problems(`  steps:
    - { name: a, filter: { type: a }, within: 1m }
    - { name: b, filter: { type: b }, within: 1m, times: 2 }
`)).toEqual([
      "forms.yaml:7:39: pattern.steps[0].within: a step's within is measured from the previous step's event, so the first step and repeated steps cannot have one (use the pattern's within)",
      "forms.yaml:8:39: pattern.steps[1].within: a step's within is measured from the previous step's event, so the first step and repeated steps cannot have one (use the pattern's within)",
    ]);
  });

  test("an expr that refers to a later step", () => {
    expect(problems(`  steps:
    - { name: a, filter: { type: a, expr: "sum(b, props.price) < 5" } }
    - { name: b, filter: { type: b } }
`)).toEqual(['forms.yaml:7:43: pattern.steps[0].filter.expr: ref to step "b", which is not this or an earlier step']);
  });

  test("an expr that does not parse, or names an unknown field", () => {
    const found = problems(`  steps:
    - { name: a, filter: { type: a } }
    - name: b
      filter:
        expr:
          - "props.price * < 2"
          - "tpye > 1"
`);
    expect(found).toEqual([
      'forms.yaml:11:13: pattern.steps[1].filter.expr[0]: unexpected "<" at character 15 of "props.price * < 2"',
      'forms.yaml:12:13: pattern.steps[1].filter.expr[1]: unknown field "tpye": expected one of event_id, app_id, type, ts, received_at, key, user_id, session_id, props, source (payload fields are props.<name>) at character 1 of "tpye > 1"',
    ]);
  });

  test("an expr with a ref outside a pattern step", () => {
    const r = parseRuleText(`id: r1
app: shop
description: d
severity: warning
filter: { expr: "count(a) > 1" }
window: { type: tumbling, size: 1m, threshold: { gt: 3 } }
`, "w.yaml");
    expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([
      "w.yaml:5:17: filter.expr: ref operands compare with earlier pattern steps, so they are only allowed in pattern steps",
    ]);
  });
});
