import { describe, expect, test } from "bun:test";
import { partFileName } from "./file-name.ts";

describe("part file names", () => {
  test("depend on the set of event ids only, not on order or duplicates", () => {
    const name = partFileName(["b", "a", "c"]);
    expect(name).toMatch(/^part-[0-9a-f]{32}\.parquet$/);
    expect(partFileName(["c", "a", "b", "a"])).toBe(name);
  });

  test("differ for different sets", () => {
    expect(partFileName(["a", "b"])).not.toBe(partFileName(["a", "b", "c"]));
    expect(partFileName(["ab", "c"])).not.toBe(partFileName(["a", "bc"]));
  });
});
