/**
 * The rule store's tables in Postgres (schema `fluxgate` by default; tests use their own):
 * rules (id, current version), rule_versions (every version ever pushed, never changed) and
 * rule_sets (each published combination of versions, numbered by revision: what processors run).
 */
import type { Sql } from "postgres";

export async function ensureRuleTables(sql: Sql, schema: string): Promise<void> {
  await sql.begin(async (tx) => {
    // Concurrent first starts would race on CREATE ... IF NOT EXISTS; one lock serialises them.
    await tx`select pg_advisory_xact_lock(hashtext(${`fluxgate-rules-ddl:${schema}`}))`;
    await tx`create schema if not exists ${tx(schema)}`;
    await tx`create table if not exists ${tx(schema)}.rule_versions (
      id text not null,
      version integer not null check (version > 0),
      body jsonb not null,
      definition_hash text not null,
      author text not null,
      comment text not null default '',
      created_at timestamptz not null default now(),
      primary key (id, version)
    )`;
    await tx`create table if not exists ${tx(schema)}.rules (
      id text primary key,
      current_version integer not null,
      updated_at timestamptz not null default now(),
      foreign key (id, current_version) references ${tx(schema)}.rule_versions (id, version)
    )`;
    await tx`create table if not exists ${tx(schema)}.rule_sets (
      revision bigserial primary key,
      versions jsonb not null,
      author text not null,
      comment text not null default '',
      created_at timestamptz not null default now()
    )`;
  });
}
