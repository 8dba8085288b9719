/**
 * Versioned, idempotent migrations of the warm tier, recorded in <schema>.store_schema_migrations
 * (apart from the rule store's tables in the same schema). The alerts table in Postgres belongs
 * to the alert delivery service (rules/alerts/store), not to the store.
 */
import type { Sql } from "postgres";

export interface PgMigration {
  version: number;
  name: string;
  up(tx: Sql, schema: string): Promise<unknown>;
}

export const pgMigrations: readonly PgMigration[] = [
  {
    version: 1,
    name: "events",
    // The primary key must hold the partition key: ts is fixed per event_id, so (event_id, ts) is as unique as event_id.
    // Byte-order ("C") collation on the keys: ids have no language, and locale-aware comparisons slow every btree insert.
    // One secondary index only: each one roughly halves COPY throughput (docs/store.md).
    up: (tx, s) => tx.unsafe(`
      create table if not exists ${s}.events (
        event_id text collate "C" not null, app_id text collate "C" not null, type text collate "C" not null,
        ts timestamptz not null, received_at timestamptz not null, key text not null,
        user_id text, session_id text, source text not null, props jsonb not null,
        primary key (event_id, ts)
      ) partition by range (ts);
      create index if not exists events_app_type_ts on ${s}.events (app_id, type, ts);`),
  },
  {
    version: 2,
    name: "window_results",
    up: (tx, s) => tx.unsafe(`
      create table if not exists ${s}.window_results (
        id text primary key, rule_id text not null, group_key text not null, group_values jsonb not null,
        window_start timestamptz not null, window_end timestamptz not null, revision integer not null,
        closed boolean not null, retracted boolean not null, merged_into text, agg_values jsonb not null,
        updated_at timestamptz not null default now()
      );
      create index if not exists window_results_rule_start on ${s}.window_results (rule_id, window_start);`),
  },
];

/** Applies what is not yet recorded, each migration in a transaction of its own, under an advisory lock so concurrent stores take turns. */
export async function migratePg(sql: Sql, schema: string, all: readonly PgMigration[] = pgMigrations): Promise<number[]> {
  await sql.unsafe(`create schema if not exists ${schema}`).catch(ignoreDuplicate);
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`fluxgate-store:${schema}`}))`;
    await tx.unsafe(`create table if not exists ${schema}.store_schema_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`);
    const done = new Set((await tx.unsafe(`select version from ${schema}.store_schema_migrations`)).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of [...all].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await m.up(tx as unknown as Sql, schema);
      await tx.unsafe(`insert into ${schema}.store_schema_migrations (version, name) values ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Two processes creating the same schema or partition at once: the loser's error is harmless. */
export function ignoreDuplicate(err: unknown): void {
  const code = (err as { code?: string }).code;
  if (code === "42P06" || code === "42P07" || code === "23505") return;
  throw err;
}
