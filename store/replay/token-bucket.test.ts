import { describe, expect, test } from "bun:test";
import { createTokenBucket, type Clock } from "./token-bucket.ts";

function fakeClock(): Clock & { t: number } {
  const clock = { t: 0, now: () => clock.t, sleep: async (ms: number) => void (clock.t += ms) };
  return clock;
}

describe("token bucket", () => {
  test("a full bucket grants its burst at once", async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ rate: 100, burst: 50, clock });
    await bucket.take(50);
    expect(clock.t).toBe(0);
  });

  test("then grants tokens at the rate", async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ rate: 100, burst: 10, clock });
    for (let i = 0; i < 101; i++) await bucket.take(10);
    // 1010 tokens at 100/s with 10 up front take 10 s.
    expect(clock.t).toBe(10_000);
  });

  test("tokens accumulate while idle, up to the burst only", async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ rate: 10, burst: 20, clock });
    await bucket.take(20);
    clock.t += 60_000; // idle a minute: 600 tokens' worth, capped at 20
    await bucket.take(20);
    expect(clock.t).toBe(60_000);
    await bucket.take(5);
    expect(clock.t).toBe(60_500);
  });

  test("refuses a request larger than the bucket", async () => {
    const bucket = createTokenBucket({ rate: 10, burst: 5, clock: fakeClock() });
    await expect(bucket.take(6)).rejects.toThrow(RangeError);
  });
});
