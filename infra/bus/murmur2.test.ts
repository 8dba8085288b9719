import { expect, test } from "bun:test";
import { murmur2 as reference } from "@platformatic/kafka";
import { murmur2 } from "./murmur2.ts";

test("Kafka's own test vectors (Java client, UtilsTest.testMurmur2)", () => {
  const cases: [string, number][] = [
    ["21", -973932308], ["foobar", -790332482], ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829], ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971], ["abc", 479470107],
  ];
  for (const [key, hash] of cases) expect([key, murmur2(Buffer.from(key))]).toEqual([key, hash]);
});

test("the same hash as @platformatic/kafka's BigInt port for keys of every length mod 4, multi-byte UTF-8 included", () => {
  const keys = Array.from({ length: 2_000 }, (_, i) => `app-${i % 7}:user-${i * 7919}${"é✓".repeat(i % 5)}`.slice(0, 1 + (i % 40)));
  keys.push("");
  for (const key of keys) expect([key, murmur2(Buffer.from(key))]).toEqual([key, reference(Buffer.from(key))]);
});
