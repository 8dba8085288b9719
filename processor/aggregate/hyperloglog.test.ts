/** HyperLogLog: register updates and estimates worked out by hand, then the error bound on a large set. */
import { describe, expect, test } from "bun:test";
import { addHash, addValue, createRegisters, estimate, mergeRegisters } from "./hyperloglog.ts";

describe("registers (precision 4: the top 4 bits pick one of 16 registers)", () => {
  test("the rank is the position of the first 1 bit after the index bits", () => {
    const r = createRegisters(4);
    addHash(r, 4, 0x08000000); // index 0, rest 1000... -> rank 1
    expect(r[0]).toBe(1);
    addHash(r, 4, 0x04000000); // index 0, rest 0100... -> rank 2
    expect(r[0]).toBe(2);
    addHash(r, 4, 0x08000000); // a lower rank never lowers a register
    expect(r[0]).toBe(2);
    addHash(r, 4, 0xf0000000); // index 15, rest all zero -> one past the 28 bits
    expect(r[15]).toBe(29);
  });

  test("small counts use linear counting: m ln(m / empty registers)", () => {
    const r = createRegisters(4);
    expect(estimate(r)).toBe(0);
    addHash(r, 4, 0x18000000); // register 1 := 1
    // raw = 0.673 * 256 / (15 + 0.5) = 11.1 <= 2.5 m, so 16 ln(16/15) = 1.03
    expect(estimate(r)).toBe(1);
    addHash(r, 4, 0x28000000);
    addHash(r, 4, 0x38000000);
    // 16 ln(16/13) = 3.32
    expect(estimate(r)).toBe(3);
  });

  test("merging takes each register's maximum", () => {
    const a = [0, 3, 1, 0];
    expect(mergeRegisters(a, [2, 1, 1, 5])).toEqual([2, 3, 1, 5]);
  });
});

describe("estimates at precision 12 (standard error 1.04 / 64 = 1.6%)", () => {
  test("50 000 distinct values come out within 5% (3 standard errors)", () => {
    const r = createRegisters(12);
    for (let i = 0; i < 50_000; i++) addValue(r, 12, `user-${i}`);
    expect(Math.abs(estimate(r) - 50_000) / 50_000).toBeLessThan(0.05);
  });

  test("repeats do not count, and a sketch of a union is the merge of the sketches", () => {
    const a = createRegisters(12);
    const b = createRegisters(12);
    const both = createRegisters(12);
    for (let i = 0; i < 3000; i++) {
      addValue(i % 2 ? a : b, 12, `v${i}`);
      addValue(both, 12, `v${i}`);
      addValue(both, 12, `v${i}`);
    }
    expect(mergeRegisters(a, b)).toEqual(both);
  });
});
