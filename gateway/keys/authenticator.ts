/**
 * Resolves an API key to its app on every request, from a TTL cache in front of the key store:
 * a revocation takes effect within the TTL on every gateway. Unknown ids are cached too (for a
 * shorter time), so a client hammering with a bad key does not hammer the store.
 */
import type { AuthResult } from "../ingest/types.ts";
import { hashMatches, keyIdOf } from "./secret.ts";
import type { ApiKey, KeyStore } from "./store.ts";

export interface Authenticator {
  authenticate(secret: string | undefined): Promise<AuthResult>;
}

export function createAuthenticator(store: KeyStore, o: { ttlMs: number; now?: () => number }): Authenticator {
  const now = o.now ?? Date.now;
  const cache = new Map<string, { key: ApiKey | undefined; until: number }>();
  const MAX_ENTRIES = 100_000;

  async function lookup(id: string): Promise<ApiKey | undefined> {
    const hit = cache.get(id);
    if (hit && hit.until > now()) return hit.key;
    const key = await store.get(id);
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(id, { key, until: now() + (key ? o.ttlMs : Math.min(o.ttlMs, 5_000)) });
    return key;
  }

  return {
    async authenticate(secret) {
      if (!secret) return { ok: false, reason: "missing", message: "an API key is required: X-API-Key header or Authorization: Bearer <key>" };
      const id = keyIdOf(secret);
      const key = id === undefined ? undefined : await lookup(id);
      if (!key || !hashMatches(secret, key.hash)) return { ok: false, reason: "invalid", message: "the API key is not valid" };
      if (key.revoked_at !== null) return { ok: false, reason: "revoked", message: `API key ${key.id} was revoked at ${key.revoked_at}` };
      return { ok: true, principal: { keyId: key.id, appId: key.app_id } };
    },
  };
}
