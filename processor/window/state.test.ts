/**
 * State: a run stopped mid-stream, saved as JSON and restored (whole, rebuilt from incremental
 * flushes, or from records of the older format) gives exactly the outputs of a run that was never
 * stopped; flushes name the dirtied and removed group keys; restore refuses state that does not fit the spec.
 */
import { describe, expect, test } from "bun:test";
import type { Envelope } from "../../schemas/envelope.ts";
import { createWindowOperator, restoreWindowOperator, type WindowOperator } from "./operator.ts";
import type { WindowOutput } from "../../schemas/window-result.ts";
import type { WindowSpec } from "../../schemas/spec/window.ts";
import { AGGS, type GroupRecord, type LegacyGroupState, type WindowOperatorState } from "./state.ts";
import { ev, manualClock, operatorOf, specOf } from "./test-kit.ts";

const aggregates = [
  { name: "n", op: "count" },
  { name: "total", op: "sum", field: "props.v" },
  { name: "lo", op: "min", field: "props.v" },
  { name: "hi", op: "max", field: "props.v" },
  { name: "mean", op: "avg", field: "props.v" },
  { name: "users", op: "count_distinct", field: "user_id", exact_limit: 2 },
  { name: "p90", op: "percentile", field: "props.v", quantile: 0.9 },
  { name: "first_v", op: "first", field: "props.v" },
  { name: "last_v", op: "last", field: "props.v" },
] as const;

/** 600 events on 3 partitions and 3 groups, up to 90 ms out of order: some on time, some late, some too late. */
function stream(): { event: Envelope; partition: string }[] {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: 600 }, (_, i) => ({
    event: ev(`e${i}`, i * 5 + Math.floor(next() * 90), { g: ["a", "b", "c"][i % 3], v: Math.floor(next() * 100) }, { user_id: `u${Math.floor(next() * 12)}` }),
    partition: `p${Math.floor(next() * 3)}`,
  }));
}

const specs: [string, WindowSpec][] = (
  [
    ["tumbling, close", { kind: "tumbling", size_ms: 50 }],
    ["hopping, update", { kind: "hopping", size_ms: 50, slide_ms: 20, trigger: "update" }],
    ["session, close", { kind: "session", gap_ms: 12 }],
    ["session, update", { kind: "session", gap_ms: 12, trigger: "update" }],
  ] as const
).map(([label, s]) => [label, specOf({ ...s, group_by: ["props.g"], aggregates: [...aggregates], out_of_orderness_ms: 20, allowed_lateness_ms: 15 })]);

const feed = (op: WindowOperator, events: ReturnType<typeof stream>): WindowOutput[] =>
  events.flatMap(({ event, partition }) => [...op.process(event, partition), ...op.advanceWatermark()]);

/** A snapshot as records of format 1 held it: { windows: [{ start, end, revision, aggs }] } per group. */
const asLegacy = (spec: WindowSpec, state: WindowOperatorState): unknown => {
  const stride = AGGS + spec.aggregates.length;
  const legacy = (flat: GroupRecord): LegacyGroupState => ({
    windows: Array.from({ length: flat.length / stride }, (_, i) => ({
      start: flat[i * stride] as number,
      end: flat[i * stride + 1] as number,
      revision: flat[i * stride + 2] as number,
      aggs: flat.slice(i * stride + AGGS, (i + 1) * stride),
    })),
  });
  return { meta: state.meta, groups: Object.fromEntries(Object.entries(state.groups).map(([k, g]) => [k, legacy(g as GroupRecord)])) };
};

const restored = (spec: WindowSpec, state: unknown): WindowOperator => {
  const r = restoreWindowOperator(spec, JSON.parse(JSON.stringify(state)), { clock: () => 0 });
  if (!r.ok) throw new Error(r.reason);
  return r.operator;
};

