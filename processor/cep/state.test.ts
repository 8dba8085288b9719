/** Saved key state: a round trip is exact, and state that does not fit the pattern is refused, not misread. */
import { describe, expect, test } from "bun:test";
import { createKeyState, restoreState, serializeState, type PatternSpecInput } from "./index.ts";
import { ev, feed, nfaOf } from "./test-kit.ts";

const spec: PatternSpecInput = {
  id: "s",
  steps: [
    { name: "a", where: { field: "type", op: "eq", value: "a" } },
    { name: "b", contiguity: "followedBy", where: { field: "type", op: "eq", value: "b" } },
  ],
};
const nfa = nfaOf(spec);

describe("key state", () => {
  test("round-trips through JSON", () => {
    const { state } = feed(nfa, [ev("a1", 1), ev("a2", 2)]);
    const restored = restoreState(nfa, serializeState(state));
    expect(restored).toEqual({ ok: true, state });
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
    const r = restoreState(nfa, serializeState({ ...state, events: {} }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/missing/);
  });
});
