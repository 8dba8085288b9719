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

  test("queued in time order or out of it, moved and stepped through at random, items come due as a plain model of the entries says", () => {
    // The queue keeps items queued in time order apart from the others: this checks both, and their ties, against the model.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const q = createTimerQueue<{ name: string; due: number }>();
    const items = Array.from({ length: 300 }, (_, i) => item(`i${i}`));
    // Every schedule that changes a time leaves an entry; an entry whose item has moved since is skipped when its time comes.
    const current = new Map<string, number>();
    let entries: { name: string; at: number; seq: number }[] = [];
    let seq = 0;
    let now = 0;
    const expectedDue = (time: number) => {
      const ripe = entries.filter((x) => x.at <= time).sort((x, y) => x.at - y.at || x.seq - y.seq);
      entries = entries.filter((x) => x.at > time);
      const out: string[] = [];
      for (const x of ripe) {
        if (current.get(x.name) !== x.at) continue;
        current.delete(x.name);
        out.push(x.name);
      }
      return out;
    };
    for (let step = 0; step < 20_000; step++) {
      const r = rand(10);
      if (r < 7) {
        const it = items[rand(items.length)]!;
        // Mostly ahead of the latest time, as event time runs; sometimes behind it (a tie or not), sometimes unqueued.
        const at = r < 5 ? now + 20 + rand(30) : r < 6 ? now + rand(25) : Infinity;
        if ((current.get(it.name) ?? Infinity) !== at) {
          if (at === Infinity) current.delete(it.name);
          else {
            current.set(it.name, at);
            entries.push({ name: it.name, at, seq: seq++ });
          }
        }
        q.schedule(it, at);
      } else {
        now += rand(8);
        expect(names(q, now)).toEqual(expectedDue(now));
      }
    }
    expect(names(q, now + 1_000)).toEqual(expectedDue(now + 1_000));
    expect(q.next()).toBe(Infinity);
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