describe.each(specs)("%s: stop, save, restore, go on", (_label, spec) => {
  const events = stream();
  const uninterrupted = (() => {
    const op = operatorOf(spec);
    return [...feed(op, events), ...op.onWatermark(10_000)];
  })();

  test("the stream exercises every path", () => {
    const kinds = new Set(uninterrupted.map((o) => (o.kind === "result" ? (o.revision > 1 ? "correction" : "result") : o.kind)));
    expect(kinds).toContain("late");
    expect(kinds).toContain("correction");
    if (spec.kind === "session" && spec.trigger === "update") expect(kinds).toContain("retraction");
  });

  test.each([1, 150, 299, 577])("from a snapshot after %p events", (k) => {
    const first = operatorOf(spec);
    const before = feed(first, events.slice(0, k));
    const second = restored(spec, first.snapshot());
    const after = [...feed(second, events.slice(k)), ...second.onWatermark(10_000)];
    expect([...before, ...after]).toEqual(uninterrupted);
    if (k === 299) expect(JSON.stringify(first.snapshot())).toContain('"hll"'); // sketches are saved too
  });

  test.each([150, 577])("from records of format 1 after %p events", (k) => {
    const first = operatorOf(spec);
    const before = feed(first, events.slice(0, k));
    const second = restored(spec, asLegacy(spec, first.snapshot()));
    const after = [...feed(second, events.slice(k)), ...second.onWatermark(10_000)];
    expect([...before, ...after]).toEqual(uninterrupted);
  });

  test("from meta and group records written incrementally, flush by flush", () => {
    const redis = new Map<string, GroupRecord>();
    let meta: unknown = null;
    const op = operatorOf(spec);
    const out: WindowOutput[] = [];
    events.slice(0, 400).forEach(({ event, partition }, i) => {
      out.push(...op.process(event, partition), ...op.advanceWatermark());
      if (i % 7 === 0 || i === 399) {
        const delta = op.flush();
        meta = JSON.parse(JSON.stringify(delta.meta));
        for (const [key, text] of delta.groups) redis.set(key, JSON.parse(text) as GroupRecord);
        for (const key of delta.removed) redis.delete(key);
      }
    });
    expect(Object.keys(op.snapshot().groups).sort()).toEqual([...redis.keys()].sort());
    const resumed = restored(spec, { meta, groups: Object.fromEntries(redis) });
    out.push(...feed(resumed, events.slice(400)), ...resumed.onWatermark(10_000));
    expect(out).toEqual(uninterrupted);
  });
});

describe("flush", () => {
  test("names the groups changed since the last flush, and those whose last window expired", () => {
    const op = operatorOf(specOf({ kind: "tumbling", size_ms: 10, group_by: ["props.g"] }));
    op.process(ev("a", 1, { g: "x" }), "p0");
    op.process(ev("b", 2, { g: "y" }), "p0");
    const parsed = (groups: Map<string, string>) => Object.fromEntries([...groups].map(([k, text]) => [k, JSON.parse(text)]));
    const first = op.flush();
    expect({ ...first, groups: parsed(first.groups) }).toEqual({
      meta: { format: 1, rule_id: "r1", fingerprint: expect.any(String), watermark: null, partitions: [{ partition: "p0", max_ts: 2 }] },
      // start, end, revision, then the count
      groups: { '["x"]': [0, 10, 0, 1], '["y"]': [0, 10, 0, 1] },
      removed: [],
    });
    op.process(ev("c", 3, { g: "x" }), "p0");
    const second = op.flush();
    expect(parsed(second.groups)).toEqual({ '["x"]': [0, 10, 0, 2] });
    expect(op.flush().groups.size).toBe(0);
    op.onWatermark(10); // both windows close and, with no lateness, expire
    expect(op.flush()).toMatchObject({ groups: {}, removed: ['["x"]', '["y"]'], meta: { watermark: 10 } });
  });

  test("a group changed many times is written once; one that went and came back is written, not deleted; names take the prefix", () => {
    const op = operatorOf(specOf({ kind: "tumbling", size_ms: 10, group_by: ["props.g"] }));
    for (let i = 0; i < 5; i++) op.process(ev(`a${i}`, i, { g: "x" }), "p0");
    op.process(ev("b", 1, { g: "y" }), "p0");
    op.flush();
    op.onWatermark(10); // both go
    op.process(ev("c", 12, { g: "x" }), "p0"); // x comes back
    const delta = op.flush("w:r1:g:");
    expect([...delta.groups.keys()]).toEqual(['w:r1:g:["x"]']);
    expect(JSON.parse(delta.groups.get('w:r1:g:["x"]')!)).toEqual([10, 20, 0, 1]);
    expect(delta.removed).toEqual(['w:r1:g:["y"]']);
  });

  test("a group opened and gone between two flushes, never written, deletes nothing; a restored one that goes deletes its record", () => {
    const op = operatorOf(specOf({ kind: "tumbling", size_ms: 10, group_by: ["props.g"] }));
    op.process(ev("a", 1, { g: "x" }), "p0");
    op.flush();
    op.process(ev("b", 2, { g: "y" }), "p0");
    const resumed = restoreWindowOperator(op.spec, JSON.parse(JSON.stringify(op.snapshot())), { clock: () => 0 });
    if (!resumed.ok) throw new Error(resumed.reason);
    op.process(ev("c", 3, { g: "z" }), "p0");
    op.onWatermark(10);
    expect(op.flush().removed).toEqual(['["x"]']);
    resumed.operator.onWatermark(10);
    expect(resumed.operator.flush().removed.sort()).toEqual(['["x"]', '["y"]']);
  });

  test("a flushed record is text taken at the flush: later events do not change it", () => {
    const op = operatorOf(specOf({ kind: "tumbling", size_ms: 10 }));
    op.process(ev("a", 1), "p0");
    const delta = op.flush();
    op.process(ev("b", 2), "p0");
    expect((JSON.parse(delta.groups.get("[]")!) as GroupRecord)[AGGS]).toBe(1);
  });
});

