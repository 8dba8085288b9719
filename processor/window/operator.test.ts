/**
 * The operator on small streams whose outputs are worked out by hand in the comments: tumbling,
 * hopping and session windows, out-of-order and late events, triggers, idle partitions, grouping
 * and every aggregate in one window.
 */
import { describe, expect, test } from "bun:test";
import { createWindowOperator, sortClosed } from "./operator.ts";
import type { WindowOutput, WindowResult } from "../../schemas/window-result.ts";
import { brief, drive, ev, manualClock, operatorOf, results, specOf } from "./test-kit.ts";

const id = (start: number, group = "[]") => `r1|${group}|${start}`;

describe("tumbling windows of 10", () => {
  test("an event out of order within the bound (5) still counts; one beyond it is late", () => {
    const op = operatorOf(specOf({ kind: "tumbling", size_ms: 10, out_of_orderness_ms: 5 }));
    const out = drive(op, [
      ev("a", 1), // W = 1 - 5 = -4
      ev("b", 12), // W = 7
      ev("c", 8), // 4 behind 12: on time, [0,10) holds a and c
      ev("d", 16), // W = 11 >= 10: [0,10) closes with 2
      ev("e", 4), // [0,10) ended at 10 <= 11, no lateness allowed
      { watermark: 100 }, // [10,20) closes with b and d
    ]);
    expect(brief(out)).toEqual([
      { id: id(0), rev: 1, closed: true, values: { n: 2 } },
      { late: "e", missed: [{ start: 0, end: 10 }] },
      { id: id(10), rev: 1, closed: true, values: { n: 2 } },
    ]);
    expect(results(out)[0]).toMatchObject({ rule_id: "r1", group_key: "[]", group: {}, window_start: 0, window_end: 10 });
  });

  test("a late event within allowed lateness (10) re-emits the window under the same id; beyond it, the late output", () => {
    const op = operatorOf(specOf({ kind: "tumbling", size_ms: 10, allowed_lateness_ms: 10 }));
    const out = drive(op, [
      ev("a", 3), // W = 3
      ev("b", 14), // W = 14: [0,10) closes with a
      ev("c", 7), // [0,10): 10 <= 14 but 10 + 10 > 14: correction with a, c
      ev("d", 20), // W = 20: [10,20) closes with b; [0,10) expires (10 + 10 <= 20)
      ev("e", 9), // too late for [0,10)
      ev("f", 15), // [10,20): 20 <= 20, 30 > 20: correction with b, f
    ]);
    expect(brief(out)).toEqual([
      { id: id(0), rev: 1, closed: true, values: { n: 1 } },
      { id: id(0), rev: 2, closed: true, values: { n: 2 } },
      { id: id(10), rev: 1, closed: true, values: { n: 1 } },
      { late: "e", missed: [{ start: 0, end: 10 }] },
      { id: id(10), rev: 2, closed: true, values: { n: 2 } },
    ]);
  });

  test("trigger update: every change is emitted, then the close", () => {
    const op = operatorOf(specOf({ kind: "tumbling", size_ms: 10, trigger: "update" }));
    const out = drive(op, [ev("a", 1), ev("b", 2), ev("c", 11), { watermark: 20 }]);
    expect(brief(out)).toEqual([
      { id: id(0), rev: 1, closed: false, values: { n: 1 } },
      { id: id(0), rev: 2, closed: false, values: { n: 2 } },
      { id: id(10), rev: 1, closed: false, values: { n: 1 } }, // c, then W = 11 closes [0,10)
      { id: id(0), rev: 3, closed: true, values: { n: 2 } },
      { id: id(10), rev: 2, closed: true, values: { n: 1 } },
    ]);
  });

  test("results depend on event time only: a watermark that skips ahead closes every window it passes, in end order", () => {
    const op = operatorOf(specOf({ kind: "tumbling", size_ms: 10, out_of_orderness_ms: 1000 }));
    const out = drive(op, [ev("a", 25), ev("b", 5), ev("c", 17), { watermark: 30 }]);
    expect(brief(out).map((r) => ("id" in r ? r.id : null))).toEqual([id(0), id(10), id(20)]);
  });
});

