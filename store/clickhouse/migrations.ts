/**
 * Versioned, idempotent migrations of the ClickHouse tier. Applied versions are recorded in
 * schema_migrations; every statement is also safe to run twice (IF NOT EXISTS), so two store
 * processes migrating at once, or a crash between a statement and its record, do no harm.
 * The SQL keeps to what ClickHouse 18.16 runs as well as current versions: no TTL, DateTime64,
 * Map, LowCardinality or window functions.
 *
 * Migration 5 re-keys events (one row per (app_id, event_id, UTC hour of ts), the copy received
 * first) and makes the per-minute rollup count distinct ids; it copies the table, so stop older
 * store processes before it runs (rows they insert meanwhile would go to the old table).
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { columnOf, declaredFields, type DeclaredType } from "./declared-fields.ts";
import { eventColumns } from "./rows.ts";

export interface Migration {
  version: number;
  name: string;
  statements(db: string): string[];
}

const columnType: Record<DeclaredType, string> = { string: "Nullable(String)", number: "Nullable(Float64)", boolean: "Nullable(UInt8)" };

const baseColumns = "event_id String, app_id String, type String, ts DateTime, ts_ms UInt64, received_at_ms UInt64, "
  + "key String, user_id String, session_id String, source String, props String";
const declaredColumns = () => declaredFields.map((f) => `${columnOf(f)} ${columnType[f.type]}`).join(", ");
/** The columns migration 5 copies: the ones the store inserts (addDeclaredColumns ran first). */
const copiedColumns = () => eventColumns.join(", ");

/**
 * The events table since migration 5. Dedup key = sorting key: one row per app, UTC hour of ts and
 * event_id, the same rule as Postgres's primary key and the archive's hour partitions
 * (docs/store.md). ReplacingMergeTree keeps the highest version; first_seen is received_at
 * bit-negated, so the copy received first wins (the last inserted would win without it).
 */
const eventsTable = (db: string, name: string) => `CREATE TABLE IF NOT EXISTS ${db}.${name} (
  ${baseColumns}, ${declaredColumns()}, first_seen UInt64 MATERIALIZED bitNot(received_at_ms)
) ENGINE = ReplacingMergeTree(first_seen) PARTITION BY toDate(ts) ORDER BY (app_id, toStartOfHour(ts, 'UTC'), event_id)`;

/** revision grows with every emission of an id: ReplacingMergeTree(revision) keeps the newest. */
const windowResultsTable = (db: string) => `CREATE TABLE IF NOT EXISTS ${db}.window_results (
  id String, rule_id String, group_key String, group_json String, window_start DateTime,
  window_start_ms UInt64, window_end_ms UInt64, revision UInt64, closed UInt8, retracted UInt8,
  merged_into String, values_json String
) ENGINE = ReplacingMergeTree(revision) PARTITION BY toYYYYMM(window_start) ORDER BY (rule_id, id)`;

const alertsTable = (db: string) => `CREATE TABLE IF NOT EXISTS ${db}.alerts (
  id String, rule_id String, rule_version UInt32, rule_set_version String, severity String, kind String,
  title String, description String, app_id String, group_key String, dedup_key String,
  ts DateTime, ts_ms UInt64, body String
) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(ts) ORDER BY (app_id, rule_id, id)`;

/**
 * Distinct ids per minute (uniqExact state): exact for redelivered batches and resends, where
 * counting rows counted every copy. Read it with uniqExactMerge(events).
 */
const rollupTable = (db: string) => `CREATE TABLE IF NOT EXISTS ${db}.events_per_minute (
  app_id String, type String, minute DateTime, events AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree PARTITION BY toDate(minute) ORDER BY (app_id, type, minute)`;
/** The rollup's rows from events: also `fluxgate sql`'s events_per_minute view over the archive. */
export const rollupSelect = (db: string) =>
  `SELECT app_id, type, toStartOfMinute(ts) AS minute, uniqExactState(event_id) AS events FROM ${db}.events GROUP BY app_id, type, minute`;
const rollupView = (db: string) => `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.events_per_minute_mv TO ${db}.events_per_minute AS ${rollupSelect(db)}`;

/**
 * The tier's tables as the migrations leave them, in one pass: for a reader that only needs their
 * shape (`fluxgate sql` builds its views from these columns) without replaying every migration.
 */
