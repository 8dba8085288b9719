/** After-match skip strategies on Flink's documentation example (a+ then b) and on held matches. */
import { describe, expect, test } from "bun:test";
import type { PatternSpecInput, SkipSpec } from "./index.ts";
import { ev, feed, names, nfaOf } from "./test-kit.ts";

const aPlusB = (skip: SkipSpec): PatternSpecInput => ({
  id: "a-plus-b",
  steps: [
    { name: "a", where: { field: "type", op: "eq", value: "a" }, quantifier: { min: 1 }, loop_contiguity: "next" },
    { name: "b", contiguity: "next", where: { field: "type", op: "eq", value: "b" } },
  ],
  skip,
});
const input = () => [ev("a1", 1), ev("a2", 2), ev("a3", 3), ev("b1", 4)];
const run = (skip: SkipSpec) => names(feed(nfaOf(aPlusB(skip)), input()).matches);

describe("skip strategies on a1 a2 a3 b1", () => {
  test("noSkip", () => expect(run({ strategy: "noSkip" })).toEqual(["a1 a2 a3 b1", "a2 a3 b1", "a3 b1"]));
  test("skipToNext", () => expect(run({ strategy: "skipToNext" })).toEqual(["a1 a2 a3 b1", "a2 a3 b1", "a3 b1"]));
  test("skipPastLastEvent", () => expect(run({ strategy: "skipPastLastEvent" })).toEqual(["a1 a2 a3 b1"]));
  test("skipToFirst(a)", () =>
    expect(run({ strategy: "skipToFirst", step: "a" })).toEqual(["a1 a2 a3 b1", "a2 a3 b1", "a3 b1"]));
  test("skipToLast(a)", () => expect(run({ strategy: "skipToLast", step: "a" })).toEqual(["a1 a2 a3 b1", "a3 b1"]));
});

describe("a complete match waits for earlier-starting partial matches", () => {
  // b must carry the tag of its a, so a later a can complete before an earlier one.
  const spec = (skip: SkipSpec): PatternSpecInput => ({
    id: "tagged",
    steps: [
      { name: "a", where: { field: "type", op: "eq", value: "a" } },
      {
        name: "b",
        contiguity: "followedBy",
        where: { and: [{ field: "type", op: "eq", value: "b" }, { field: "props.tag", op: "eq", ref: { step: "a", field: "props.tag", agg: "first" } }] },
      },
    ],
    skip,
  });
  const events = () => [ev("a1", 1, { tag: 1 }), ev("a2", 2, { tag: 2 }), ev("b2", 3, { tag: 2 }), ev("b1", 4, { tag: 1 })];

  test("skipPastLastEvent holds a2 b2 behind a1, then prunes it when a1 b1 ends after it", () => {
    const nfa = nfaOf(spec({ strategy: "skipPastLastEvent" }));
    const [a1, a2, b2, b1] = events();
    const early = feed(nfa, [a1!, a2!, b2!]);
    expect(early.matches).toEqual([]);
    expect(early.state.held).toHaveLength(1);
    const late = feed(nfa, [b1!], early.state);
    expect(names(late.matches)).toEqual(["a1 b1"]);
    expect(late.state.held).toEqual([]);
  });

  test("skipToNext releases both, in start order", () => {
    const r = feed(nfaOf(spec({ strategy: "skipToNext" })), events());
    expect(r.matches.map((m) => names([m])[0])).toEqual(["a1 b1", "a2 b2"]);
  });

  test("noSkip emits each match as soon as it completes", () => {
    const r = feed(nfaOf(spec({ strategy: "noSkip" })), events());
    expect(r.matches.map((m) => names([m])[0])).toEqual(["a2 b2", "a1 b1"]);
  });

  test("held matches count against the bound: evicting the blocking partial match releases them", () => {
    const nfa = nfaOf({ ...spec({ strategy: "skipPastLastEvent" }), max_partial_matches: 2 });
    const [a1, a2, b2] = events();
    const r = feed(nfa, [a1!, a2!, b2!, ev("a3", 5, { tag: 3 })]);
    // After b2: a1 waits, a2 b2 is held (2 of 2). a3 makes 3: a1 is evicted, so a2 b2 is released.
    expect(r.evicted).toBe(1);
    expect(names(r.matches)).toEqual(["a2 b2"]);
    expect(r.state.held).toEqual([]);
  });
});
