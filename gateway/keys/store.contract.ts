/** What every key store does, with the authenticator in front: run against the file and Postgres stores. */
import { expect, test } from "bun:test";
import { createAuthenticator } from "./authenticator.ts";
import { hashSecret, newSecret } from "./secret.ts";
import type { KeyStore } from "./store.ts";

export function keyStoreContract(name: string, open: () => Promise<KeyStore>): void {
  const make = (app: string) => {
    const { id, secret } = newSecret();
    return { secret, key: { id, app_id: app, name: "t", hash: hashSecret(secret), created_at: new Date().toISOString(), revoked_at: null } };
  };

  test(`${name}: a key resolves to its app; a wrong or malformed secret does not`, async () => {
    const store = await open();
    const { secret, key } = make("shop");
    await store.add(key);
    const auth = createAuthenticator(store, { ttlMs: 60_000 });
    expect(await auth.authenticate(secret)).toEqual({ ok: true, principal: { keyId: key.id, appId: "shop" } });
    const forged = `${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
    expect(await auth.authenticate(forged)).toMatchObject({ ok: false, reason: "invalid" });
    expect(await auth.authenticate("not-a-key")).toMatchObject({ ok: false, reason: "invalid" });
    expect(await auth.authenticate(undefined)).toMatchObject({ ok: false, reason: "missing" });
    await store.close();
  });

  test(`${name}: a revoked key stops working once the cache entry expires; revoking twice says so`, async () => {
    const store = await open();
    const { secret, key } = make("billing");
    await store.add(key);
    let now = 1_000_000;
    const auth = createAuthenticator(store, { ttlMs: 1_000, now: () => now });
    expect((await auth.authenticate(secret)).ok).toBe(true);
    expect(await store.revoke(key.id, new Date())).toBe(true);
    expect(await store.revoke(key.id, new Date())).toBe(false);
    expect((await auth.authenticate(secret)).ok).toBe(true); // cached
    now += 1_001;
    expect(await auth.authenticate(secret)).toMatchObject({ ok: false, reason: "revoked" });
    expect((await store.list("billing")).map((k) => k.id)).toContain(key.id);
    expect((await store.list("nobody"))).toEqual([]);
    await store.close();
  });
}
