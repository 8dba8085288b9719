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
