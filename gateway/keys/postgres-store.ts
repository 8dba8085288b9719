/** API keys in Postgres (`<schema>.api_keys`), shared by every gateway. */
import postgres, { type Sql } from "postgres";
import type { ApiKey, KeyStore } from "./store.ts";

export async function createPostgresKeyStore(url: string, schema = "fluxgate"): Promise<KeyStore> {
  const sql: Sql = postgres(url, { max: 4, onnotice: () => {}, connect_timeout: 5 });
  const s = sql(schema);
  await sql`create schema if not exists ${s}`;
  await sql`create table if not exists ${s}.api_keys (
    id text primary key,
    app_id text not null,
    name text not null,
    hash text not null,
    created_at timestamptz not null,
    revoked_at timestamptz
  )`;
  await sql`create index if not exists api_keys_app on ${s}.api_keys (app_id)`;
  const row = (r: Record<string, unknown>): ApiKey => ({
    id: r.id as string, app_id: r.app_id as string, name: r.name as string, hash: r.hash as string,
    created_at: (r.created_at as Date).toISOString(), revoked_at: r.revoked_at ? (r.revoked_at as Date).toISOString() : null,
  });
  return {
    async add(k) {
      await sql`insert into ${s}.api_keys (id, app_id, name, hash, created_at) values (${k.id}, ${k.app_id}, ${k.name}, ${k.hash}, ${k.created_at})`;
    },
    async get(id) {
      const [r] = await sql`select * from ${s}.api_keys where id = ${id}`;
      return r ? row(r) : undefined;
    },
    async revoke(id, at) {
      const r = await sql`update ${s}.api_keys set revoked_at = ${at} where id = ${id} and revoked_at is null`;
      return r.count === 1;
    },
    async list(appId) {
      const rows = appId === undefined
        ? await sql`select * from ${s}.api_keys order by created_at`
        : await sql`select * from ${s}.api_keys where app_id = ${appId} order by created_at`;
      return rows.map(row);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
