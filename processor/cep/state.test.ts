/** Saved key state: a round trip is exact, and state that does not fit the pattern is refused, not misread. */
import { describe, expect, test } from "bun:test";
import { INLINE_MATCHES, partialMatches, sweep, type KeyState } from "./state.ts";
import { createKeyState, drainChanges, drainGroups, eventRecord, groupRecords, restoreHead, restoreState, savedEventSeqs, serializeHead, serializeState, type PatternSpecInput } from "./index.ts";
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

  test("partial matches share their prefixes: the records name each taken event once per branch point, not per match", () => {
    const { state } = feed(nfa, Array.from({ length: 50 }, (_, i) => ev(`a${i}`, i)));
    const matches = groupRecords(state).reduce((n, [, text]) => n + ((JSON.parse(text) as number[]).length - 1) / 3, 0);
    const nodes = [...state.events.values()].reduce((n, b) => n + (JSON.parse(eventRecord(b)) as { n: unknown[] }).n.length, 0);
    // 50 starts, each a growing loop: over a thousand partial matches whose events sit in a tree of
    // about as many nodes, where copied histories would hold tens of thousands of entries.
    expect(matches).toBeGreaterThan(1_000);
    expect(nodes).toBeLessThanOrEqual(matches);
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
    const r = restoreHead(nfa, serializeHead(state), new Map(), new Map(groupRecords(state)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/missing/);
  });
});

