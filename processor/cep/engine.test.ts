/** The runtime: windows, absence, iterative conditions, the partial-match bound, restarts, match ids. */
import { describe, expect, test } from "bun:test";
import { advanceTime, createKeyState, processEvent, restoreState, serializeState, type PatternSpecInput } from "./index.ts";
import { partialMatches } from "./state.ts";
import { ev, feed, names, nfaOf } from "./test-kit.ts";

const MIN = 60_000;
const isType = (t: string) => ({ field: "type", op: "eq", value: t }) as const;

const aThenB: PatternSpecInput = {
  id: "a-then-b",
  steps: [
    { name: "a", where: isType("a") },
    { name: "b", contiguity: "followedBy", where: isType("b") },
  ],
  within_ms: 5 * MIN,
};

describe("A followed by B within 5 min", () => {
  const nfa = nfaOf(aThenB);

  test("matches inside the window, with ids, steps and times", () => {
    const a = ev("a1", 0);
    const b = ev("b1", 4 * MIN);
    const { matches, timeouts } = feed(nfa, [a, ev("x1", MIN), b]);
    expect(matches).toHaveLength(1);
    const m = matches[0];
    expect(m?.events).toEqual({ a: [a], b: [b] });
    expect(m?.pattern_id).toBe("a-then-b");
    expect(m?.key).toBe("k1");
    expect(m?.start_ts).toBe(0);
    expect(m?.end_ts).toBe(4 * MIN);
    expect(m?.match_id).toMatch(/^[0-9a-f]{32}$/);
    expect(timeouts).toEqual([]);
  });

  test("an event exactly at start + within is too late, and the partial match is reported as timed out", () => {
    const a = ev("a1", 0);
    const { matches, timeouts } = feed(nfa, [a, ev("b1", 5 * MIN)]);
    expect(matches).toEqual([]);
    expect(timeouts).toEqual([{ pattern_id: "a-then-b", key: "k1", events: { a: [a] }, start_ts: 0, timeout_ts: 5 * MIN }]);
  });

  test("processEvent alone also closes the window first: a stale partial match cannot take a later event", () => {
    let state = createKeyState(nfa, "k1");
    state = processEvent(nfa, state, ev("a1", 0)).state;
    const r = processEvent(nfa, state, ev("b1", 6 * MIN));
    expect(r.matches).toEqual([]);
    expect(r.timeouts).toHaveLength(1);
  });

  test("the state is updated in place, as Flink's shared buffer is, not copied per event", () => {
    const state = createKeyState(nfa, "k1");
    expect(processEvent(nfa, state, ev("a1", 0)).state).toBe(state);
    expect(partialMatches(state)).toHaveLength(2);
    const [group] = state.groups;
    const waiting = partialMatches(state)[0];
    const version = group!.version;
    // Events that pass the waiting match by leave it, and its start group, as they were; a2 adds a group of its own.
    processEvent(nfa, state, ev("c1", 1));
    processEvent(nfa, state, ev("a2", 2));
    expect(state.groups[0]).toBe(group);
    expect(group!.version).toBe(version);
    expect(partialMatches(state)).toHaveLength(3);
    expect(partialMatches(state)[0]).toBe(waiting);
    expect(names(processEvent(nfa, state, ev("b1", 3)).matches)).toEqual(["a1 b1", "a2 b1"]);
  });
});

describe("absence: A not followed by B within 10 min", () => {
  const nfa = nfaOf({
    id: "no-b",
    steps: [
      { name: "a", where: isType("a") },
      { name: "b", contiguity: "notFollowedBy", where: isType("b") },
    ],
    within_ms: 10 * MIN,
  });

  test("fires when event time reaches start + within, from advanceTime alone", () => {
    const a = ev("a1", 1000);
    let run = feed(nfa, [a, ev("c1", 2 * MIN), 1000 + 10 * MIN - 1]);
    expect(run.matches).toEqual([]);
    run = feed(nfa, [1000 + 10 * MIN], run.state);
    expect(run.matches).toHaveLength(1);
    expect(run.matches[0]?.events).toEqual({ a: [a] });
    expect(run.matches[0]?.end_ts).toBe(1000 + 10 * MIN);
    expect(run.timeouts).toEqual([]);
    // Fired once only.
    expect(feed(nfa, [100 * MIN], run.state).matches).toEqual([]);
  });

  test("a B inside the window cancels it", () => {
    expect(feed(nfa, [ev("a1", 0), ev("b1", 9 * MIN), 30 * MIN]).matches).toEqual([]);
  });

  test("each A is judged on its own window", () => {
    const run = feed(nfa, [ev("a1", 0), ev("a2", 5 * MIN), ev("b1", 12 * MIN), 30 * MIN]);
    // a1's window [0, 10) saw no b; a2's window [5, 15) saw b1.
    expect(names(run.matches)).toEqual(["a1"]);
  });
});

