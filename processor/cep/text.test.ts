/** The numbers of the state's hand-built JSON are JSON.stringify's, whatever they are. */
import { describe, expect, test } from "bun:test";
import { nullableText, numberText } from "./text.ts";

describe("numberText", () => {
  test("writes every number as JSON.stringify does", () => {
    const cases = [0, -0, 1, -1, 7, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 1_000_000, 1_767_607_200_000, 1_767_607_200_001, 1e15 + 7, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e21, -1_767_607_200_000, 0.5, 1.25e-7, Math.PI, NaN, Infinity, -Infinity];
    for (const x of cases) expect(numberText(x)).toBe(JSON.stringify(x));
    for (let i = 0; i < 2_000; i++) {
      const x = Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
      expect(numberText(x)).toBe(JSON.stringify(x));
    }
    expect(nullableText(null)).toBe("null");
  });
});
