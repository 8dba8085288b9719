/** FG_RATE_LIMIT_REDIS_DOWN on a shared limiter that fails the way Redis does when it is away. */
import { expect, test } from "bun:test";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { registry } from "../../infra/telemetry/metrics.ts";
import type { LimitDecision, RateLimiter } from "./limiter.ts";
import { withRedisDownPolicy, type RedisDownPolicy } from "./policy.ts";

const bucket = { key: "app:shop", rate: 10, burst: 10 };
const grant: LimitDecision = { allowed: true, limit: 10, remaining: 9, resetMs: 100 };

function flakyRedis() {
  let up = false;
  const shared: RateLimiter = {
    take: async () => {
      if (!up) throw new Error("Redis did not answer within 50 ms");
      return grant;
    },
    close: async () => {},
  };
  return { shared, setUp: (v: boolean) => (up = v) };
}

async function takeMany(limiter: RateLimiter, times: number) {
  const decisions: LimitDecision[] = [];
  for (let i = 0; i < times; i++) decisions.push(await limiter.take([bucket], 1));
  return decisions.map((d) => d.allowed);
}

async function fallbacksCounted(policy: RedisDownPolicy): Promise<number> {
  const metric = await registry.getSingleMetric("fluxgate_gateway_rate_limit_fallback_total")?.get();
  return metric?.values.find((v) => v.labels.policy === policy)?.value ?? 0;
}

const allowedOf = async (policy: RedisDownPolicy) => {
  const { shared } = flakyRedis();
  return takeMany(withRedisDownPolicy(shared, policy, createLogger("error")), 15);
};

test("Redis down: local applies the limit in this process, allow admits all, deny refuses all; none throws", async () => {
  const local = await allowedOf("local");
  expect(local.filter(Boolean)).toHaveLength(10);
  expect(local.slice(10).some(Boolean)).toBe(false);
  const counted = await fallbacksCounted("allow");
  expect((await allowedOf("allow")).every(Boolean)).toBe(true);
  expect(await fallbacksCounted("allow")).toBe(counted + 15);
  expect((await allowedOf("deny")).some(Boolean)).toBe(false);
});

test("once Redis answers again its decisions are used", async () => {
  const { shared, setUp } = flakyRedis();
  const limiter = withRedisDownPolicy(shared, "deny", createLogger("error"));
  expect((await limiter.take([bucket], 1)).allowed).toBe(false);
  setUp(true);
  expect(await limiter.take([bucket], 1)).toEqual(grant);
});
