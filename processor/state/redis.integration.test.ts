import { afterAll, expect, test } from "bun:test";
import type { Socket } from "bun";
import { createClient } from "redis";
import { freePort } from "../../test/support/free-port.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";
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

/** A TCP relay to Redis that can drop every connection and refuse new ones for a while: Redis going away, as a stop or restart does. */
function relay(target: URL) {
  let down = false;
  type Side = { peer?: Socket<Side>; queue: Uint8Array[] };
  const open = new Set<Socket<Side>>();
  const server = Bun.listen<Side>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      async open(client) {
        client.data = { queue: [] };
        if (down) return void client.end();
        open.add(client);
        const upstream = await Bun.connect<Side>({
          hostname: target.hostname, port: Number(target.port),
          socket: { data: (_, chunk) => void client.write(chunk), close: () => void client.end(), error: () => void client.end() },
        });
        upstream.data = { peer: client, queue: [] };
        client.data.peer = upstream;
        for (const chunk of client.data.queue.splice(0)) upstream.write(chunk);
      },
      data(client, chunk) {
        if (client.data.peer) client.data.peer.write(chunk);
        else client.data.queue.push(new Uint8Array(chunk));
      },
      close: (client) => {
        open.delete(client);
        client.data.peer?.end();
      },
      error: (client) => void client.data.peer?.end(),
    },
  });
  return {
    url: `redis://127.0.0.1:${server.port}`,
    cut() {
      down = true;
      // A reset, as a killed server gives, not a polite close.
      for (const s of open) s.terminate();
      open.clear();
    },
    restore: () => void (down = false),
    stop: () => server.stop(true),
  };
}

test("Redis going away and coming back: the store reports it and a save waits for Redis instead of the process dying", async () => {
  const r = relay(new URL(url));
  const errors: unknown[] = [];
  const store = await createRedisStateStore({ url: r.url, keyPrefix, onError: (err) => errors.push(err) });
  const partition = { topic: "fg.events", partition: 7 };
  const { lease } = await store.claim(partition);
  await store.save(lease, { put: new Map([["a", "1"]]), del: [] }, "1");
  r.cut();
  await Bun.sleep(300);
  const saving = store.save(lease, { put: new Map([["b", "2"]]), del: [] }, "2");
  await Bun.sleep(300);
  r.restore();
  await saving;
  expect(errors.length).toBeGreaterThan(0);
  const again = await createRedisStateStore({ url, keyPrefix });
  const { checkpoint } = await again.claim(partition);
  expect(checkpoint).toEqual({ records: { a: "1", b: "2" }, nextOffset: "2" });
  await store.close();
  await again.close();
  r.stop();
});

test("a Redis that lost its script cache (a restart, a failover): the save loads the script again instead of failing for ever", async () => {
  // A Redis of the test's own: flushing the shared one's scripts would hit every other user of it.
  const port = freePort();
  const server = Bun.spawn(["redis-server", "--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"], { stdout: "ignore", stderr: "ignore" });
  try {
    const own = `redis://127.0.0.1:${port}`;
    const answers = () => Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then((s) => (s.end(), true), () => false);
    await waitFor(answers, (ok) => ok, { what: "the test's redis-server" });
    const admin = createClient({ url: own });
    await admin.connect();
    const store = await createRedisStateStore({ url: own, keyPrefix });
    const partition = { topic: "fg.events", partition: 8 };
    const { lease } = await store.claim(partition);
    await store.save(lease, { put: new Map([["a", "1"]]), del: [] }, "1");
    await admin.scriptFlush();
    await store.save(lease, { put: new Map([["b", "2"]]), del: [] }, "2");
    expect((await store.claim(partition)).checkpoint).toEqual({ records: { a: "1", b: "2" }, nextOffset: "2" });
    await store.close();
    await admin.quit();
  } finally {
    server.kill();
  }
}, 15_000);
