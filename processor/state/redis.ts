/**
 * The Redis state backend. Per partition, three keys under the configured prefix (one hash tag,
 * so they stay on one slot of a cluster):
 *   <prefix>{<topic>:<partition>}:state   hash: record name -> JSON (see processor/engine/records.ts)
 *   <prefix>{<topic>:<partition>}:offset  the next offset the state does not include
 *   <prefix>{<topic>:<partition>}:epoch   the owner's lease number
 * A save is one Lua script: it checks the lease, applies deletes and writes, and moves the offset,
 * all or nothing, so state and offset can never disagree.
 */
import { createClient } from "redis";
import type { Records } from "../engine/records.ts";
import { FencedError, type PartitionRef, type StateStore } from "./port.ts";

export interface RedisStateOptions {
  url: string;
  /** Prepended to every key, e.g. "fg:processor:<group>:". */
  keyPrefix: string;
  /** Connection trouble (the client reconnects by itself); default: ignored. */
  onError?: (err: unknown) => void;
}

/** Arguments go to HDEL/HSET in slices: Lua's unpack has a stack limit of a few thousand. */
const SAVE = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return redis.error_reply('FENCED') end
local ndel = tonumber(ARGV[3])
local first, last = 4, 3 + ndel
for i = first, last, 1000 do redis.call('HDEL', KEYS[1], unpack(ARGV, i, math.min(i + 999, last))) end
for i = last + 1, #ARGV, 1000 do redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

export async function createRedisStateStore(options: RedisStateOptions): Promise<StateStore> {
  const client = createClient({
    url: options.url,
    // While Redis is away (stopped, restarting) commands wait in the client's queue and go out on
    // reconnect: a save then takes as long as the outage, and the batch, its commit and the
    // partition wait with it; nothing is lost or applied twice (the save is one script).
    socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
  });
  // Without a listener a dropped connection is an unhandled 'error' event, which ended the
  // processor at the soak's "Redis stopped" fault.
  client.on("error", (err) => options.onError?.(err));
  await client.connect();
  let saveSha = await client.scriptLoad(SAVE);
  const keys = (p: PartitionRef) => {
    const base = `${options.keyPrefix}{${p.topic}:${p.partition}}`;
    return { state: `${base}:state`, offset: `${base}:offset`, epoch: `${base}:epoch` };
  };
  return {
    async claim(partition) {
      const k = keys(partition);
      const epoch = await client.incr(k.epoch);
      // Read after the claim: nothing an earlier owner saves from now on can land.
      const [records, nextOffset] = await Promise.all([client.hGetAll(k.state), client.get(k.offset)]);
      return { lease: { partition, epoch }, checkpoint: { records: { ...records } as Records, nextOffset } };
    },
    async save(lease, delta, nextOffset) {
      const k = keys(lease.partition);
      const args = [String(lease.epoch), nextOffset, String(delta.del.length), ...delta.del];
      for (const [name, text] of delta.put) args.push(name, text);
      const options = { keys: [k.state, k.offset, k.epoch], arguments: args };
      try {
        try {
          await client.evalSha(saveSha, options);
        } catch (err) {
          // A restarted Redis (or a replica promoted in a failover) has an empty script cache:
          // load the script again and retry once. Without this every save failed with NOSCRIPT
          // after the soak's "Redis stopped" fault, and the processor retried for ever.
          if (!(err instanceof Error && err.message.includes("NOSCRIPT"))) throw err;
          saveSha = await client.scriptLoad(SAVE);
          await client.evalSha(saveSha, options);
        }
      } catch (err) {
        if (err instanceof Error && err.message.includes("FENCED")) throw new FencedError(lease.partition);
        throw err;
      }
    },
    async size(partition) {
      return (await client.memoryUsage(keys(partition).state)) ?? 0;
    },
    async close() {
      await client.quit();
    },
  };
}
