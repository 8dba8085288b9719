/** The local stack's Redis answers the client the product uses (node-redis), scripts included. */
import { afterAll, expect, test } from "bun:test";
import { createClient } from "redis";
import { requireEnv, uniqueName } from "../support/services.ts";

const client = createClient({ url: requireEnv("FG_REDIS_URL") });
await client.connect();
afterAll(() => client.quit());

test("set, get and an atomic Lua script round-trip", async () => {
  const key = `fg:test:${uniqueName("redis")}`;
  await client.set(key, "41", { expiration: { type: "EX", value: 60 } });
  const next = await client.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", { keys: [key], arguments: ["1"] });
  expect(next).toBe(42);
  expect(await client.get(key)).toBe("42");
  await client.del(key);
});
