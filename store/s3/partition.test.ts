import { describe, expect, test } from "bun:test";
import { dayEnd, parseDay, parsePartition, partitionEnd, partitionOf, partitionPrefix, partitionStart } from "./partition.ts";

describe("Hive partition paths", () => {
  test("derive from event time in UTC", () => {
    const p = partitionOf("shop", Date.UTC(2024, 0, 31, 23, 59, 59, 999));
    expect(partitionPrefix(p)).toBe("events/app_id=shop/dt=2024-01-31/hour=23/");
    expect(partitionPrefix(partitionOf("shop", Date.UTC(2024, 1, 1, 0)))).toBe("events/app_id=shop/dt=2024-02-01/hour=00/");
    expect(partitionPrefix(partitionOf("a", 0))).toBe("events/app_id=a/dt=1970-01-01/hour=00/");
  });

  test("parse back from keys and prefixes", () => {
    const p = { app: "my_app-2", dt: "2024-03-10", hour: "07" };
    expect(parsePartition(`${partitionPrefix(p)}part-abc.parquet`)).toEqual(p);
    expect(parsePartition(partitionPrefix(p))).toEqual(p);
    expect(parsePartition("events/app_id=x/dt=2024-03-10/")).toBeUndefined();
    expect(parsePartition("other/app_id=x/dt=2024-03-10/hour=01/f")).toBeUndefined();
  });

  test("know their time span", () => {
    const p = { app: "a", dt: "2024-03-10", hour: "07" };
    expect(partitionStart(p)).toBe(Date.UTC(2024, 2, 10, 7));
    expect(partitionEnd(p)).toBe(Date.UTC(2024, 2, 10, 8));
    expect(parseDay("events/app_id=a/dt=2024-03-10/")).toBe("2024-03-10");
    expect(parseDay("events/app_id=a/")).toBeUndefined();
    expect(dayEnd("2024-03-10")).toBe(Date.UTC(2024, 2, 11));
  });
});