describe("hopping windows of 10 every 5", () => {
  const spec = specOf({
    kind: "hopping",
    size_ms: 10,
    slide_ms: 5,
    out_of_orderness_ms: 100,
    aggregates: [
      { name: "n", op: "count" },
      { name: "s", op: "sum", field: "props.v" },
    ],
  });

  test("each event counts in the two windows that overlap at its time", () => {
    // a@2 in [-5,5) and [0,10); b@7 in [0,10) and [5,15); c@12 in [5,15) and [10,20)
    const out = drive(operatorOf(spec), [ev("a", 2, { v: 1 }), ev("b", 7, { v: 2 }), ev("c", 12, { v: 4 }), { watermark: 1000 }]);
    expect(brief(out)).toEqual([
      { id: id(-5), rev: 1, closed: true, values: { n: 1, s: 1 } },
      { id: id(0), rev: 1, closed: true, values: { n: 2, s: 3 } },
      { id: id(5), rev: 1, closed: true, values: { n: 2, s: 6 } },
      { id: id(10), rev: 1, closed: true, values: { n: 1, s: 4 } },
    ]);
  });

  test("an event too late for one of its windows still counts in the other, and says which it missed", () => {
    const op = operatorOf(specOf({ kind: "hopping", size_ms: 10, slide_ms: 5 }));
    const out = drive(op, [
      ev("a", 12), // W = 12
      ev("b", 8), // [0,10) expired; [5,15) still open
      { watermark: 100 },
    ]);
    expect(brief(out)).toEqual([
      { late: "b", missed: [{ start: 0, end: 10 }] },
      { id: id(5), rev: 1, closed: true, values: { n: 2 } },
      { id: id(10), rev: 1, closed: true, values: { n: 1 } },
    ]);
  });
});

describe("session windows with a gap of 10", () => {
  test("an event that reaches two sessions merges them", () => {
    const op = operatorOf(specOf({ kind: "session", gap_ms: 10, out_of_orderness_ms: 100 }));
    // a@0: [0,10); b@18: [18,28); c@9 proposes [9,19), which overlaps both: [0,28); d@40: [40,50)
    const out = drive(op, [ev("a", 0), ev("b", 18), ev("c", 9), ev("d", 40), { watermark: 1000 }]);
    expect(brief(out)).toEqual([
      { id: id(0), rev: 1, closed: true, values: { n: 3 } },
      { id: id(40), rev: 1, closed: true, values: { n: 1 } },
    ]);
    expect(results(out).map((r) => [r.window_start, r.window_end])).toEqual([
      [0, 28],
      [40, 50],
    ]);
  });

  test("a pause of exactly the gap separates two sessions", () => {
    const out = drive(operatorOf(specOf({ kind: "session", gap_ms: 10, out_of_orderness_ms: 100 })), [ev("a", 0), ev("b", 10), { watermark: 100 }]);
    expect(brief(out)).toEqual([
      { id: id(0), rev: 1, closed: true, values: { n: 1 } },
      { id: id(10), rev: 1, closed: true, values: { n: 1 } },
    ]);
  });

  test("trigger update: a session that moves its start retracts the result emitted under its old id", () => {
    const op = operatorOf(specOf({ kind: "session", gap_ms: 10, out_of_orderness_ms: 100, trigger: "update" }));
    const out = drive(op, [
      ev("a", 10), // [10,20)
      ev("b", 3), // [3,13) overlaps it: [3,20), so id ...|10 is gone
      ev("c", 25), // [25,35)
      ev("d", 16), // [16,26) bridges [3,20) and [25,35): [3,35)
      { watermark: 100 },
    ]);
    expect(brief(out)).toEqual([
      { id: id(10), rev: 1, closed: false, values: { n: 1 } },
      { retract: id(10), rev: 2, into: id(3) },
      { id: id(3), rev: 2, closed: false, values: { n: 2 } },
      { id: id(25), rev: 1, closed: false, values: { n: 1 } },
      { retract: id(25), rev: 2, into: id(3) },
      { id: id(3), rev: 3, closed: false, values: { n: 4 } },
      { id: id(3), rev: 4, closed: true, values: { n: 4 } },
    ]);
  });

  test("late events merge into closed sessions within allowed lateness (25), and go to the late output beyond it", () => {
    const op = operatorOf(specOf({ kind: "session", gap_ms: 10, allowed_lateness_ms: 25 }));
    const out = drive(op, [
      ev("a", 0), // [0,10)
      ev("b", 30), // W = 30: [0,10) closes
      ev("c", 12), // [12,22): already closed, not expired (47 > 30): emitted at once
      ev("d", 5), // [5,15) bridges [0,10) and [12,22): [0,22), and ...|12 is retracted
      ev("e", 36), // W = 36; [30,40) and [36,46) merge to [30,46)
      ev("f", 1), // joins [0,22): still within lateness (47 > 36)
      ev("g", 60), // W = 60: [30,46) closes; [0,22) expires (47 <= 60)
      ev("h", 2), // [2,12): 12 + 25 <= 60
    ]);
    expect(brief(out)).toEqual([
      { id: id(0), rev: 1, closed: true, values: { n: 1 } },
      { id: id(12), rev: 1, closed: true, values: { n: 1 } },
      { retract: id(12), rev: 2, into: id(0) },
      { id: id(0), rev: 2, closed: true, values: { n: 3 } },
      { id: id(0), rev: 3, closed: true, values: { n: 4 } },
      { id: id(30), rev: 1, closed: true, values: { n: 2 } },
      { late: "h", missed: [{ start: 2, end: 12 }] },
    ]);
  });
});

