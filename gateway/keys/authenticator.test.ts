/** The key cache, and the fresh look-up that open streams' re-check uses (watch.ts). */
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthenticator } from "./authenticator.ts";
import { createFileKeyStore } from "./file-store.ts";
import { hashSecret, newSecret } from "./secret.ts";
import { createKeyWatch } from "./watch.ts";

async function withKey() {
  const store = createFileKeyStore(join(mkdtempSync(join(tmpdir(), "fg-keys-")), "keys.json"));
  const { id, secret } = newSecret();
  await store.add({ id, app_id: "shop", name: "t", hash: hashSecret(secret), created_at: new Date().toISOString(), revoked_at: null });
  return { store, id, secret, auth: createAuthenticator(store, { ttlMs: 60_000 }) };
}

test("a revocation: the cache trusts the key until its TTL, a fresh look-up sees it at once", async () => {
  const { store, id, secret, auth } = await withKey();
  expect(await auth.authenticate(secret)).toMatchObject({ ok: true });
  await store.revoke(id, new Date());
  expect(await auth.authenticate(secret)).toMatchObject({ ok: true });
  expect(await auth.authenticate(secret, { fresh: true })).toMatchObject({ ok: false, reason: "revoked" });
});

test("the watch tells every stream of a key once it is refused, and keeps streams open while the store cannot answer", async () => {
  const { store, id, secret, auth } = await withKey();
  let down = false;
  const watch = createKeyWatch({ authenticate: (k, o) => (down ? Promise.reject(new Error("store down")) : auth.authenticate(k, o)), intervalMs: 60_000 });
  const told: string[] = [];
  watch.watch(secret, (r) => told.push(`a:${r.reason}`));
  const stopB = watch.watch(secret, (r) => told.push(`b:${r.reason}`));
  watch.watch("fgk_0000000000000000_" + "x".repeat(43), (r) => told.push(`c:${r.reason}`));
  await watch.sweep();
  expect(told).toEqual(["c:invalid"]);
  await store.revoke(id, new Date());
  down = true;
  await watch.sweep();
  expect(told).toEqual(["c:invalid"]);
  down = false;
  stopB();
  await watch.sweep();
  expect(told).toEqual(["c:invalid", "a:revoked"]);
  await watch.sweep();
  expect(told).toHaveLength(2);
  watch.stop();
});
