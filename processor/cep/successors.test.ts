/** The per-event shortcuts of successors.ts: which partial matches an event passes by, and which events begin none. */
import { describe, expect, test } from "bun:test";
import { createKeyState, processEvent, type PatternSpecInput } from "./index.ts";
import { beginsMatch, createStep, waits } from "./successors.ts";
import { partialMatches } from "./state.ts";
import { ev, nfaOf } from "./test-kit.ts";

const isType = (t: string) => ({ field: "type", op: "eq", value: t }) as const;
const pair = (contiguity: "next" | "followedBy" | "followedByAny"): PatternSpecInput => ({
  id: `a-${contiguity}-b`,
  steps: [
    { name: "a", where: isType("a") },
    { name: "b", contiguity, where: isType("b") },
  ],
});

/** The key state after `a1`, and a step for `event` over it. */
function afterA(spec: PatternSpecInput, event = ev("x1", 2)) {
  const nfa = nfaOf(spec);
  const state = createKeyState(nfa, "k1");
  processEvent(nfa, state, ev("a1", 1));
  const [started, fresh] = partialMatches(state);
  return { nfa, started: started!, fresh: fresh!, step: createStep(nfa, event, { ts: event.ts, seq: state.nextSeq }, state.events) };
}

describe("waits", () => {
  test("a followedBy match waits for an event it does not take, and not for one it takes", () => {
    const passing = afterA(pair("followedBy"));
    expect(waits(passing.step, passing.started)).toBe(true);
    const taking = afterA(pair("followedBy"), ev("b1", 2));
    expect(waits(taking.step, taking.started)).toBe(false);
  });

  test("a strict next dies on another event; followedByAny waits for it, but branches on one it takes", () => {
    const next = afterA(pair("next"));
    expect(waits(next.step, next.started)).toBe(false);
    const any = afterA(pair("followedByAny"));
    expect(waits(any.step, any.started)).toBe(true);
    const branching = afterA(pair("followedByAny"), ev("b1", 2));
    expect(waits(branching.step, branching.started)).toBe(false);
  });

  test("the fresh start state never waits (it may begin a match on any event), and a state whose condition reads the match is not decided once", () => {
    const plain = afterA(pair("followedBy"));
    expect(waits(plain.step, plain.fresh)).toBe(false);
    const iterative = afterA({
      id: "more",
      steps: [
        { name: "a", where: isType("a") },
        { name: "b", contiguity: "followedBy", where: { field: "props.amount", op: "gt", ref: { step: "a", field: "props.amount", agg: "last" } } },
      ],
    });
    expect(waits(iterative.step, iterative.started)).toBe(false);
  });
});

describe("beginsMatch", () => {
  test("says whether the start state takes the event, through optional first steps too", () => {
    const nfa = nfaOf(pair("followedBy"));
    expect(beginsMatch(nfa, ev("a1", 1))).toBe(true);
    expect(beginsMatch(nfa, ev("b1", 1))).toBe(false);
    const optional = nfaOf({ id: "opt", steps: [{ name: "a", where: isType("a"), optional: true }, { name: "b", contiguity: "followedBy", where: isType("b") }] });
    expect(beginsMatch(optional, ev("b1", 1))).toBe(true);
    expect(beginsMatch(optional, ev("c1", 1))).toBe(false);
  });
});
