/** MurmurHash3 x86_32 against the reference implementation's published vectors. */
import { expect, test } from "bun:test";
import { murmur3 } from "./murmur3.ts";

test.each<[string, number, number]>([
  ["", 0, 0],
  ["", 1, 0x514e28b7],
  ["", 0xffffffff, 0x81f16f39],
  ["hello", 0, 0x248bfa47],
  ["The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723],
  ["a", 0x9747b28c, 0x7fa09ea6],
  ["ab", 0x9747b28c, 0x74875592],
  ["abc", 0x9747b28c, 0xc84a62dd],
  ["abcd", 0x9747b28c, 0xf0478627],
  ["Hello, world!", 0x9747b28c, 0x24884cba],
])("murmur3(%p, %p)", (text, seed, hash) => {
  expect(murmur3(text, seed)).toBe(hash);
});
