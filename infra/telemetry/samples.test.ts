import { expect, test } from "bun:test";
import { createSampleRing } from "./samples.ts";

test("keeps the newest samples per key, newest first, and no more than the bound", () => {
  const ring = createSampleRing<number>(3);
  for (let i = 1; i <= 5; i++) ring.record("a", i);
  ring.record("b", 9);
  expect(ring.latest()).toEqual({ a: [5, 4, 3], b: [9] });
});

test("a key beyond the key bound is dropped rather than growing memory", () => {
  const ring = createSampleRing<number>(2, 1);
  ring.record("a", 1);
  ring.record("b", 2);
  expect(ring.latest()).toEqual({ a: [1] });
});