export const currentTables = (db: string): string[] =>
  [eventsTable(db, "events"), rollupTable(db), rollupView(db), windowResultsTable(db), alertsTable(db)];

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "events",
    statements: (db) => [
      // Dedup key = sorting key: ts is fixed per event_id, so (app_id, type, ts, event_id) identifies an event.
      `CREATE TABLE IF NOT EXISTS ${db}.events (${baseColumns}, ${declaredColumns()})
       ENGINE = ReplacingMergeTree PARTITION BY toDate(ts) ORDER BY (app_id, type, ts, event_id)`,
    ],
  },
  {
    version: 2,
    name: "events_per_minute",
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.events_per_minute (app_id String, type String, minute DateTime, events UInt64)
       ENGINE = SummingMergeTree PARTITION BY toDate(minute) ORDER BY (app_id, type, minute)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.events_per_minute_mv TO ${db}.events_per_minute AS
       SELECT app_id, type, toStartOfMinute(ts) AS minute, count() AS events FROM ${db}.events GROUP BY app_id, type, minute`,
    ],
  },
  {
    version: 3,
    name: "window_results",
    statements: (db) => [
      windowResultsTable(db),
    ],
  },
  {
    version: 4,
    name: "alerts",
    statements: (db) => [
      alertsTable(db),
    ],
  },
  {
    version: 5,
    name: "events_first_copy_per_hour",
    // The rows go to events_v5 and back (no RENAME: a Memory database, as `fluxgate sql` uses, has
    // none). Safe to re-run from wherever it stopped, except between the DROP and the CREATE of
    // events, where it fails (the rows are in events_v5); the rollup is rebuilt from events, and
    // states of distinct ids inserted twice merge to the same count.
    statements: (db) => [
      `DROP TABLE IF EXISTS ${db}.events_per_minute_mv`,
      eventsTable(db, "events_v5"),
      `INSERT INTO ${db}.events_v5 (${copiedColumns()}) SELECT ${copiedColumns()} FROM ${db}.events`,
      `DROP TABLE IF EXISTS ${db}.events`,
      eventsTable(db, "events"),
      `INSERT INTO ${db}.events (${copiedColumns()}) SELECT ${copiedColumns()} FROM ${db}.events_v5`,
      `DROP TABLE IF EXISTS ${db}.events_v5`,
      `DROP TABLE IF EXISTS ${db}.events_per_minute`,
      rollupTable(db),
      `INSERT INTO ${db}.events_per_minute ${rollupSelect(db)}`,
      rollupView(db),
    ],
  },
];

/** Applies the migrations not yet recorded, in order; returns the versions it applied. */
export async function migrate(client: ClickHouseClient, db: string, all: readonly Migration[] = migrations): Promise<number[]> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime)
            ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const rows = await (await client.query({ query: `SELECT DISTINCT version FROM ${db}.schema_migrations`, format: "JSONEachRow" })).json<{ version: number }>();
  const done = new Set(rows.map((r) => Number(r.version)));
  // A table made before a schema declared a field gets its column before a migration copies it.
  if (done.size > 0) await addDeclaredColumns(client, db);
  const applied: number[] = [];
  for (const m of [...all].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const query of m.statements(db)) await client.command({ query });
    await client.insert({
      table: `${db}.schema_migrations`, format: "JSONEachRow",
      values: [{ version: m.version, name: m.name, applied_at: Math.floor(Date.now() / 1000) }],
    });
    applied.push(m.version);
  }
  await addDeclaredColumns(client, db);
  return applied;
}

/**
 * Adds the typed column of every declared field the events table lacks: a table made before a
 * schema declared the field. 18.16 has no ADD COLUMN IF NOT EXISTS, so the missing columns are
 * read from system.columns, and "already exists" (another store process added it first) is done.
 */
export async function addDeclaredColumns(client: ClickHouseClient, db: string): Promise<string[]> {
  const present = await (await client.query({
    query: `SELECT name FROM system.columns WHERE database = '${db}' AND table = 'events'`, format: "JSONEachRow",
  })).json<{ name: string }>();
  const have = new Set(present.map((c) => c.name));
  const missing = declaredFields.filter((f) => !have.has(columnOf(f)));
  for (const f of missing) {
    await client.command({ query: `ALTER TABLE ${db}.events ADD COLUMN ${columnOf(f)} ${columnType[f.type]}` }).catch((err: unknown) => {
      if (!/already exists/i.test(String(err))) throw err;
    });
  }
  return missing.map(columnOf);
}
