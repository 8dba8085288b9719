/**
 * Rate limits shared by every gateway through Redis, without a Redis round trip per event: a
 * gateway takes a small lease of tokens from each bucket in one atomic script and spends it
 * locally. Leases are small (a fiftieth of the rate, capped) and live a second: the limit can be
 * overshot by at most one lease per gateway, and a lease a gateway stops using is lost after a
 * second (the app is then under-admitted by that much, never over).
 */
import { createClient } from "redis";
import { decide, type BucketSpec, type LimitDecision, type RateLimiter } from "./limiter.ts";

// Refill every bucket from Redis's own clock (gateways' clocks differ). Each bucket must have
// what the request still needs beyond the caller's lease ("need"); then each grants up to "want"
// (need plus a new lease), or none grants anything and the caller waits.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = {}
local ok = 1
for i = 1, #KEYS do
  local rate, burst, need = tonumber(ARGV[i * 4 - 3]), tonumber(ARGV[i * 4 - 2]), tonumber(ARGV[i * 4 - 1])
  local s = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local have = tonumber(s[1]) or burst
  local at = tonumber(s[2]) or now
  have = math.min(burst, have + math.max(0, now - at) * rate / 1000)
  tokens[i] = have
  if have < need then ok = 0 end
end
local out = { ok }
for i = 1, #KEYS do
  local rate, burst, want = tonumber(ARGV[i * 4 - 3]), tonumber(ARGV[i * 4 - 2]), tonumber(ARGV[i * 4])
  local grant = 0
  if ok == 1 then grant = math.floor(math.min(tokens[i], want)) end
  local left = tokens[i] - grant
  redis.call('HSET', KEYS[i], 'tokens', tostring(left), 'at', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst * 1000 / rate) + 1000)
  table.insert(out, grant)
  table.insert(out, tostring(left))
end
return out`;

const LEASE_MS = 1_000;

export interface RedisLimiterOptions {
  url: string;
  keyPrefix: string;
  /** Tokens a lease asks for beyond the request: a share of the rate, capped. */
  maxLease: number;
  /** A Redis call slower than this counts as Redis being down. */
  timeoutMs: number;
  now?: () => number;
}

export interface RedisLimiter extends RateLimiter {
  /** Resolves true once connected, or false after timeoutMs (the limiter works either way). */
  connected(timeoutMs: number): Promise<boolean>;
}

export function createRedisLimiter(o: RedisLimiterOptions): RedisLimiter {
  const now = o.now ?? Date.now;
  const client = createClient({
    url: o.url,
    disableOfflineQueue: true, // fail at once while disconnected, so the fallback policy applies at once
    socket: { connectTimeout: o.timeoutMs * 5, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
  });
  client.on("error", () => {}); // reconnects by itself; the take() that fails applies the policy
  // Not awaited: a gateway starts without Redis and shares limits once Redis answers.
  const connecting = client.connect().then(() => true, () => false);
  const leases = new Map<string, { tokens: number; until: number }>();
  const leaseSize = (b: BucketSpec) => Math.max(1, Math.min(o.maxLease, Math.ceil(b.rate / 50)));

  function spendLocally(specs: readonly BucketSpec[], n: number): LimitDecision | undefined {
    const t = now();
    const held = specs.map((b) => leases.get(b.key));
    if (!held.every((l) => l && l.until > t && l.tokens >= n)) return undefined;
    for (const l of held) l!.tokens -= n;
    return decide(specs, held.map((l) => l!.tokens + n), n);
  }

  async function take(specs: readonly BucketSpec[], n: number): Promise<LimitDecision> {
    const local = spendLocally(specs, n);
    if (local) return local;
    const asked = now();
    const kept = specs.map((b) => {
      const lease = leases.get(b.key);
      return lease && lease.until > asked ? lease.tokens : 0;
    });
    const need = kept.map((k) => Math.max(0, n - k));
    const args = specs.flatMap((b, i) => [b.rate, b.burst, need[i]!, need[i]! + leaseSize(b)].map(String));
    const call = client.eval(TAKE, { keys: specs.map((b) => `${o.keyPrefix}${b.key}`), arguments: args });
    const reply = (await withTimeout(call, o.timeoutMs)) as (number | string)[];
    const left = specs.map((_, i) => Number(reply[2 + i * 2]));
    if (reply[0] !== 1) return decide(specs, left.map((l, i) => l + kept[i]!), n);
    specs.forEach((b, i) => {
      // Concurrent takes may have spent from the lease meanwhile: start from what it holds now.
      const lease = leases.get(b.key);
      const held = lease && lease.until > asked ? lease.tokens : 0;
      leases.set(b.key, { tokens: held + Number(reply[1 + i * 2]) - n, until: asked + LEASE_MS });
    });
    // Headers speak of the shared bucket plus what this gateway still holds of it.
    return decide(specs, specs.map((b, i) => left[i]! + leases.get(b.key)!.tokens + n), n);
  }

  return {
    take,
    connected: (timeoutMs) => Promise.race([connecting, Bun.sleep(timeoutMs).then(() => client.isReady)]),
    async close() {
      await client.close().catch(() => {});
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms))),
  ]);
}
