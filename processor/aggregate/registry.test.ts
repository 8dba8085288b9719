/**
 * Every aggregate through the registry, as the operator uses them: add observations, merge two
 * partial states (a session merge), read the result, and check the state survives a JSON round trip.
 */
import { describe, expect, test } from "bun:test";
import { createAggregator } from "./registry.ts";
import { aggregateSpecSchema, type AggregateSpecInput } from "../../schemas/spec/aggregate.ts";
import type { Observation } from "./types.ts";

const obs = (value: unknown, ts = 0, event_id = `e${ts}`): Observation => ({ value, ts, event_id });

function run(input: AggregateSpecInput, observations: readonly Observation[]) {
  const agg = createAggregator(aggregateSpecSchema.parse(input));
  const state = observations.reduce((s, o) => agg.add(s, o), agg.init());
  return { agg, state, result: agg.result(state) };
}

/** Adds the first `split` observations to one state and the rest to another, then merges. */
function runSplit(input: AggregateSpecInput, observations: readonly Observation[], split: number) {
  const agg = createAggregator(aggregateSpecSchema.parse(input));
  const a = observations.slice(0, split).reduce((s, o) => agg.add(s, o), agg.init());
  const b = observations.slice(split).reduce((s, o) => agg.add(s, o), agg.init());
  return agg.result(agg.merge(a, b));
}

const values = [obs(4, 1), obs("7", 2), obs(undefined, 3), obs(-2.5, 4), obs(null, 5), obs(10, 6)];

describe("numeric aggregates skip non-numbers and missing values", () => {
  test.each<[string, AggregateSpecInput, number]>([
    ["count", { name: "n", op: "count" }, 6],
    ["count of a field", { name: "n", op: "count", field: "props.x" }, 4], // 4, "7", -2.5, 10: present and not null
    ["sum", { name: "s", op: "sum", field: "props.x" }, 11.5], // 4 - 2.5 + 10
    ["min", { name: "lo", op: "min", field: "props.x" }, -2.5],
    ["max", { name: "hi", op: "max", field: "props.x" }, 10],
    ["avg", { name: "a", op: "avg", field: "props.x" }, 11.5 / 3],
  ])("%s", (_label, spec, expected) => {
    expect(run(spec, values).result).toBe(expected);
    expect(runSplit(spec, values, 2)).toBe(expected);
  });

  test("over no numbers: sum is 0, min, max and avg are null", () => {
    expect(run({ name: "s", op: "sum", field: "props.x" }, [obs("x")]).result).toBe(0);
    expect(run({ name: "lo", op: "min", field: "props.x" }, [obs("x")]).result).toBeNull();
    expect(run({ name: "hi", op: "max", field: "props.x" }, []).result).toBeNull();
    expect(run({ name: "a", op: "avg", field: "props.x" }, [obs(undefined)]).result).toBeNull();
  });
});

describe("first and last: by event time, then event_id, whatever the arrival order", () => {
  const stream = [obs("late", 30, "c"), obs("tie-b", 10, "b"), obs(undefined, 5, "z"), obs("tie-a", 10, "a"), obs("mid", 20, "m"), obs("end-x", 30, "x")];

  test.each<["first" | "last", string]>([
    ["first", "tie-a"], // ts 10 is the earliest with a value; "a" < "b"
    ["last", "end-x"], // ts 30 twice; "x" > "c"
  ])("%s", (op, expected) => {
    expect(run({ name: "v", op, field: "props.v" }, stream).result).toBe(expected);
    expect(run({ name: "v", op, field: "props.v" }, [...stream].reverse()).result).toBe(expected);
    for (let split = 0; split <= stream.length; split++) expect(runSplit({ name: "v", op, field: "props.v" }, stream, split)).toBe(expected);
  });

  test("any JSON value, and null when no event had the field", () => {
    expect(run({ name: "v", op: "first", field: "props.v" }, [obs({ a: [1] }, 1)]).result).toEqual({ a: [1] });
    expect(run({ name: "v", op: "last", field: "props.v" }, [obs(undefined, 1)]).result).toBeNull();
  });
});

describe("count_distinct", () => {
  const spec = (exact_limit: number): AggregateSpecInput => ({ name: "d", op: "count_distinct", field: "props.u", exact_limit });

  test("exact below the bound: repeats once, 1 and '1' apart, null not counted", () => {
    const { state, result } = run(spec(10), [obs("a"), obs("b"), obs("a"), obs(1), obs("1"), obs(null), obs(undefined)]);
    expect(result).toBe(4);
    expect(state).toEqual({ exact: ['"1"', '"a"', '"b"', "1"] });
  });

  test("past the bound it becomes a sketch, still right for a handful of values", () => {
    const { state, result } = run(spec(3), ["a", "b", "c", "d", "b"].map((v) => obs(v)));
    expect(state).toHaveProperty("hll");
    expect(result).toBe(4); // 4096 ln(4096 / 4092) = 4.0
  });

  test("merging: union of exact sets, promoted when the union passes the bound", () => {
    const input = ["a", "b", "c", "b", "d"].map((v) => obs(v));
    expect(runSplit(spec(10), input, 2)).toBe(4);
    expect(runSplit(spec(3), input, 2)).toBe(4);
    expect(runSplit(spec(3), [...input, obs("e"), obs("f")], 6)).toBe(6); // sketch + exact
  });

  test("20 000 distinct values stay within 5% of the truth", () => {
    const input = Array.from({ length: 20_000 }, (_, i) => obs(`u${i}`));
    const { state, result } = run(spec(1000), input);
    expect(Math.abs((result as number) - 20_000) / 20_000).toBeLessThan(0.05);
    expect(JSON.stringify(state).length).toBeLessThan(20_000);
  });
});

describe("percentile", () => {
  const p = (quantile: number): AggregateSpecInput => ({ name: "p", op: "percentile", field: "props.ms", quantile });
  const latencies = [120, 80, 95, 300, 101, 87, 99, 110, 5000, 90].map((v, i) => obs(v, i));
  // sorted: 80 87 90 95 99 101 110 120 300 5000; rank floor(q * 9)

  test.each<[number, number]>([
    [0, 80],
    [0.5, 99], // rank 4
    [0.9, 300], // rank 8
    [1, 5000],
  ])("q=%p is within 1%% of %p", (q, expected) => {
    const result = run(p(q), latencies).result as number;
    expect(Math.abs(result - expected)).toBeLessThanOrEqual(expected * 0.01);
    expect(Math.abs((runSplit(p(q), latencies, 4) as number) - expected)).toBeLessThanOrEqual(expected * 0.01);
  });

  test("null over no numbers", () => {
    expect(run(p(0.5), [obs("slow")]).result).toBeNull();
  });
});

test("every aggregate's state survives JSON and passes its own schema", () => {
  const specs: AggregateSpecInput[] = [
    { name: "a", op: "count" },
    { name: "b", op: "sum", field: "props.x" },
    { name: "c", op: "min", field: "props.x" },
    { name: "d", op: "avg", field: "props.x" },
    { name: "e", op: "count_distinct", field: "props.x", exact_limit: 2 },
    { name: "f", op: "percentile", field: "props.x", quantile: 0.5 },
    { name: "g", op: "last", field: "props.x" },
  ];
  for (const s of specs) {
    const { agg, state, result } = run(s, values);
    const copy = agg.stateSchema.parse(JSON.parse(JSON.stringify(state)));
    expect(agg.result(copy)).toEqual(result);
    expect(agg.result(agg.add(copy, obs(1, 9)))).toEqual(agg.result(agg.add(state, obs(1, 9))));
  }
});
