/** The ClickHouse tier against the real server (18.16 locally): migrations, dedup, typed columns, rollup, results. */
import { afterAll, expect, test } from "bun:test";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { createClickHouseTier } from "./tier.ts";
import { columnOf, declaredFields } from "./declared-fields.ts";
import { addDeclaredColumns, currentTables, migrate, migrations } from "./migrations.ts";

const database = uniqueName("fg_ch");
const tier = createClickHouseTier({ url: requireEnv("FG_CLICKHOUSE_URL"), database });
afterAll(async () => {
  await tier.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await tier.close();
});

const rows = async <T>(query: string) => (await tier.client.query({ query, format: "JSONEachRow" })).json<T>();

test("migrations are versioned and idempotent", async () => {
  await tier.prepare();
  expect(await migrate(tier.client, database)).toEqual([]);
  const versions = await rows<{ version: number }>(`SELECT version FROM ${database}.schema_migrations ORDER BY version`);
  expect(versions.map((r) => Number(r.version))).toEqual([1, 2, 3, 4, 5]);
});

test("a field the schemas declare gets its typed column in a table made before they declared it", async () => {
  await tier.prepare();
  const dropped = ["p_duration_ms", "p_currency"];
  for (const c of dropped) await tier.client.command({ query: `ALTER TABLE ${database}.events DROP COLUMN ${c}` });
  expect((await addDeclaredColumns(tier.client, database)).sort()).toEqual(dropped.sort());
  expect(await addDeclaredColumns(tier.client, database)).toEqual([]);
  const columns = await rows<{ name: string }>(`SELECT name FROM system.columns WHERE database = '${database}' AND table = 'events'`);
  expect(columns.map((c) => c.name)).toEqual(expect.arrayContaining(declaredFields.map(columnOf)));
});

test("a batch written twice counts once with the FINAL-free queries, with typed columns filled", async () => {
  await tier.prepare();
  const events = sampleEvents(50, { app: "chtier" });
  events[0]!.props.amount = 12.5;
  events[1]!.props.amount = "not a number";
  events[2]!.props.path = "/p/2\twith tab\\ and \"quotes\"";
  await tier.events.write(events);
  await tier.events.write(events.slice(0, 20));
  const [raw] = await rows<{ n: string }>(`SELECT count() AS n FROM ${database}.events`);
  expect(Number(raw!.n)).toBe(70);
  const [deduped] = await rows<{ n: string }>(`SELECT count() AS n FROM (SELECT event_id FROM ${database}.events GROUP BY event_id)`);
  expect(Number(deduped!.n)).toBe(50);
  const typed = await rows<{ event_id: string; p_path: string | null; p_amount: number | null; ts_ms: string; ts_s: number; props: string }>(
    `SELECT event_id, any(p_path) AS p_path, any(p_amount) AS p_amount, any(ts_ms) AS ts_ms, any(toUInt32(ts)) AS ts_s, any(props) AS props
     FROM ${database}.events GROUP BY event_id`);
  const byId = new Map(typed.map((r) => [r.event_id, r]));
  expect(byId.get(events[0]!.event_id)).toMatchObject({ p_path: "/p/0", p_amount: 12.5 });
  expect(byId.get(events[2]!.event_id)?.p_path).toBe("/p/2\twith tab\\ and \"quotes\"");
  expect(JSON.parse(byId.get(events[2]!.event_id)!.props)).toEqual(events[2]!.props);
  expect(byId.get(events[1]!.event_id)?.p_amount).toBeNull();
  expect(Number(byId.get(events[3]!.event_id)?.ts_ms)).toBe(events[3]!.ts);
  expect(Number(byId.get(events[3]!.event_id)?.ts_s)).toBe(Math.floor(events[3]!.ts / 1000));
  await tier.client.command({ query: `OPTIMIZE TABLE ${database}.events FINAL` });
  const [merged] = await rows<{ n: string }>(`SELECT count() AS n FROM ${database}.events`);
  expect(Number(merged!.n)).toBe(50);
  const perMinute = await rows<{ events: string }>(
    `SELECT uniqExactMerge(events) AS events FROM ${database}.events_per_minute WHERE app_id = 'chtier'`);
  expect(Number(perMinute[0]!.events)).toBe(50); // distinct ids, not inserted rows
});

