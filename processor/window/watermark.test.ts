/** Partition watermarks and their combination, including idle partitions. */
import { expect, test } from "bun:test";
import { combinedWatermark, observe, type PartitionProgress } from "./watermark.ts";

test("a partition's watermark is its highest event time minus the bound; the operator's is the minimum", () => {
  const parts = new Map<string, PartitionProgress>();
  expect(combinedWatermark(parts, 5, 1000, 0)).toBeNull();
  observe(parts, "a", 100, 0);
  observe(parts, "a", 90, 0); // out of order: the maximum stays 100
  observe(parts, "b", 40, 0);
  expect(combinedWatermark(parts, 5, 1000, 0)).toBe(35); // min(100, 40) - 5
});

test("an idle partition stops holding the watermark back; every partition idle: the most advanced sets it", () => {
  const parts = new Map<string, PartitionProgress>();
  observe(parts, "a", 100, 0);
  observe(parts, "b", 40, 0);
  observe(parts, "a", 200, 900);
  expect(combinedWatermark(parts, 0, 1000, 999)).toBe(40); // b silent for 999 ms: still active
  expect(combinedWatermark(parts, 0, 1000, 1000)).toBe(200); // b idle
  expect(combinedWatermark(parts, 0, 1000, 5000)).toBe(200); // both idle
  observe(parts, "b", 60, 5000); // b is back and holds it again
  expect(combinedWatermark(parts, 0, 1000, 5000)).toBe(60);
});