describe("restore", () => {
  const spec = specOf({ kind: "tumbling", size_ms: 10 });
  const saved = (): WindowOperatorState => {
    const op = operatorOf(spec);
    op.process(ev("a", 1), "p0");
    return JSON.parse(JSON.stringify(op.snapshot()));
  };
  const reason = (s: WindowSpec, state: unknown): string => {
    const r = restoreWindowOperator(s, state, { clock: () => 0 });
    return r.ok ? "" : r.reason;
  };

  test("refuses state of another rule, of another version of the rule, or that is not window state", () => {
    expect(reason(specOf({ kind: "tumbling", size_ms: 10, id: "r2" }), saved())).toMatch(/belongs to rule r1/);
    expect(reason(specOf({ kind: "tumbling", size_ms: 20 }), saved())).toMatch(/another version of rule r1/);
    expect(reason(spec, { meta: saved().meta })).toMatch(/not window state: groups/);
    const bad = saved();
    (bad.groups["[]"] as GroupRecord)[AGGS] = "many";
    expect(reason(spec, bad)).toMatch(/not window state: groups/);
    expect(reason(spec, { ...saved(), groups: { "[]": [0, 10, 0] } })).toMatch(/not window state: groups.\[\]: expected windows of 4 values/);
    // Format 1 is checked as strictly.
    expect(reason(spec, { ...saved(), groups: { "[]": { windows: [{ start: 0, end: 10, revision: 0, aggs: [1, 2] }] } } })).toMatch(/one state per aggregate/);
    expect(reason(spec, { ...saved(), groups: { "[]": { windows: [{ start: 10, end: 10, revision: 0, aggs: [1] }] } } })).toMatch(/start must precede its end/);
  });

  test("keeps the state of a rule whose lateness, bound, trigger or aggregate names changed", () => {
    const changed = specOf({ kind: "tumbling", size_ms: 10, allowed_lateness_ms: 5, out_of_orderness_ms: 9, trigger: "update", aggregates: [{ name: "events", op: "count" }] });
    expect(reason(changed, saved())).toBe("");
    expect(reason(specOf({ kind: "tumbling", size_ms: 10, aggregates: [{ name: "n", op: "count", field: "user_id" }] }), saved())).toMatch(/another version/);
  });

  test("refuses overlapping sessions", () => {
    const s = specOf({ kind: "session", gap_ms: 10 });
    const op = operatorOf(s);
    op.process(ev("a", 0), "p0");
    op.process(ev("b", 30), "p0");
    const state = JSON.parse(JSON.stringify(op.snapshot()));
    state.groups["[]"][4] = 5; // the second session's start, inside the first (0..10)
    expect(reason(s, state)).toMatch(/sorted and disjoint/);
  });

  test("gives every partition a fresh idle timeout, so a slow restart does not make replayed events late", () => {
    const c = manualClock();
    const s = specOf({ kind: "tumbling", size_ms: 10 });
    const op = createWindowOperator(s, { clock: c.clock, idleTimeoutMs: 1000 });
    op.process(ev("a", 100), "p0");
    op.process(ev("b", 5), "p1");
    c.now = 60_000;
    const r = restoreWindowOperator(s, JSON.parse(JSON.stringify(op.snapshot())), { clock: c.clock, idleTimeoutMs: 1000 });
    if (!r.ok) throw new Error(r.reason);
    expect(r.operator.advanceWatermark()).toEqual([]);
    expect(r.operator.watermark()).toBe(5); // not 100: p1 still holds it
  });
});
