/**
 * Versioned, idempotent migrations of the warm tier, recorded in <schema>.store_schema_migrations
 * (apart from the rule store's tables in the same schema). The alerts table in Postgres belongs
 * to the alert delivery service (rules/alerts/store), not to the store.
 */
import type { Sql } from "postgres";
import { eventColumns } from "./copy-text.ts";
import { partitionDdl } from "./partitions.ts";

const kept = eventColumns.filter((c) => c !== "event_id" && c !== "app_id" && c !== "ts_hour");

/**
 * Inserts `source`'s rows (the events table's columns) into events, one row per (app_id, event_id,
 * ts_hour): the copy received first wins, whether it comes first or later, as in ClickHouse and
 * the archive. DISTINCT ON first, since ON CONFLICT DO UPDATE may touch a row once per statement.
 */
export const insertFirstReceived = (schema: string, source: string): string => `
  insert into ${schema}.events as e (${eventColumns.join(", ")})
  select distinct on (app_id, event_id, ts_hour) ${eventColumns.join(", ")} from ${source}
  order by app_id, event_id, ts_hour, received_at
  on conflict (app_id, event_id, ts_hour) do update set ${kept.map((c) => `${c} = excluded.${c}`).join(", ")}
  where excluded.received_at < e.received_at`;

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
  {
    version: 3,
    name: "events_first_copy_per_hour",
    // One row per (app_id, event_id, UTC hour of ts), the same rule as ClickHouse's sorting key and
    // the archive's hour partitions (docs/store.md): a resend with another ts in that hour is the
    // same event, and a tenant's ids never meet another's. ts_hour is a plain column because a
    // partition key must be in the primary key (and cannot be a generated column).
    // The old table's rows are copied in this transaction, partitions and all.
    up: async (tx, s) => {
      await tx.unsafe(`alter table ${s}.events rename to events_v1`);
      await tx.unsafe(`
        create table ${s}.events (
          event_id text collate "C" not null, app_id text collate "C" not null, type text collate "C" not null,
          ts timestamptz not null, ts_hour timestamptz not null, received_at timestamptz not null, key text not null,
          user_id text, session_id text, source text not null, props jsonb not null,
          primary key (app_id, event_id, ts_hour)
        ) partition by range (ts_hour)`);
      const parts = await tx.unsafe(`
        select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        join pg_class p on p.oid = i.inhparent join pg_namespace n on n.oid = p.relnamespace
        where n.nspname = $1 and p.relname = 'events_v1'`, [s]);
      for (const { name } of parts) await tx.unsafe(`alter table ${s}.${name} rename to v1_${name}`);
      const days = await tx.unsafe(`select distinct extract(epoch from date_trunc('day', ts, 'UTC'))::bigint * 1000 as day from ${s}.events_v1`);
      for (const { day } of days) await tx.unsafe(partitionDdl(s, Number(day)));
      await tx.unsafe(insertFirstReceived(s, `(select *, date_trunc('hour', ts, 'UTC') as ts_hour from ${s}.events_v1) as v1`));
      await tx.unsafe(`drop table ${s}.events_v1 cascade`);
      await tx.unsafe(`create index events_app_type_ts on ${s}.events (app_id, type, ts)`);
    },
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
