/**
 * Alert tables in Postgres. `alerts` may also be created by the store part, so it is created with
 * IF NOT EXISTS in the agreed shape (id primary key, rule_id, rule_version, severity, group_key,
 * app_id, ts, payload jsonb) and only ever inserted into with ON CONFLICT DO NOTHING. The others
 * are ours: one delivery row per webhook attempt, and the webhook jobs (pending, or dead letters
 * kept for replay).
 */
import type { Sql } from "postgres";

export async function ensureAlertTables(sql: Sql, schema: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`fluxgate-alerts-ddl:${schema}`}))`;
    await tx`create schema if not exists ${tx(schema)}`;
    await tx`create table if not exists ${tx(schema)}.alerts (
      id text primary key,
      rule_id text not null,
      rule_version integer not null,
      severity text not null,
      group_key text not null,
      app_id text not null,
      ts timestamptz not null,
      payload jsonb not null
    )`;
    await tx`create table if not exists ${tx(schema)}.alert_deliveries (
      id bigserial primary key,
      alert_id text not null,
      sink text not null,
      attempt integer not null,
      status text not null check (status in ('ok', 'retry', 'dead')),
      http_status integer,
      error text,
      duration_ms integer not null,
      created_at timestamptz not null default now()
    )`;
    await tx`create index if not exists alert_deliveries_alert on ${tx(schema)}.alert_deliveries (alert_id, sink)`;
    await tx`create table if not exists ${tx(schema)}.alert_webhook_jobs (
      alert_id text not null,
      sink text not null,
      body text not null,
      state text not null check (state in ('pending', 'delivered', 'dead')),
      attempts integer not null default 0,
      last_error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (alert_id, sink)
    )`;
  });
}
