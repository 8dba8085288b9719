/** Contiguity, quantifiers, optional, greedy and negation, against hand-computed match sets. */
import { describe, expect, test } from "bun:test";
import type { Condition } from "../../schemas/condition/condition.ts";
import type { PatternSpecInput } from "./index.ts";
import { ev, feed, names, nfaOf } from "./test-kit.ts";

const named = (prefix: string): Condition => ({ field: "props.name", op: "regex", value: `^${prefix}\\d` });
type Step = PatternSpecInput["steps"][number];
const step = (name: string, more: Partial<Step> = {}): Step => ({ name, where: named(name), ...more });
const matchesOf = (steps: Step[], input: string[]) =>
  names(feed(nfaOf({ id: "q", steps }), input.map((n, i) => ev(n, i + 1))).matches);

describe("contiguity", () => {
  test("next is strict: an event in between breaks the match", () => {
    expect(matchesOf([step("a"), step("b", { contiguity: "next" })], ["a1", "x1", "b1", "a2", "b2"])).toEqual(["a2 b2"]);
  });

  test("followedBy binds the first candidate, followedByAny every candidate", () => {
    const input = ["a1", "b1", "b2"];
    expect(matchesOf([step("a"), step("b", { contiguity: "followedBy" })], input)).toEqual(["a1 b1"]);
    expect(matchesOf([step("a"), step("b", { contiguity: "followedByAny" })], input)).toEqual(["a1 b1", "a1 b2"]);
  });

  test("notFollowedBy in the middle kills the partial match that sees the forbidden event", () => {
    const steps = [step("a"), step("x", { contiguity: "notFollowedBy" }), step("c", { contiguity: "followedBy" })];
    expect(matchesOf(steps, ["a1", "x1", "c1", "a2", "c2"])).toEqual(["a2 c2"]);
  });

  test("notNext only looks at the very next event", () => {
    const steps = [step("a"), step("x", { contiguity: "notNext" }), step("c", { contiguity: "followedBy" })];
    expect(matchesOf(steps, ["a1", "x1", "c1", "a2", "y1", "x2", "c2"])).toEqual(["a2 c2"]);
  });
});

describe("quantifiers", () => {
  const then = step("b", { contiguity: "followedBy" });

  test("times(2): every pair, repetitions relaxed by default", () => {
    expect(matchesOf([step("a", { quantifier: { min: 2, max: 2 } }), then], ["a1", "a2", "a3", "b1"])).toEqual([
      "a1 a2 b1",
      "a2 a3 b1",
    ]);
  });

  test("times(2,3)", () => {
    expect(matchesOf([step("a", { quantifier: { min: 2, max: 3 } }), then], ["a1", "a2", "a3", "b1"])).toEqual([
      "a1 a2 a3 b1",
      "a1 a2 b1",
      "a2 a3 b1",
    ]);
  });

  test("times(2,3) greedy drops the shorter run while a longer one is possible", () => {
    const a = step("a", { quantifier: { min: 2, max: 3 }, greedy: true });
    expect(matchesOf([a, then], ["a1", "a2", "a3", "b1"])).toEqual(["a1 a2 a3 b1", "a2 a3 b1"]);
  });

  test("timesOrMore(2)", () => {
    expect(matchesOf([step("a", { quantifier: { min: 2 } }), then], ["a1", "a2", "a3", "b1"])).toEqual([
      "a1 a2 a3 b1",
      "a1 a2 b1",
      "a2 a3 b1",
    ]);
  });

  test("oneOrMore relaxed skips foreign events between repetitions; consecutive does not", () => {
    const input = ["a1", "x1", "a2", "b1"];
    expect(matchesOf([step("a", { quantifier: { min: 1 } }), then], input)).toEqual(["a1 a2 b1", "a1 b1", "a2 b1"]);
    const consecutive = step("a", { quantifier: { min: 1 }, loop_contiguity: "next" });
    expect(matchesOf([consecutive, then], input)).toEqual(["a1 b1", "a2 b1"]);
  });

  test("allowCombinations: every subset of the later repetitions", () => {
    const b = step("b", { contiguity: "followedBy", quantifier: { min: 1 }, loop_contiguity: "followedByAny" });
    const c = step("c", { contiguity: "followedBy" });
    expect(matchesOf([step("a"), b, c], ["a1", "b1", "b2", "b3", "c1"])).toEqual([
      "a1 b1 b2 b3 c1",
      "a1 b1 b2 c1",
      "a1 b1 b3 c1",
      "a1 b1 c1",
    ]);
  });

  test("optional: with and without the step", () => {
    const steps = [step("a"), step("b", { contiguity: "followedBy", optional: true }), step("c", { contiguity: "followedBy" })];
    expect(matchesOf(steps, ["a1", "b1", "c1"])).toEqual(["a1 b1 c1", "a1 c1"]);
  });
});
