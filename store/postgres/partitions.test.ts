import { expect, test } from "bun:test";
import { DAY_MS, daysAhead, isExpired, partitionBounds, partitionDay, partitionName } from "./partitions.ts";

const day = Date.UTC(2026, 0, 31);

test("names and bounds a UTC day", () => {
  expect(partitionName(day + 5_000)).toBe("events_p20260131");
  expect(partitionBounds(day)).toEqual({ from: "2026-01-31", to: "2026-02-01" });
  expect(partitionDay("events_p20260131")).toBe(day);
  expect(partitionDay("events_p20260231")).toBeUndefined();
  expect(partitionDay("events_default")).toBeUndefined();
});

test("creates today and the days ahead", () => {
  expect(daysAhead(day + 3_600_000, 2)).toEqual([day, day + DAY_MS, day + 2 * DAY_MS]);
});

test("a day expires only once all of it is older than the retention", () => {
  const now = day + 10 * DAY_MS;
  expect(isExpired(day, now, 9)).toBe(true);
  expect(isExpired(day, now - 1, 9)).toBe(false);
  expect(isExpired(day + DAY_MS, now, 9)).toBe(false);
});
