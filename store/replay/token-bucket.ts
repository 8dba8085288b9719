/**
 * A token bucket on an injected clock: take(n) resolves once n tokens are available, refilled
 * at `rate` per second up to `burst`. Replay uses it to bound how fast it publishes, so a large
 * replay does not starve live traffic on the topic.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => performance.now(), sleep: (ms) => Bun.sleep(ms) };

export interface TokenBucket {
  /** n must not exceed the burst: a request larger than the bucket could never be met. */
  take(n: number): Promise<void>;
}

export function createTokenBucket(options: { rate: number; burst: number; clock: Clock }): TokenBucket {
  const { rate, burst, clock } = options;
  let tokens = burst;
  let last = clock.now();
  const refill = () => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + ((now - last) * rate) / 1000);
    last = now;
  };
  return {
    async take(n) {
      if (n > burst) throw new RangeError(`cannot take ${n} tokens from a bucket of ${burst}`);
      refill();
      while (tokens < n) {
        await clock.sleep(Math.ceil(((n - tokens) * 1000) / rate));
        refill();
      }
      tokens -= n;
    },
  };
}
