/**
 * What happens when Redis cannot be asked (FG_RATE_LIMIT_REDIS_DOWN): `local` limits each gateway
 * on its own (the default: the limit then holds per gateway rather than in total), `allow` admits
 * everything, `deny` admits nothing. Either way the gateway keeps serving: never a crash.
 */
import type { Logger } from "../../infra/telemetry/logger.ts";
import { counter } from "../../infra/telemetry/metrics.ts";
import type { LimitDecision, RateLimiter } from "./limiter.ts";
import { createMemoryLimiter } from "./memory.ts";

export type RedisDownPolicy = "local" | "allow" | "deny";

const fallbacks = counter("gateway_rate_limit_fallback_total", "Rate-limit decisions made without Redis, by policy", ["policy"]);

export function withRedisDownPolicy(shared: RateLimiter, policy: RedisDownPolicy, logger: Logger): RateLimiter {
  const local = createMemoryLimiter();
  let down = false;
  return {
    async take(buckets, n): Promise<LimitDecision> {
      try {
        const decision = await shared.take(buckets, n);
        if (down) logger.info("rate limits: Redis is back; limits are shared again");
        down = false;
        return decision;
      } catch (err) {
        if (!down) logger.warn("rate limits: Redis unavailable; applying FG_RATE_LIMIT_REDIS_DOWN", { policy, err: String(err) });
        down = true;
        fallbacks.inc({ policy });
        const b = buckets[0]!;
        if (policy === "allow") return { allowed: true, limit: b.rate, remaining: b.burst, resetMs: 0 };
        if (policy === "deny") return { allowed: false, limit: b.rate, retryAfterMs: 1_000, resetMs: 1_000 };
        return local.take(buckets, n);
      }
    },
    async close() {
      await shared.close();
    },
  };
}
