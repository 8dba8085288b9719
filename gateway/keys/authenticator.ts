/**
 * Resolves an API key to its app on every request, from a TTL cache in front of the key store:
 * a revocation takes effect within the TTL on every gateway. Unknown ids are cached too (for a
 * shorter time), so a client hammering with a bad key does not hammer the store.
 */
import type { AuthResult } from "../ingest/types.ts";
import { hashMatches, keyIdOf } from "./secret.ts";
import type { ApiKey, KeyStore } from "./store.ts";

export interface Authenticator {
  /** `fresh`: ask the store, not the cache (open streams' periodic re-check, gateway/keys/watch.ts). */
  authenticate(secret: string | undefined, opts?: { fresh?: boolean }): Promise<AuthResult>;
}

export function createAuthenticator(store: KeyStore, o: { ttlMs: number; now?: () => number }): Authenticator {
  const now = o.now ?? Date.now;
  // The stored hash is decoded once per cache fill, not on every request.
  type Entry = { key: ApiKey; hash: Buffer } | undefined;
  const cache = new Map<string, { entry: Entry; until: number }>();
  const MAX_ENTRIES = 100_000;

  async function lookup(id: string, fresh: boolean): Promise<Entry> {
    const hit = cache.get(id);
    if (!fresh && hit && hit.until > now()) return hit.entry;
    const key = await store.get(id);
    const entry = key && { key, hash: Buffer.from(key.hash, "hex") };
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(id, { entry, until: now() + (key ? o.ttlMs : Math.min(o.ttlMs, 5_000)) });
    return entry;
  }

  return {
    async authenticate(secret, opts) {
      if (!secret) return { ok: false, reason: "missing", message: "an API key is required: X-API-Key header or Authorization: Bearer <key>" };
      const id = keyIdOf(secret);
      const entry = id === undefined ? undefined : await lookup(id, opts?.fresh === true);
      if (!entry || !hashMatches(secret, entry.hash)) return { ok: false, reason: "invalid", message: "the API key is not valid" };
      const { key } = entry;
      if (key.revoked_at !== null) return { ok: false, reason: "revoked", message: `API key ${key.id} was revoked at ${key.revoked_at}` };
      return { ok: true, principal: { keyId: key.id, appId: key.app_id } };
    },
  };
}
