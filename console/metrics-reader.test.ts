import { expect, test } from "bun:test";
import { quantileBetween, type HistogramRows } from "./metrics-reader.ts";

const rows = (counts: number[]): HistogramRows => ({
  buckets: new Map([["k", { labels: {}, le: [0.001, 0.01, 0.1, Infinity], counts }]]),
  count: new Map(), sum: new Map(),
});

test("the quantile of what was observed between two readings, interpolated in its bucket", () => {
  // Before: 10 fast observations. After: 10 more in (0.01, 0.1].
  const before = rows([10, 10, 10, 10]);
  const after = rows([10, 10, 20, 20]);
  expect(quantileBetween(before, after, 0.5)).toBeCloseTo(0.055, 5);
  expect(quantileBetween(undefined, after, 0.5)).toBeCloseTo(0.001, 5);
});

test("nothing observed in between gives null, not a stale figure", () => {
  expect(quantileBetween(rows([3, 3, 3, 3]), rows([3, 3, 3, 3]), 0.99)).toBeNull();
});
