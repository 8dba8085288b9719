import { expect, test } from "bun:test";
import { createBatcher } from "./batcher.ts";

function recorder(sources: number, maxItems = 3, maxWaitMs = 40) {
  const flushed: number[][] = [];
  const batcher = createBatcher<number>({ maxItems, maxWaitMs, sources, flush: async (items) => void flushed.push(items) });
  return { flushed, batcher };
}

test("flushes at once when the batch is full", async () => {
  const { flushed, batcher } = recorder(4);
  await batcher.add([1, 2, 3]);
  expect(flushed).toEqual([[1, 2, 3]]);
});

test("flushes when every source is waiting, without waiting for the timer", async () => {
  const { flushed, batcher } = recorder(2, 100, 10_000);
  const a = batcher.add([1]);
  expect(flushed).toEqual([]);
  await Promise.all([a, batcher.add([2])]);
  expect(flushed).toEqual([[1, 2]]);
});

test("flushes a partial batch after maxWaitMs", async () => {
  const { flushed, batcher } = recorder(2, 100, 30);
  const started = Date.now();
  await batcher.add([7]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  expect(flushed).toEqual([[7]]);
});

test("a failed flush rejects every add whose items it held, and later adds still flush", async () => {
  let fail = true;
  const flushed: number[][] = [];
  const batcher = createBatcher<number>({
    maxItems: 2, maxWaitMs: 1_000, sources: 2,
    flush: async (items) => {
      if (fail) throw new Error("down");
      flushed.push(items);
    },
  });
  const results = await Promise.allSettled([batcher.add([1]), batcher.add([2])]);
  expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  fail = false;
  await batcher.add([3, 4]);
  expect(flushed).toEqual([[3, 4]]);
});

test("items added during a flush go into the next one", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const flushed: number[][] = [];
  const batcher = createBatcher<number>({
    maxItems: 1, maxWaitMs: 1_000, sources: 3,
    flush: async (items) => {
      flushed.push(items);
      if (flushed.length === 1) await gate;
    },
  });
  const first = batcher.add([1]);
  const second = batcher.add([2]);
  const third = batcher.add([3]);
  expect(batcher.pending).toBe(2);
  release();
  await Promise.all([first, second, third]);
  expect(flushed).toEqual([[1], [2, 3]]);
});