describe("watermarks over partitions", () => {
  test("an idle partition stops holding the watermark back; when it returns, the watermark does not go back", () => {
    const c = manualClock();
    const op = createWindowOperator(specOf({ kind: "tumbling", size_ms: 100, allowed_lateness_ms: 100 }), { clock: c.clock, idleTimeoutMs: 1000 });
    const out1 = drive(op, [
      { partition: "p1", event: ev("b", 5) },
      { partition: "p0", event: ev("a", 100) }, // W = min(100, 5) = 5
    ]);
    c.now = 500;
    const out2 = drive(op, [{ partition: "p0", event: ev("c", 250) }]); // p1 silent 500 ms: still W = 5
    c.now = 999;
    const out3 = op.advanceWatermark();
    c.now = 1000; // p1 silent 1000 ms: idle, so W = 250 from p0 alone
    const out4 = op.advanceWatermark();
    c.now = 1100;
    const out5 = drive(op, [{ partition: "p1", event: ev("d", 150) }]); // [100,200): 200 <= 250 < 300: a correction

    expect([...out1, ...out2, ...out3]).toEqual([]);
    expect(brief(out4)).toEqual([
      { id: id(0), rev: 1, closed: true, values: { n: 1 } },
      { id: id(100), rev: 1, closed: true, values: { n: 1 } },
    ]);
    expect(brief(out5)).toEqual([{ id: id(100), rev: 2, closed: true, values: { n: 2 } }]);
    expect(op.watermark()).toBe(250); // p1 is active again at 150, but the watermark never moves back
  });

  test("before any event there is no watermark, and nothing is late", () => {
    const op = operatorOf(specOf({ kind: "tumbling", size_ms: 10 }));
    expect(op.watermark()).toBeNull();
    expect(op.advanceWatermark()).toEqual([]);
    expect(op.process(ev("a", 0), "p0")).toEqual([]);
  });
});

test("group by several fields: one window per combination, a missing field groups as null", () => {
  const spec = specOf({
    kind: "tumbling",
    size_ms: 10,
    group_by: ["app_id", "props.country"],
    aggregates: [
      { name: "n", op: "count" },
      { name: "s", op: "sum", field: "props.v" },
    ],
    out_of_orderness_ms: 100,
  });
  const out = drive(operatorOf(spec), [
    ev("a", 1, { country: "US", v: 1 }),
    ev("b", 2, { country: "FR", v: 2 }),
    ev("c", 3, { country: "US", v: 4 }, { app_id: "blog" }),
    ev("d", 4, { country: "US", v: 8 }),
    ev("e", 5, { v: 16 }),
    { watermark: 10 },
  ]);
  // ordered by window end, then group key text
  expect(results(out).map((r) => [r.id, r.group, r.values])).toEqual([
    ['r1|["blog","US"]|0', { app_id: "blog", "props.country": "US" }, { n: 1, s: 4 }],
    ['r1|["shop","FR"]|0', { app_id: "shop", "props.country": "FR" }, { n: 1, s: 2 }],
    ['r1|["shop","US"]|0', { app_id: "shop", "props.country": "US" }, { n: 2, s: 9 }],
    ['r1|["shop",null]|0', { app_id: "shop", "props.country": null }, { n: 1, s: 16 }],
  ]);
});