describe("iterative condition: same user, amount above the first A's", () => {
  const nfa = nfaOf({
    id: "bigger-purchase",
    steps: [
      { name: "a", where: isType("purchase") },
      {
        name: "b",
        contiguity: "followedBy",
        where: {
          and: [
            isType("purchase"),
            { field: "user_id", op: "eq", ref: { step: "a", field: "user_id", agg: "first" } },
            { field: "props.amount", op: "gt", ref: { step: "a", field: "props.amount", agg: "first" } },
          ],
        },
      },
    ],
  });
  const buy = (name: string, ts: number, user: string, amount: number) =>
    ev(name, ts, { amount }, { type: "purchase", user_id: user });

  test("compares each candidate with the event its own partial match started with", () => {
    const run = feed(nfa, [
      buy("p1", 1, "u1", 10),
      buy("p2", 2, "u2", 50), // other user: not for p1; starts its own match
      buy("p3", 3, "u1", 5), // same user but smaller: p1 keeps waiting; p3 starts
      buy("p4", 4, "u1", 20), // > 10 (p1) and > 5 (p3)
      buy("p5", 5, "u2", 60), // > 50 (p2)
    ]);
    expect(names(run.matches)).toEqual(["p1 p4", "p2 p5", "p3 p4"]);
  });
});

describe("partial matches per key are bounded", () => {
  const nfa = nfaOf({ ...aThenB, id: "bounded", within_ms: undefined, max_partial_matches: 2 });

  test("the oldest are evicted, and every eviction is counted", () => {
    let run = feed(nfa, [ev("a1", 1), ev("a2", 2)]);
    expect(run.evicted).toBe(0);
    run = feed(nfa, [ev("a3", 3), ev("a4", 4), ev("b1", 5)], run.state);
    expect(run.evicted).toBe(2);
    expect(run.state.evictedTotal).toBe(2);
    expect(names(run.matches)).toEqual(["a3 b1", "a4 b1"]);
  });
});

describe("snapshot and restore", () => {
  const nfa = nfaOf({
    id: "restore",
    steps: [
      { name: "a", where: isType("a"), quantifier: { min: 1 } },
      { name: "b", contiguity: "followedByAny", where: isType("b") },
      { name: "c", contiguity: "notFollowedBy", where: isType("c") },
    ],
    within_ms: 10,
    skip: { strategy: "skipToNext" },
  });
  const stream = [ev("a1", 1), ev("a2", 2), ev("x1", 3), ev("b1", 4), ev("a3", 5), ev("c1", 6), ev("b2", 8), ev("a4", 13), ev("b3", 14), 40];

  test("a run restored from JSON after every input equals an uninterrupted run", () => {
    const straight = feed(nfa, stream);
    expect(straight.matches.length).toBeGreaterThan(0);

    let state = createKeyState(nfa, "k1");
    const pieces = stream.map((item) => {
      const run = feed(nfa, [item], state);
      const restored = restoreState(nfa, serializeState(run.state));
      if (!restored.ok) throw new Error(restored.reason);
      state = restored.state;
      return run;
    });
    expect(pieces.flatMap((r) => r.matches)).toEqual(straight.matches);
    expect(pieces.flatMap((r) => r.timeouts)).toEqual(straight.timeouts);
    // Compared as saved: the uninterrupted run may still buffer events a sweep would drop.
    expect(serializeState(state)).toEqual(serializeState(straight.state));
  });

  test("match ids are the same on a replay and differ for different events", () => {
    const again = feed(nfa, stream).matches.map((m) => m.match_id);
    const ids = feed(nfa, stream).matches.map((m) => m.match_id);
    expect(ids).toEqual(again);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("state only keeps events that a partial match still needs", () => {
    const run = feed(nfa, [ev("x1", 1), ev("a1", 2), ev("x2", 3)]);
    expect([...run.state.events.values()].map((b) => b.event.props.name)).toEqual(["a1"]);
  });

  test("advancing time backwards changes nothing", () => {
    const run = feed(nfa, [ev("a1", 5)]);
    const r = advanceTime(nfa, run.state, 1);
    expect(r.state.time).toBe(5);
    expect(r.timeouts).toEqual([]);
  });
});
