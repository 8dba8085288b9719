/** Timers on string keys (pattern rules) and on objects (window groups), due times worked out by hand. */
import { describe, expect, test } from "bun:test";
import { createTimerQueue, createTimers, NumberHeap, type TimerQueue } from "./timers.ts";

test("keys come due earliest first, once; rescheduling or clearing a key replaces its timer", () => {
  const t = createTimers();
  t.schedule("a", 30);
  t.schedule("b", 10);
  t.schedule("c", 20);
  t.schedule("a", 5); // moved earlier
  t.schedule("c", 50); // moved later
  t.schedule("b", null); // cleared
  expect(t.due(4)).toEqual([]);
  expect(t.due(30)).toEqual(["a"]);
  expect(t.due(49)).toEqual([]);
  expect(t.due(100)).toEqual(["c"]);
  expect(t.due(1_000)).toEqual([]);
});

test("equal times come out in key order, whatever the scheduling order", () => {
  const t = createTimers();
  for (const k of ["k3", "k1", "k2"]) t.schedule(k, 7);
  expect(t.due(7)).toEqual(["k1", "k2", "k3"]);
});

test("without tiesByKey, equal times come out in scheduling order; a rescheduled key leaves its old time", () => {
  const t = createTimers({ tiesByKey: false });
  for (const k of ["k3", "k1", "k2"]) t.schedule(k, 7);
  t.schedule("k1", 9);
  expect(t.at("k1")).toBe(9);
  expect(t.due(7)).toEqual(["k3", "k2"]);
  expect(t.due(9)).toEqual(["k1"]);
  expect(t.at("k1")).toBeUndefined();
});

test("a time that many keys share is one heap entry, and a key moved back to it is due once", () => {
  const t = createTimers();
  for (let i = 0; i < 1_000; i++) t.schedule(`k${String(i).padStart(4, "0")}`, 60_000);
  t.schedule("k0001", 120_000);
  t.schedule("k0001", 60_000);
  const due = t.due(60_000);
  expect(due.length).toBe(1_000);
  expect(due.slice(0, 3)).toEqual(["k0000", "k0001", "k0002"]);
  expect(t.due(120_000)).toEqual([]);
});

describe("a timer queue of objects", () => {
  const item = (name: string) => ({ name, due: Infinity });
  const names = (q: TimerQueue<{ name: string; due: number }>, time: number) => {
    const into: { name: string; due: number }[] = [];
    q.due(time, into);
    return into.map((i) => i.name);
  };

  test("items come due earliest first, once, in the order they were queued for one time; moving or unqueuing replaces the time", () => {
    const q = createTimerQueue<{ name: string; due: number }>();
    const [a, b, c, d] = [item("a"), item("b"), item("c"), item("d")];
    q.schedule(a, 30);
    q.schedule(b, 10);
    q.schedule(c, 20);
    q.schedule(d, 20);
    q.schedule(a, 5); // moved earlier: its entry at 30 stays behind, skipped
    q.schedule(c, 50); // moved later
    q.schedule(b, Infinity); // unqueued
    expect(q.next()).toBe(5);
    expect(names(q, 4)).toEqual([]);
    expect(names(q, 30)).toEqual(["a", "d"]);
    expect([a.due, d.due]).toEqual([Infinity, Infinity]);
    expect(names(q, 49)).toEqual([]);
    expect(names(q, 100)).toEqual(["c"]);
    expect(q.next()).toBe(Infinity);
  });

  test("an item moved away from a time and back to it is due once", () => {
    const q = createTimerQueue<{ name: string; due: number }>();
    const a = item("a");
    q.schedule(a, 60);
    q.schedule(a, 10);
    expect(names(q, 10)).toEqual(["a"]);
    q.schedule(a, 60); // its old entry at 60 is still there
    expect(names(q, 60)).toEqual(["a"]);
  });
});

test("the number heap pops in ascending order whatever the pushes", () => {
  const h = new NumberHeap();
  const xs = Array.from({ length: 500 }, (_, i) => (i * 7919) % 257);
  for (const x of xs) h.push(x);
  const out: number[] = [];
  while (h.size > 0) out.push(h.pop());
  expect(out).toEqual([...xs].sort((a, b) => a - b));
  expect(h.pop()).toBe(Infinity);
  expect(h.peek()).toBe(Infinity);
});
