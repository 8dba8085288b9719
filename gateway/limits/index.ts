/**
 * The gateway's rate limits from configuration: per app and per key, events per second with a
 * burst, app overrides from FG_RATE_LIMIT_APPS; shared through Redis when FG_REDIS_URL is set.
 */
import type { GatewayEnv } from "../config.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { Principal } from "../ingest/types.ts";
import type { BucketSpec, RateLimiter } from "./limiter.ts";
import { createMemoryLimiter } from "./memory.ts";
import { withRedisDownPolicy } from "./policy.ts";
import { createRedisLimiter } from "./redis.ts";

export type { BucketSpec, LimitDecision, RateLimiter } from "./limiter.ts";

export function bucketsFor(env: GatewayEnv, p: Principal): BucketSpec[] {
  const app = env.FG_RATE_LIMIT_APPS?.[p.appId];
  return [
    { key: `app:${p.appId}`, rate: app?.rate ?? env.FG_RATE_LIMIT_APP_RATE, burst: app?.burst ?? env.FG_RATE_LIMIT_APP_BURST },
    { key: `key:${p.keyId}`, rate: env.FG_RATE_LIMIT_KEY_RATE, burst: env.FG_RATE_LIMIT_KEY_BURST },
  ];
}

export function createRateLimiter(env: GatewayEnv, logger: Logger): RateLimiter {
  if (!env.FG_REDIS_URL) return createMemoryLimiter();
  const redis = createRedisLimiter({
    url: env.FG_REDIS_URL, keyPrefix: "fg:ratelimit:", maxLease: env.FG_RATE_LIMIT_MAX_LEASE, timeoutMs: env.FG_RATE_LIMIT_REDIS_TIMEOUT_MS,
  });
  return withRedisDownPolicy(redis, env.FG_RATE_LIMIT_REDIS_DOWN, logger);
}
