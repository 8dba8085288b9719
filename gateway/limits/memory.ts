/** Rate limits held in this process: embedded defaults, and the fallback when Redis is down. */
import { decide, refill, type BucketSpec, type RateLimiter } from "./limiter.ts";

export function createMemoryLimiter(now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const MAX_BUCKETS = 100_000;
  const state = (b: BucketSpec, t: number) => {
    const s = buckets.get(b.key);
    if (s) return { tokens: refill(s.tokens, s.at, t, b), at: t };
    if (buckets.size >= MAX_BUCKETS) buckets.clear(); // idle buckets refill to full anyway
    return { tokens: b.burst, at: t };
  };
  return {
    async take(specs, n) {
      const t = now();
      const states = specs.map((b) => state(b, t));
      const decision = decide(specs, states.map((s) => s.tokens), n);
      specs.forEach((b, i) => buckets.set(b.key, { tokens: states[i]!.tokens - (decision.allowed ? n : 0), at: t }));
      return decision;
    },
    close: async () => {},
  };
}
