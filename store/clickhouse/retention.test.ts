import { expect, test } from "bun:test";
import { partitionEnd } from "./retention.ts";

test("a day partition ends at the next midnight, a month partition on the first of the next month", () => {
  expect(partitionEnd("20261123")).toBe(Date.UTC(2026, 10, 24));
  expect(partitionEnd("20261231")).toBe(Date.UTC(2027, 0, 1));
  expect(partitionEnd("202612")).toBe(Date.UTC(2027, 0, 1));
  expect(partitionEnd("202602")).toBe(Date.UTC(2026, 2, 1));
});

test("partitions of other shapes are never candidates", () => {
  expect(partitionEnd("all")).toBeUndefined();
  expect(partitionEnd("2026-11-23")).toBeUndefined();
});
