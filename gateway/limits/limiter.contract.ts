/** What every rate limiter does: run against the in-memory limiter and the Redis one. */
import { expect, test } from "bun:test";
import { uniqueName } from "../../test/support/services.ts";
import type { RateLimiter } from "./limiter.ts";

export function limiterContract(name: string, open: () => Promise<RateLimiter>): void {
  test(`${name}: a burst is admitted, the next request waits for the rate, and nothing is charged when denied`, async () => {
    const limiter = await open();
    const bucket = { key: uniqueName("b"), rate: 10, burst: 100 };
    const first = await limiter.take([bucket], 100);
    expect(first.allowed).toBe(true);
    const denied = await limiter.take([bucket], 50);
    expect(denied.allowed).toBe(false);
    if (denied.allowed) throw new Error("unreachable");
    // 50 tokens at 10/s: about 5 s (a little less once time has passed).
    expect(denied.retryAfterMs).toBeGreaterThan(4_000);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(5_000);
    await limiter.close();
  });

  test(`${name}: all buckets must grant; the tighter one decides and names the limit`, async () => {
    const limiter = await open();
    const app = { key: uniqueName("app"), rate: 1_000, burst: 1_000 };
    const key = { key: uniqueName("key"), rate: 5, burst: 20 };
    const ok = await limiter.take([app, key], 15);
    expect(ok).toMatchObject({ allowed: true, limit: 5 });
    const no = await limiter.take([app, key], 15);
    expect(no).toMatchObject({ allowed: false, limit: 5 });
    // The app bucket was not charged for the denied request: 985 left for another key.
    const other = await limiter.take([app, { key: uniqueName("key"), rate: 1_000, burst: 1_000 }], 985);
    expect(other.allowed).toBe(true);
    await limiter.close();
  });
}
