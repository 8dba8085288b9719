import { expect, test } from "bun:test";
import { backoffDelay } from "./backoff.ts";

test("exponential cap, doubled per retry, bounded by maxMs", () => {
  const top = (attempt: number) => backoffDelay(attempt, { baseMs: 100, maxMs: 1_000, random: () => 0.999999 });
  expect([1, 2, 3, 4, 5, 6].map(top)).toEqual([99, 199, 399, 799, 999, 999]);
});

test("full jitter: anywhere between 0 and the cap, from the injected randomness", () => {
  expect(backoffDelay(3, { baseMs: 100, random: () => 0 })).toBe(0);
  expect(backoffDelay(3, { baseMs: 100, random: () => 0.5 })).toBe(200);
  const real = Array.from({ length: 200 }, () => backoffDelay(4, { baseMs: 100 }));
  expect(Math.min(...real)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...real)).toBeLessThan(800);
  expect(new Set(real).size).toBeGreaterThan(50);
});