test("window results keep the newest revision, retractions included; alerts dedupe by id", async () => {
  await tier.prepare();
  const base = { rule_id: "r1", group_key: "g", window_start: 1_700_000_000_000, window_end: 1_700_000_060_000, group: { app: "a" } };
  await tier.writeWindows([
    { kind: "result", id: "r1|g|1", ...base, revision: 1, closed: false, values: { n: 1 } },
    { kind: "result", id: "r1|g|1", ...base, revision: 3, closed: true, values: { n: 3 } },
    { kind: "result", id: "r1|g|2", ...base, revision: 1, closed: false, values: { n: 5 } },
  ]);
  await tier.writeWindows([
    { kind: "result", id: "r1|g|1", ...base, revision: 2, closed: false, values: { n: 2 } },
    { kind: "retraction", id: "r1|g|2", rule_id: "r1", group_key: "g", window_start: base.window_start, window_end: base.window_end, revision: 2, merged_into: "r1|g|1" },
  ]);
  const latest = await rows<{ id: string; values_json: string; retracted: number }>(
    `SELECT id, argMax(values_json, revision) AS values_json, argMax(retracted, revision) AS retracted
     FROM ${database}.window_results GROUP BY id ORDER BY id`);
  expect(latest.map((r) => [r.id, JSON.parse(r.values_json), Number(r.retracted)])).toEqual([["r1|g|1", { n: 3 }, 0], ["r1|g|2", {}, 1]]);

  const alert = {
    id: "a1", rule_id: "r1", rule_version: 2, rule_link: "x", rule_set_version: "v", severity: "critical" as const, title: "t", description: "d",
    app_id: "a", group_key: "g", dedup_key: "k", ts: 1_700_000_060_000, kind: "window" as const, events: [], sinks: [],
  };
  await tier.writeAlerts([alert, alert]);
  await tier.writeAlerts([alert]);
  const alerts = await rows<{ id: string; n: string }>(`SELECT id, count() AS n FROM (SELECT id FROM ${database}.alerts GROUP BY id) GROUP BY id`);
  expect(alerts).toEqual([{ id: "a1", n: "1" }]);
});

test("migration 5 re-keys a table made before it: its rows kept, one per event and hour, the first received; the rollup rebuilt exact", async () => {
  const old = uniqueName("fg_ch_v4");
  const before = createClickHouseTier({ url: requireEnv("FG_CLICKHOUSE_URL"), database: old });
  try {
    expect(await migrate(before.client, old, migrations.filter((m) => m.version <= 4))).toEqual([1, 2, 3, 4]);
    const events = sampleEvents(30, { app: "chmig" });
    const resend = { ...events[3]!, ts: events[3]!.ts + 60_000, received_at: events[3]!.received_at + 60_000, props: { n: "again" } };
    await before.events.write(events);
    await before.events.write([resend, ...events.slice(0, 5)]);
    expect(await migrate(before.client, old)).toEqual([5]);
    await before.events.write(sampleEvents(4, { app: "chmig-after" }));
    await before.client.command({ query: `OPTIMIZE TABLE ${old}.events FINAL` });
    const q = async <T>(query: string) => (await before.client.query({ query, format: "JSONEachRow" })).json<T>();
    const kept = await q<{ event_id: string; received_at_ms: string }>(`SELECT event_id, received_at_ms FROM ${old}.events WHERE app_id = 'chmig'`);
    expect(kept.length).toBe(30);
    expect(Number(kept.find((r) => r.event_id === resend.event_id)!.received_at_ms)).toBe(events[3]!.received_at);
    const rollup = await q<{ app_id: string; events: string }>(
      `SELECT app_id, uniqExactMerge(events) AS events FROM ${old}.events_per_minute GROUP BY app_id ORDER BY app_id`);
    expect(rollup.map((r) => [r.app_id, Number(r.events)])).toEqual([["chmig", 30], ["chmig-after", 4]]);
    const tables = await q<{ name: string }>(`SELECT name FROM system.tables WHERE database = '${old}' ORDER BY name`);
    expect(tables.map((t) => t.name)).toEqual(["alerts", "events", "events_per_minute", "events_per_minute_mv", "schema_migrations", "window_results"]);
  } finally {
    await before.client.command({ query: `DROP DATABASE IF EXISTS ${old}` });
    await before.close();
  }
});

test("currentTables() makes the tables the migrations leave: same columns, types and engines", async () => {
  await tier.prepare();
  const fresh = uniqueName("fg_ch_current");
  try {
    await tier.client.command({ query: `CREATE DATABASE ${fresh}` });
    for (const query of currentTables(fresh)) await tier.client.command({ query });
    const shape = async (db: string) => ({
      columns: await rows(`SELECT table, name, type, default_kind, default_expression FROM system.columns
        WHERE database = '${db}' AND table != 'schema_migrations' ORDER BY table, name`),
      engines: await rows(`SELECT name, engine FROM system.tables WHERE database = '${db}' AND name != 'schema_migrations' ORDER BY name`),
    });
    expect(await shape(fresh)).toEqual(await shape(database));
  } finally {
    await tier.client.command({ query: `DROP DATABASE IF EXISTS ${fresh}` });
  }
});
