/** Saved key state: a round trip is exact, and state that does not fit the pattern is refused, not misread. */
import { describe, expect, test } from "bun:test";
import { sweep } from "./state.ts";
import { createKeyState, drainChanges, eventRecord, restoreHead, restoreState, serializeHead, serializeState, type PatternSpecInput } from "./index.ts";
import { ev, feed, names, nfaOf } from "./test-kit.ts";

const spec: PatternSpecInput = {
  id: "s",
  steps: [
    { name: "a", where: { field: "type", op: "eq", value: "a" }, quantifier: { min: 1 } },
    { name: "b", contiguity: "followedBy", where: { field: "type", op: "eq", value: "b" } },
  ],
};
const nfa = nfaOf(spec);

describe("key state", () => {
  test("round-trips through JSON, and the restored state goes on exactly as the original", () => {
    const { state } = feed(nfa, [ev("a1", 1), ev("a2", 2), ev("a3", 3)]);
    const text = serializeState(state);
    const restored = restoreState(nfa, text);
    expect(restored.ok).toBe(true);
    if (!restored.ok) return;
    expect(serializeState(restored.state)).toBe(text);
    const b = ev("b1", 4);
    const copy = restoreState(nfa, text);
    if (!copy.ok) return;
    expect(names(feed(nfa, [b], copy.state).matches)).toEqual(names(feed(nfa, [b], state).matches));
  });

  test("partial matches share their prefixes: the head names each taken event once per branch point, not per match", () => {
    const { state } = feed(nfa, Array.from({ length: 50 }, (_, i) => ev(`a${i}`, i)));
    const head = JSON.parse(serializeHead(state)) as { partial: unknown[] };
    const nodes = [...state.events.values()].reduce((n, b) => n + (JSON.parse(eventRecord(b)) as { n: unknown[] }).n.length, 0);
    // 50 starts, each a growing loop: over a thousand partial matches whose events sit in a tree of
    // about as many nodes, where copied histories would hold tens of thousands of entries.
    expect(head.partial.length).toBeGreaterThan(1_000);
    expect(nodes).toBeLessThanOrEqual(head.partial.length);
    expect(state.events.size).toBe(50);
  });

  test("refuses state saved for another version of the pattern", () => {
    const other = nfaOf({ ...spec, within_ms: 5 });
    const r = restoreState(other, serializeState(createKeyState(nfa, "k1")));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/another version/);
  });

  test("refuses garbage and state whose events are missing", () => {
    expect(restoreState(nfa, "{").ok).toBe(false);
    expect(restoreState(nfa, JSON.stringify({ format: 1 })).ok).toBe(false);
    const { state } = feed(nfa, [ev("a1", 1)]);
    const r = restoreHead(nfa, serializeHead(state), new Map());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/missing/);
  });
});

describe("saved as records that follow changes", () => {
  test("an event record may keep a node whose previous event was swept since: it is dead, and restore leaves it out", () => {
    const timed = nfaOf({ ...spec, within_ms: 10 });
    const records = new Map<number, string>();
    const save = (state: ReturnType<typeof createKeyState>) => {
      const { added, dropped } = drainChanges(state);
      for (const seq of dropped) records.delete(seq);
      for (const seq of added) records.set(seq, eventRecord(state.events.get(seq)!));
      return serializeHead(state);
    };
    // a2 is taken twice: continuing a1's loop and starting its own. Its record keeps both nodes.
    const run = feed(timed, [ev("a1", 0), ev("a2", 5)]);
    save(run.state);
    // a1's matches time out; a sweep drops a1, while a2's own match lives on.
    const later = feed(timed, [10], run.state);
    sweep(later.state);
    const head = save(later.state);
    expect([...records.keys()]).toEqual([1]);
    const restored = restoreHead(timed, head, records);
    expect(restored.ok).toBe(true);
    if (!restored.ok) return;
    expect(names(feed(timed, [ev("b1", 12)], restored.state).matches)).toEqual(["a2 b1"]);
  });
});