describe("saved as records that follow changes", () => {
  test("an event record may keep a node whose previous event was swept since: it is dead, and restore leaves it out", () => {
    const timed = nfaOf({ ...spec, within_ms: 10 });
    const records = new Map<number, string>();
    const groups = new Map<number, string>();
    const save = (state: KeyState) => {
      const { added, dropped } = drainChanges(state);
      for (const seq of dropped) records.delete(seq);
      for (const seq of added) records.set(seq, eventRecord(state.events.get(seq)!));
      const changed = drainGroups(state);
      for (const seq of changed.del) groups.delete(seq);
      for (const [seq, text] of changed.put) groups.set(seq, text);
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
    const restored = restoreHead(timed, head, records, groups);
    expect(restored.ok).toBe(true);
    if (!restored.ok) return;
    expect(names(feed(timed, [ev("b1", 12)], restored.state).matches)).toEqual(["a2 b1"]);
  });

  test("a save writes the start groups that changed: waiting partial matches cost nothing, gone ones are deleted", () => {
    const pair = nfaOf({ id: "pair", steps: [{ name: "a", where: { field: "type", op: "eq", value: "a" } }, { name: "b", contiguity: "followedBy", where: { field: "type", op: "eq", value: "b" } }] });
    const starts = INLINE_MATCHES + 2;
    const run = feed(pair, Array.from({ length: starts }, (_, i) => ev(`a${i}`, i)));
    expect(drainGroups(run.state).put.map(([seq]) => seq)).toEqual(Array.from({ length: starts }, (_, i) => i));
    // A new start between events that pass every waiting match by: only the new group.
    feed(pair, [ev("x1", 100), ev("a99", 101), ev("x2", 102)], run.state);
    const a99 = partialMatches(run.state).at(-2)!;
    expect(drainGroups(run.state)).toEqual({ put: [[starts + 1, `[101,${a99.state},${starts + 1},0]`]], del: [] });
    expect(drainGroups(run.state)).toEqual({ put: [], del: [] });
    // b1 completes every waiting match (no skip strategy): their groups go.
    const done = feed(pair, [ev("b1", 103)], run.state);
    expect(done.matches).toHaveLength(starts + 1);
    expect(drainGroups(run.state).del).toHaveLength(starts + 1);
  });

  test("a key with few partial matches keeps them in its head, and its groups go once it has few again", () => {
    const pair = nfaOf({ id: "pair", steps: [{ name: "a", where: { field: "type", op: "eq", value: "a" } }, { name: "b", contiguity: "followedBy", where: { field: "type", op: "eq", value: "b" }, within_ms: 50 }] });
    const few = feed(pair, [ev("a1", 1), ev("a2", 2)]);
    expect(drainGroups(few.state)).toEqual({ put: [], del: [] });
    expect((JSON.parse(serializeHead(few.state)) as { partial: number[] }).partial).toHaveLength(3 * 5);
    const many = feed(pair, Array.from({ length: INLINE_MATCHES }, (_, i) => ev(`a${i + 10}`, 10 + i)), few.state);
    expect(drainGroups(many.state).put).toHaveLength(INLINE_MATCHES + 2);
    expect((JSON.parse(serializeHead(many.state)) as { partial: number[] }).partial).toHaveLength(5);
    // Past the step window of all but the newest: back in the head.
    feed(pair, [ev("x", 10 + INLINE_MATCHES + 40)], many.state);
    expect(drainGroups(many.state).del).toHaveLength(INLINE_MATCHES + 2);
    const head = serializeHead(many.state);
    const restored = restoreHead(pair, head, new Map([...many.state.events].map(([seq, b]) => [seq, eventRecord(b)])));
    expect(restored.ok).toBe(true);
    if (restored.ok) expect(serializeHead(restored.state)).toBe(head);
  });

  test("restored from records drained after every event, a run equals an uninterrupted one", () => {
    const stream = [ev("a1", 1), ev("a2", 2), ev("x1", 3), ev("a3", 4), ev("b1", 5), ev("a4", 6), ev("b2", 7)];
    const straight = feed(nfa, stream);
    const records = new Map<number, string>();
    const groups = new Map<number, string>();
    let state = createKeyState(nfa, "k1");
    const got = stream.flatMap((e) => {
      const run = feed(nfa, [e], state);
      const { added, dropped } = drainChanges(run.state);
      for (const seq of dropped) records.delete(seq);
      for (const seq of added) records.set(seq, eventRecord(run.state.events.get(seq)!));
      const changed = drainGroups(run.state);
      for (const seq of changed.del) groups.delete(seq);
      for (const [seq, text] of changed.put) groups.set(seq, text);
      const restored = restoreHead(nfa, serializeHead(run.state), records, groups);
      if (!restored.ok) throw new Error(restored.reason);
      expect(restored.rewrite).toBe(false);
      state = restored.state;
      return run.matches;
    });
    expect(names(got)).toEqual(names(straight.matches));
    expect(serializeState(state)).toBe(serializeState(straight.state));
  });

  test("a head of format 3 (every partial match in the head) restores to the same state, marked for a rewrite", () => {
    const { state } = feed(nfa, [ev("a1", 1), ev("x1", 2), ...Array.from({ length: 6 }, (_, i) => ev(`a${i + 2}`, 3 + i))]);
    expect(partialMatches(state).length).toBeGreaterThan(INLINE_MATCHES);
    const flat = partialMatches(state).flatMap((pm) => [pm.state, pm.start?.ts ?? 0, pm.start?.seq ?? -1, pm.last?.seq ?? -1, pm.last?.idx ?? -1]);
    const old = JSON.stringify({ format: 3, fingerprint: state.fingerprint, key: state.key, time: state.time, nextSeq: state.nextSeq, partial: flat, held: [], evictedTotal: 0, evictedAt: null });
    const records = new Map([...state.events].map(([seq, b]) => [seq, eventRecord(b)]));
    const restored = restoreHead(nfa, old, records);
    expect(restored.ok).toBe(true);
    if (!restored.ok) return;
    expect(restored.rewrite).toBe(true);
    expect(serializeState(restored.state)).toBe(serializeState(state));
    // Its first save writes every group, so the new head and the groups together hold it all.
    expect(drainGroups(restored.state).put.map(([seq]) => seq)).toEqual([0, 2, 3, 4, 5, 6, 7]);
    expect(restoreHead(nfa, old, records, new Map([[0, "[1,1,0,0]"]])).ok).toBe(false);
  });

  test("an event swept before any save was given its record is neither written nor deleted; one swept after is deleted", () => {
    const timed = nfaOf({ ...spec, within_ms: 10 });
    const run = feed(timed, [ev("a1", 0)]);
    feed(timed, [20], run.state);
    sweep(run.state);
    expect(drainChanges(run.state)).toEqual({ added: [], dropped: [] });
    feed(timed, [ev("a2", 21)], run.state);
    expect(drainChanges(run.state)).toEqual({ added: [1], dropped: [] });
    expect(savedEventSeqs(run.state)).toEqual([1]);
    feed(timed, [40], run.state);
    sweep(run.state);
    expect(savedEventSeqs(run.state)).toEqual([1]);
    expect(drainChanges(run.state)).toEqual({ added: [], dropped: [1] });
    expect(savedEventSeqs(run.state)).toEqual([]);
  });
});
