import { expect, test } from "bun:test";
import { createBatcher } from "./batcher.ts";

function recorder(maxItems = 3, maxWaitMs = 40) {
  const flushed: number[][] = [];
  const batcher = createBatcher<number>({ maxItems, maxWaitMs, flush: async (items) => void flushed.push(items) });
  return { flushed, batcher };
}

test("flushes at once when the batch is full", async () => {
  const { flushed, batcher } = recorder(3, 10_000);
  await batcher.add([1, 2, 3]);
  expect(flushed).toEqual([[1, 2, 3]]);
});

test("a partial batch gathers every delivery of its wait and is written after maxWaitMs", async () => {
  const { flushed, batcher } = recorder(100, 60);
  const started = Date.now();
  const first = batcher.add([1]);
  await Bun.sleep(10);
  const second = batcher.add([2]);
  expect(flushed).toEqual([]);
  await Promise.all([first, second]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  expect(flushed).toEqual([[1, 2]]);
});

test("the wait counts from when the oldest item arrived, which may be before add()", async () => {
  let t = 1_000;
  const flushed: number[][] = [];
  const batcher = createBatcher<number>({ maxItems: 100, maxWaitMs: 50, now: () => t, flush: async (items) => void flushed.push(items) });
  const fresh = batcher.add([1]);
  expect(flushed).toEqual([]);
  // A delivery whose oldest row reached Kafka 60 ms ago (held up in the broker): the batch is due now.
  await Promise.all([fresh, batcher.add([2], t - 60)]);
  expect(flushed).toEqual([[1, 2]]);
  t += 10;
  const late = batcher.add([3], t + 5_000); // a clock ahead of ours counts as now
  await Bun.sleep(20);
  expect(flushed.length).toBe(1);
  t += 50;
  await Bun.sleep(60); // the timer fires; now() says the wait is over
  await late;
  expect(flushed).toEqual([[1, 2], [3]]);
});

test("with bounded sources, a batch goes once every source waits on it", async () => {
  const flushed: number[][] = [];
  const batcher = createBatcher<number>({ maxItems: 100, maxWaitMs: 10_000, sources: 2, flush: async (items) => void flushed.push(items) });
  const a = batcher.add([1]);
  expect(flushed).toEqual([]);
  await Promise.all([a, batcher.add([2])]);
  expect(flushed).toEqual([[1, 2]]);
});

test("rows that came due during a long write go as soon as it ends, without a timer", async () => {
  const t = 1_000;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const flushed: number[][] = [];
  const batcher = createBatcher<number>({
    maxItems: 100, maxWaitMs: 10_000, now: () => t,
    flush: async (items) => {
      flushed.push(items);
      if (flushed.length === 1) await gate;
    },
  });
  const first = batcher.add([1], t - 10_000); // due at once: the first write starts
  const second = batcher.add([2], t - 10_000); // due too, but the first write is under way
  expect(flushed).toEqual([[1]]);
  release();
  await Promise.all([first, second]); // a 10 s timer would time the test out
  expect(flushed).toEqual([[1], [2]]);
});

test("a flush takes whole deliveries up to maxItems and settles them; the rest goes next", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const flushed: number[][] = [];
  const batcher = createBatcher<number>({
    maxItems: 4, maxWaitMs: 10_000,
    flush: async (items) => {
      flushed.push(items);
      if (flushed.length === 1) await gate;
    },
  });
  const settled: string[] = [];
  const track = (name: string, p: Promise<void>) => p.then(() => void settled.push(name));
  const big = track("big", batcher.add([1, 2, 3, 4, 5])); // more than maxItems: flushed alone
  const a = track("a", batcher.add([6, 7]));
  const b = track("b", batcher.add([8, 9]));
  const c = track("c", batcher.add([10], Date.now() - 10_000)); // due by its age
  release();
  await Promise.all([big, a, b, c]);
  expect(flushed).toEqual([[1, 2, 3, 4, 5], [6, 7, 8, 9], [10]]);
  expect(settled).toEqual(["big", "a", "b", "c"]);
});

test("a failed flush rejects every add whose items it held, and later adds still flush", async () => {
  let fail = true;
  const flushed: number[][] = [];
  const batcher = createBatcher<number>({
    maxItems: 2, maxWaitMs: 1_000,
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
  const due = () => Date.now() - 10_000;
  const batcher = createBatcher<number>({
    maxItems: 10, maxWaitMs: 10_000,
    flush: async (items) => {
      flushed.push(items);
      if (flushed.length === 1) await gate;
    },
  });
  const first = batcher.add([1], due());
  const second = batcher.add([2], due());
  const third = batcher.add([3], due());
  expect(batcher.pending).toBe(2);
  release();
  await Promise.all([first, second, third]);
  expect(flushed).toEqual([[1], [2, 3]]);
});
