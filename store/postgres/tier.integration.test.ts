/** The warm tier against the real Postgres: COPY + dedup, day partitions, window results, retention. */
import { afterAll, expect, test } from "bun:test";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { SinkError } from "../sink.ts";
import { DAY_MS } from "./partitions.ts";
import { migratePg, pgMigrations } from "./migrations.ts";
import { createPostgresTier } from "./tier.ts";

const schema = uniqueName("fg_pg").toLowerCase();
const tier = createPostgresTier({ url: requireEnv("FG_POSTGRES_URL"), schema, partitionsAheadDays: 2, retentionDays: 3 });
afterAll(async () => {
  await tier.sql.unsafe(`drop schema if exists ${schema} cascade`);
  await tier.close();
});

const count = async (where = "true") => Number((await tier.sql.unsafe(`select count(*)::int as n from ${schema}.events where ${where}`))[0]!.n);

test("events written twice, across days and with awkward text, are stored once each", async () => {
  await tier.prepare();
  const events = sampleEvents(120, { app: "pgtier", start: Date.UTC(2026, 0, 10, 23, 0), stepMs: 60_000 });
  events[0]!.props.text = "tab\there\nnew line \\ back \"quoted\" nul\u0000";
  events[1]!.key = "key\twith\ttabs";
  await tier.events.write(events);
  await tier.events.write(events.slice(50));
  expect(await count()).toBe(120);
  const [row] = await tier.sql.unsafe(`select key, props, ts from ${schema}.events where event_id = $1`, [events[0]!.event_id]);
  expect(row!.props.text).toBe("tab\there\nnew line \\ back \"quoted\" nul\ufffd");
  expect(new Date(row!.ts).getTime()).toBe(events[0]!.ts);
  const [keyed] = await tier.sql.unsafe(`select key from ${schema}.events where event_id = $1`, [events[1]!.event_id]);
  expect(keyed!.key).toBe("key\twith\ttabs");
  const parts = await tier.sql.unsafe(`select tableoid::regclass::text as p, count(*)::int as n from ${schema}.events group by 1 order by 1`);
  expect(parts.map((p) => [p.p, p.n])).toEqual([[`${schema}.events_p20260110`, 60], [`${schema}.events_p20260111`, 60]]);
});

test("a row Postgres refuses fails the batch as permanent, without hanging the COPY", async () => {
  await tier.prepare();
  const events = sampleEvents(30, { app: "pgbad", start: Date.UTC(2026, 0, 11, 3) });
  events[7]!.props.broken = "lone surrogate \ud800";
  const error = await tier.events.write(events).catch((err) => err);
  expect(error).toBeInstanceOf(SinkError);
  expect(error.permanent).toBe(true);
  expect(await count("app_id = 'pgbad'")).toBe(0);
  await tier.events.write(events.filter((_, i) => i !== 7));
  expect(await count("app_id = 'pgbad'")).toBe(29);
});

test("window results keep the newest revision, whatever order the revisions arrive in", async () => {
  await tier.prepare();
  const base = { rule_id: "r", group_key: "g", window_start: 1_700_000_000_000, window_end: 1_700_000_060_000, group: {}, closed: false };
  await tier.writeWindows([
    { kind: "result", id: "w1", ...base, revision: 2, values: { n: 2 } },
    { kind: "result", id: "w1", ...base, revision: 3, values: { n: 3 } },
  ]);
  await tier.writeWindows([{ kind: "result", id: "w1", ...base, revision: 1, values: { n: 1 } }]);
  const rows = await tier.sql.unsafe(`select id, revision, agg_values from ${schema}.window_results`);
  expect(rows.map((r) => [r.id, r.revision, r.agg_values])).toEqual([["w1", 3, { n: 3 }]]);
});

test("retention creates partitions ahead and drops only the days past their age", async () => {
  await tier.prepare();
  const now = Date.UTC(2026, 0, 20, 12);
  const old = sampleEvents(3, { app: "pgret", start: Date.UTC(2026, 0, 15, 1), stepMs: DAY_MS }); // Jan 15, 16, 17
  await tier.events.write(old);
  const { removed } = await tier.retention.run(now);
  // Retention 3 days: a day expires once it ended by Jan 17 12:00, so Jan 10, 11, 15 and 16 go; Jan 17 stays.
  expect(removed).toEqual([10, 11, 15, 16].map((d) => `${schema}.events_p202601${d}`));
  expect(await count("app_id = 'pgret'")).toBe(1);
  const names = (await tier.sql.unsafe(`select tablename from pg_tables where schemaname = $1 and tablename like 'events_p%'`, [schema])).map((r) => r.tablename);
  expect(names).toEqual(expect.arrayContaining(["events_p20260120", "events_p20260121", "events_p20260122"]));
  expect((await tier.retention.run(now)).removed).toEqual([]);
});

test("migration 3 re-keys a table made before it: its rows kept, one per app, event and hour, the first received", async () => {
  const old = uniqueName("fg_pg_v2").toLowerCase();
  const before = createPostgresTier({ url: requireEnv("FG_POSTGRES_URL"), schema: old, partitionsAheadDays: 0, retentionDays: 3 });
  try {
    expect(await migratePg(before.sql, old, pgMigrations.filter((m) => m.version <= 2))).toEqual([1, 2]);
    const events = sampleEvents(20, { app: "pgmig", start: Date.UTC(2026, 0, 12, 23, 59, 50) }); // across midnight
    const resend = { ...events[2]!, ts: events[2]!.ts + 3, received_at: events[2]!.received_at + 60_000, props: { n: "again" } };
    for (const day of ["20260112", "20260113"]) {
      const from = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
      await before.sql.unsafe(`create table ${old}.events_p${day} partition of ${old}.events for values from ('${from}') to ('${from}'::date + 1)`);
    }
    for (const e of [resend, ...events]) {
      await before.sql.unsafe(`insert into ${old}.events (event_id, app_id, type, ts, received_at, key, source, props) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [e.event_id, e.app_id, e.type, new Date(e.ts), new Date(e.received_at), e.key, e.source, e.props as never]);
    }
    expect(await migratePg(before.sql, old)).toEqual([3]);
    const rows = await before.sql.unsafe(`select event_id, received_at, tableoid::regclass::text as part from ${old}.events`);
    expect(rows.length).toBe(20);
    expect(new Date(rows.find((r) => r.event_id === resend.event_id)!.received_at).getTime()).toBe(events[2]!.received_at);
    expect([...new Set(rows.map((r) => r.part))].sort()).toEqual([`${old}.events_p20260112`, `${old}.events_p20260113`]);
    await before.events.write([{ ...events[5]!, received_at: events[5]!.received_at - 1, props: { n: "earlier" } }]);
    const [earlier] = await before.sql.unsafe(`select props from ${old}.events where event_id = $1`, [events[5]!.event_id]);
    expect(earlier!.props).toEqual({ n: "earlier" });
  } finally {
    await before.sql.unsafe(`drop schema if exists ${old} cascade`);
    await before.close();
  }
});
