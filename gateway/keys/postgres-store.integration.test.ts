import { afterAll, expect, test } from "bun:test";
import postgres from "postgres";
import type { Env } from "../../infra/app/config/schema.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { runKeysCommand } from "./cli.ts";
import { createAuthenticator } from "./authenticator.ts";
import { createPostgresKeyStore } from "./postgres-store.ts";
import { keyStoreContract } from "./store.contract.ts";

const url = requireEnv("FG_POSTGRES_URL");
const schema = uniqueName("fg_keys");
afterAll(async () => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`drop schema if exists ${sql(schema)} cascade`;
  await sql.end();
});

keyStoreContract("postgres", () => createPostgresKeyStore(url, schema));

test("the CLI creates a key (secret printed once), lists it without the secret, and revokes it", async () => {
  const out: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
  const env = { FG_POSTGRES_URL: url, FG_DATA_DIR: "/nonexistent" } as Env;
  // The CLI uses the default schema; this test reads it back through the same store.
  expect(await runKeysCommand(["create", "--app", "cli-test", "--name", "ci"], env, io)).toBe(0);
  const secret = out[1]!;
  const id = /created key ([0-9a-f]+)/.exec(out[0]!)![1]!;
  const store = await createPostgresKeyStore(url);
  expect((await createAuthenticator(store, { ttlMs: 0 }).authenticate(secret))).toEqual({ ok: true, principal: { keyId: id, appId: "cli-test" } });
  out.length = 0;
  expect(await runKeysCommand(["list", "--app", "cli-test"], env, io)).toBe(0);
  expect(out.join("\n")).toContain(id);
  expect(out.join("\n")).not.toContain(secret);
  expect(await runKeysCommand(["revoke", id], env, io)).toBe(0);
  expect(await runKeysCommand(["revoke", id], env, io)).toBe(1);
  expect(await createAuthenticator(store, { ttlMs: 0 }).authenticate(secret)).toMatchObject({ ok: false, reason: "revoked" });
  expect(await runKeysCommand(["create"], env, io)).toBe(2);
  await store.close();
});
