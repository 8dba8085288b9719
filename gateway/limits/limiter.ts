/**
 * The rate-limit port. A submission of n events takes n tokens from every bucket it is subject
 * to (its app's and its key's); either all of them grant, or none is charged and the caller
 * learns how long to wait. Buckets are token buckets: `rate` tokens per second, up to `burst`.
 */

export interface BucketSpec {
  key: string;
  rate: number;
  burst: number;
}

export type LimitDecision =
  | { allowed: true; limit: number; remaining: number; resetMs: number }
  | { allowed: false; limit: number; retryAfterMs: number; resetMs: number };

export interface RateLimiter {
  take(buckets: readonly BucketSpec[], n: number): Promise<LimitDecision>;
  close(): Promise<void>;
}

/** Tokens after refilling from `at` to `now` (ms). */
export const refill = (tokens: number, at: number, now: number, b: BucketSpec): number =>
  Math.min(b.burst, tokens + (Math.max(0, now - at) * b.rate) / 1000);

/** How long until `need` tokens are there, starting from `tokens`. */
export const waitFor = (tokens: number, need: number, b: BucketSpec): number => (need <= tokens ? 0 : Math.ceil(((need - tokens) * 1000) / b.rate));

/** RateLimit-* headers describe the tightest bucket: the one with the least left. */
export function decide(buckets: readonly BucketSpec[], tokensLeft: readonly number[], n: number): LimitDecision {
  const tightest = tokensLeft.reduce((best, t, i) => (t < tokensLeft[best]! ? i : best), 0);
  const b = buckets[tightest]!;
  const left = tokensLeft[tightest]!;
  const retryAfterMs = Math.max(...buckets.map((bucket, i) => waitFor(tokensLeft[i]!, n, bucket)));
  const resetMs = waitFor(left, b.burst, b);
  if (retryAfterMs > 0) return { allowed: false, limit: b.rate, retryAfterMs, resetMs };
  return { allowed: true, limit: b.rate, remaining: Math.floor(left - n), resetMs };
}
