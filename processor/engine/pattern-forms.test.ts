/**
 * The pattern forms of issue 21, from their YAML through the engine to alerts: each gives the
 * matches Flink gives for the same input (the vectors in processor/cep/conformance/ check the
 * NFA itself; these check that the rule format reaches it).
 */
import { describe, expect, test } from "bun:test";
import { createPartitionEngine } from "./index.ts";
import { ev, ruleSetOf } from "./test-kit.ts";

const run = (pattern: string, types: string[], props: Record<string, unknown>[] = [], tss?: number[]) => {
  const engine = createPartitionEngine({
    ruleSet: ruleSetOf(`id: r
app: shop
description: d
severity: info
pattern:
${pattern}`),
  });
  const input = types.map((t, i) => ev(`${t}${i}`, tss?.[i] ?? 1_000 + i, t, "u1", props[i] ?? {}));
  const out = engine.process(input);
  const end = engine.advanceTo(Number.MAX_SAFE_INTEGER - 1);
  return [...out.alerts, ...end.alerts].map((a) => Object.values(a.alert.match!.steps).flat().toSorted().join(" ")).toSorted();
};

describe("pattern forms in rule files", () => {
  test("times: { min: 0, max: 2 }", () => {
    const steps = `  skip: none
  steps:
    - { name: start, filter: { type: c } }
    - { name: middle, contiguity: next, filter: { type: a }, times: { min: 0, max: 2 }, allow_combinations: true }
    - { name: end, filter: { type: b } }
`;
    expect(run(steps, ["c", "a", "a", "a", "b"])).toEqual(["a1 a2 b4 c0", "a1 a3 b4 c0", "a1 b4 c0", "b4 c0"]);
  });

  test("an optional step right after notFollowedBy", () => {
    const steps = `  skip: none
  steps:
    - { name: start, filter: { type: a } }
    - { name: no_b, contiguity: notFollowedBy, filter: { type: b } }
    - { name: middle, contiguity: followedByAny, filter: { type: c }, optional: true }
    - { name: end, filter: { type: d } }
`;
    expect(run(steps, ["a", "c", "b", "c", "d"])).toEqual(["a0 c1 d4"]);
  });

  test("greedy on the last step: every prefix is a match", () => {
    const steps = `  skip: none
  steps:
    - { name: start, filter: { type: c } }
    - { name: end, filter: { type: a }, times: { min: 1 }, optional: true, greedy: true }
`;
    expect(run(steps, ["c", "a", "a", "x", "a"])).toEqual(["a1 a2 a4 c0", "a1 a2 c0", "a1 c0", "c0"]);
  });

  test("within on a step: measured from the previous matched event", () => {
    const steps = `  skip: none
  steps:
    - { name: start, filter: { type: start } }
    - { name: middle, filter: { type: middle } }
    - { name: end, filter: { type: end }, within: 9ms }
`;
    const types = ["start", "start", "middle", "foobar", "end", "end"];
    expect(run(steps, types, [], [1, 2, 3, 4, 11, 13])).toEqual(["end4 middle2 start0", "end4 middle2 start1"]);
  });

  test("a step with no filter takes any event", () => {
    const steps = `  skip: none
  steps:
    - { name: start, filter: { type: a } }
    - { name: any, contiguity: next }
`;
    expect(run(steps, ["a", "x", "a", "a"])).toEqual(["a0 x1", "a2 a3"]);
  });

  test("arithmetic over the loop so far and this event", () => {
    const steps = `  skip: none
  steps:
    - { name: cart, filter: { type: cart } }
    - name: items
      filter: { type: item, expr: "sum(items, props.price) + props.price < 5" }
      times: { min: 1 }
      optional: true
    - { name: end, filter: { type: end } }
`;
    const prices = [0, 1, 2, 3, 1].map((price) => ({ price }));
    // 1 + 2 stays under 5; adding 3 would not, so item3 is passed over.
    expect(run(steps, ["cart", "item", "item", "item", "end"], prices)).toEqual(["cart0 end4", "cart0 end4 item1", "cart0 end4 item1 item2"]);
  });
});
