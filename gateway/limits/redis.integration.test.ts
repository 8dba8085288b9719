/** The shared limiter against the real Redis: the contract, the total across gateways, and Redis down. */
import { expect, test } from "bun:test";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { limiterContract } from "./limiter.contract.ts";
import { withRedisDownPolicy } from "./policy.ts";
import { createRedisLimiter } from "./redis.ts";

const url = requireEnv("FG_REDIS_URL");
async function open() {
  const limiter = createRedisLimiter({ url, keyPrefix: `${uniqueName("rl")}:`, maxLease: 200, timeoutMs: 500 });
  expect(await limiter.connected(5_000)).toBe(true);
  return limiter;
}

limiterContract("redis", open);

test("two gateways sharing one bucket admit its rate within 10% in total", async () => {
  const prefix = `${uniqueName("rl")}:`;
  const gateways = [0, 1].map(() => createRedisLimiter({ url, keyPrefix: prefix, maxLease: 200, timeoutMs: 500 }));
  for (const g of gateways) expect(await g.connected(5_000)).toBe(true);
  const bucket = { key: "app:shared", rate: 2_000, burst: 200 };
  const seconds = 3;
  const deadline = performance.now() + seconds * 1_000;
  const admitted = [0, 0];
  // Each gateway sends batches of 10 as fast as it can: far over the rate.
  await Promise.all(gateways.map(async (g, i) => {
    while (performance.now() < deadline) {
      if ((await g.take([bucket], 10)).allowed) admitted[i]! += 10;
      else await Bun.sleep(1);
    }
  }));
  const total = admitted[0]! + admitted[1]!;
  const expected = bucket.burst + bucket.rate * seconds;
  expect(Math.abs(total - expected) / expected).toBeLessThan(0.1);
  expect(Math.min(...admitted)).toBeGreaterThan(0);
  await Promise.all(gateways.map((g) => g.close()));
});

test("Redis unreachable: the local policy limits per gateway at once, and never throws", async () => {
  const dead = createRedisLimiter({ url: "redis://127.0.0.1:1", keyPrefix: "x:", maxLease: 10, timeoutMs: 100 });
  const limiter = withRedisDownPolicy(dead, "local", createLogger("error"));
  const bucket = { key: "app:down", rate: 1, burst: 5 };
  const started = performance.now();
  expect((await limiter.take([bucket], 5)).allowed).toBe(true);
  expect((await limiter.take([bucket], 5)).allowed).toBe(false);
  expect(performance.now() - started).toBeLessThan(500);
  expect((await withRedisDownPolicy(dead, "deny", createLogger("error")).take([bucket], 1)).allowed).toBe(false);
  expect((await withRedisDownPolicy(dead, "allow", createLogger("error")).take([bucket], 1_000)).allowed).toBe(true);
  await limiter.close();
});