test("every aggregate over one window", () => {
  const spec = specOf({
    kind: "tumbling",
    size_ms: 100,
    out_of_orderness_ms: 1000,
    aggregates: [
      { name: "n", op: "count" },
      { name: "with_amount", op: "count", field: "props.amount" },
      { name: "total", op: "sum", field: "props.amount" },
      { name: "smallest", op: "min", field: "props.amount" },
      { name: "largest", op: "max", field: "props.amount" },
      { name: "mean", op: "avg", field: "props.amount" },
      { name: "users", op: "count_distinct", field: "props.user" },
      { name: "p50", op: "percentile", field: "props.ms", quantile: 0.5 },
      { name: "entry", op: "first", field: "props.page" },
      { name: "exit", op: "last", field: "props.page" },
    ],
  });
  const out = drive(operatorOf(spec), [
    ev("e1", 10, { amount: 5, user: "u1", ms: 100, page: "/a" }),
    ev("e2", 30, { amount: 20, user: "u2", ms: 200, page: "/b" }),
    ev("e3", 20, { amount: "x", user: "u1", ms: 300, page: "/c" }),
    ev("a4", 30, { user: "u3", ms: 400, page: "/d" }), // ties e2 at 30; "a4" < "e2", so e2 stays last
    ev("e0", 10, { amount: 1, page: "/z" }), // ties e1 at 10; "e0" < "e1", so it is first though it came last
    { watermark: 100 },
  ]);
  const [r] = results(out);
  const { mean, p50, ...exact } = r?.values ?? {};
  expect(exact).toEqual({
    n: 5,
    with_amount: 4, // 5, 20, "x", 1
    total: 26,
    smallest: 1,
    largest: 20,
    users: 3,
    entry: "/z",
    exit: "/b",
  });
  expect(mean).toBeCloseTo(26 / 3, 12); // numbers only: 5, 20, 1
  expect(Math.abs((p50 as number) - 200)).toBeLessThanOrEqual(2); // 100 200 300 400: rank floor(0.5 * 3) = 1
});

test("sortClosed orders a step's results by end, group key (code units, as <), start, as a comparator would", () => {
  const keys = ['["shop","u10"]', '["shop","u9"]', '["shop","Ü"]', '["shop","U"]', '["blog",null]', '["shop","\u{1F600}"]', '["shop","\uFFFF"]'];
  let seed = 3;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const results = Array.from({ length: 60 }, (_, i) => {
    const end = [10, 20, 30][Math.floor(rand() * 3)]!;
    return { kind: "result", id: `${i}`, rule_id: "r1", group_key: keys[i % keys.length]!, group: {}, window_start: end - 10 - (i % 2), window_end: end, revision: 1, closed: true, values: {} } as const;
  });
  const out: WindowOutput[] = [{ kind: "late", rule_id: "r1", group_key: "[]", event: ev("x", 0), watermark: 0, missed: [] }, ...results];
  sortClosed(out, 1);
  const cmp = (a: WindowResult, b: WindowResult) => a.window_end - b.window_end || (a.group_key < b.group_key ? -1 : a.group_key > b.group_key ? 1 : 0) || a.window_start - b.window_start;
  expect(out[0]?.kind).toBe("late");
  // Repeated (end, key) pairs fall back to the comparator: both paths give its order.
  expect(out.slice(1).map((r) => (r as WindowResult).id)).toEqual([...results].sort(cmp).map((r) => r.id));
  const distinct = results.filter((r, i) => results.findIndex((q) => q.window_end === r.window_end && q.group_key === r.group_key) === i);
  const only: WindowOutput[] = [...distinct].reverse();
  sortClosed(only, 0);
  expect(only.map((r) => (r as WindowResult).id)).toEqual([...distinct].sort(cmp).map((r) => r.id));
});
