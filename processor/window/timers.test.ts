import { expect, test } from "bun:test";
import { createTimers } from "./timers.ts";

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
