/**
 * DDSketch: quantiles of small hand-checked samples must lie within the relative accuracy of the
 * true value of rank floor(q * (n - 1)), and the extremes are exact.
 */
import { describe, expect, test } from "bun:test";
import { addValue, createMapping, emptySketch, mergeSketches, quantile } from "./ddsketch.ts";

const within = (actual: number | null, expected: number, accuracy: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(Math.abs(expected) * accuracy + 1e-12);
};

describe("quantiles", () => {
  const m = createMapping(0.01, 2048);

  test("1..100: median is the 50th value, p99 the 99th, q=0 and q=1 exact", () => {
    const s = emptySketch();
    for (let v = 100; v >= 1; v--) addValue(m, s, v);
    within(quantile(m, s, 0.5), 50, 0.01); // rank floor(0.5 * 99) = 49 -> 50
    within(quantile(m, s, 0.99), 99, 0.01); // rank 98 -> 99
    within(quantile(m, s, 0.9), 90, 0.01); // rank floor(89.1) = 89 -> 90
    expect(quantile(m, s, 0)).toBe(1);
    expect(quantile(m, s, 1)).toBe(100);
  });

  test("negative values, zero and positive values keep their order", () => {
    const s = emptySketch();
    for (const v of [10, -1, 0, 2, -5]) addValue(m, s, v);
    // sorted: -5, -1, 0, 2, 10; rank floor(q * 4)
    expect(quantile(m, s, 0)).toBe(-5);
    within(quantile(m, s, 0.25), -1, 0.01);
    expect(quantile(m, s, 0.5)).toBe(0);
    within(quantile(m, s, 0.75), 2, 0.01);
    expect(quantile(m, s, 1)).toBe(10);
  });

  test("an empty sketch has no quantile", () => {
    expect(quantile(m, emptySketch(), 0.5)).toBeNull();
  });

  test("a 2% sketch is within 2%", () => {
    const m2 = createMapping(0.02, 2048);
    const s = emptySketch();
    for (const v of [0.001, 0.5, 3, 7.25, 1e6]) addValue(m2, s, v);
    within(quantile(m2, s, 0.25), 0.5, 0.02);
    within(quantile(m2, s, 0.5), 3, 0.02);
    within(quantile(m2, s, 0.75), 7.25, 0.02);
  });
});

describe("bounded size and merging", () => {
  test("past max_bins the lowest bins collapse; high quantiles keep their accuracy", () => {
    const m = createMapping(0.01, 64);
    const s = emptySketch();
    for (let v = 1; v <= 10_000; v++) addValue(m, s, v);
    expect(s.pos.counts.length).toBeLessThanOrEqual(64);
    expect(s.count).toBe(10_000);
    within(quantile(m, s, 0.99), 9900, 0.01); // rank floor(0.99 * 9999) = 9899 -> 9900
    within(quantile(m, s, 0.95), 9500, 0.01); // rank 9499 -> 9500
  });

  test("a sketch of a union equals the merge of the two sketches", () => {
    const m = createMapping(0.01, 2048);
    const a = emptySketch();
    const b = emptySketch();
    const both = emptySketch();
    for (let v = -50; v <= 300; v += 7) {
      addValue(m, v % 2 ? a : b, v);
      addValue(m, both, v);
    }
    expect(mergeSketches(m, a, b)).toEqual(both);
  });
});
