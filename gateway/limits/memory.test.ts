import { expect, test } from "bun:test";
import { limiterContract } from "./limiter.contract.ts";
import { decide, refill, waitFor } from "./limiter.ts";
import { createMemoryLimiter } from "./memory.ts";

limiterContract("memory", async () => createMemoryLimiter());

test("token bucket math on a fake clock: refill at the rate, capped at the burst", async () => {
  let t = 1_000_000;
  const limiter = createMemoryLimiter(() => t);
  const b = { key: "k", rate: 100, burst: 50 };
  expect(await limiter.take([b], 50)).toEqual({ allowed: true, limit: 100, remaining: 0, resetMs: 0 });
  expect(await limiter.take([b], 1)).toEqual({ allowed: false, limit: 100, retryAfterMs: 10, resetMs: 500 });
  t += 100; // 10 tokens back
  expect(await limiter.take([b], 10)).toMatchObject({ allowed: true, remaining: 0 });
  expect(await limiter.take([b], 20)).toMatchObject({ allowed: false, retryAfterMs: 200 });
  t += 60_000; // long idle: full again, never more than the burst
  expect(await limiter.take([b], 51)).toMatchObject({ allowed: false });
  expect(await limiter.take([b], 50)).toMatchObject({ allowed: true, remaining: 0 });
});

test("refill, wait and the decision across buckets", () => {
  const b = { key: "k", rate: 10, burst: 20 };
  expect(refill(5, 0, 500, b)).toBe(10);
  expect(refill(5, 0, 10_000, b)).toBe(20);
  expect(refill(5, 500, 0, b)).toBe(5); // a clock going backwards refills nothing
  expect(waitFor(5, 5, b)).toBe(0);
  expect(waitFor(5, 6, b)).toBe(100);
  const tight = { key: "key", rate: 1, burst: 5 };
  // The wait is the longest any bucket needs; headers speak of the one with the least left.
  expect(decide([b, tight], [20, 2], 3)).toEqual({ allowed: false, limit: 1, retryAfterMs: 1_000, resetMs: 3_000 });
  expect(decide([b, tight], [20, 4], 3)).toEqual({ allowed: true, limit: 1, remaining: 1, resetMs: 1_000 });
});
