import { afterAll } from "bun:test";
import { createClient } from "redis";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { createRedisStateStore } from "./redis.ts";
import { stateStoreContract } from "./state.contract.ts";

const url = requireEnv("FG_REDIS_URL");
const keyPrefix = `fg:test:${uniqueName("state")}:`;

stateStoreContract("redis", () => createRedisStateStore({ url, keyPrefix }));

afterAll(async () => {
  const client = createClient({ url });
  await client.connect();
  for await (const keys of client.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1000 })) if (keys.length) await client.del(keys);
  await client.quit();
});
