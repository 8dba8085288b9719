/**
 * Test support: the ClickHouse tier's SQL on any ClickHouse, so that the same checks run on the
 * 18.16 server (tier-sql.integration.test.ts) and on ClickHouse 26 in process through chdb
 * (tier-sql.test.ts): migrations (twice), the tier's writes (each batch twice, as a redelivery
 * would), the rollup view, retention, and every example query of docs/store.md's ClickHouse section.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, expect, test } from "bun:test";
import type { Envelope } from "../../schemas/envelope.ts";
import type { Alert, WindowRecord } from "../runtime/records.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { migrate, migrations } from "./migrations.ts";
import { createClickHouseRetentionTask } from "./retention.ts";
import { createClickHouseTier } from "./tier.ts";

/** Every statement of the ```sql blocks in docs/store.md's "## ClickHouse" section, comments dropped. */
export function docsQueries(): string[] {
  const doc = readFileSync(join(import.meta.dir, "../../docs/store.md"), "utf8");
  const section = /^## ClickHouse\n([\s\S]*?)^## /m.exec(doc)?.[1] ?? "";
  return [...section.matchAll(/^ *```sql\n([\s\S]*?)^ *```/gm)].flatMap((m) =>
    m[1]!.split(/;\s*$/m).map((s) => s.split("\n").filter((l) => !/^\s*--/.test(l)).join("\n").trim()).filter(Boolean));
}

const now = Date.now() - 1_000; // within today() and the last hour for the docs' filters
const shop = sampleEvents(40, { app: "shop", start: now - 30_000, stepMs: 500 }).map((e, i) => ({
  ...e, type: i % 4 ? "page_view" : "checkout_completed", props: i % 4 ? { path: `/p/${i}` } : { amount: i + 0.5, currency: "EUR" },
}));
const other = sampleEvents(10, { app: "other", start: now - 20_000 });
/** Declared fields with values of other JSON types, then of theirs: NULL in the typed columns unless the type matches. */
const odd = sampleEvents(2, { app: "odd", start: now - 10_000 }).map((e, i) => ({
  ...e, type: "odd",
  props: i === 0
    ? { amount: "12", duration_ms: true, path: 5, currency: null, plan: ["x"], url: { a: 1 }, referrer: "ok", code: 'a"b\\c\tü' }
    : { amount: -1.5e-3, duration_ms: 2e21, path: "/x" },
}));
export const oddTypedColumns = "p_amount, p_duration_ms, p_path, p_currency, p_plan, p_url, p_referrer, p_code";
export const oddTypedValues = [
  { p_amount: null, p_duration_ms: null, p_path: null, p_currency: null, p_plan: null, p_url: null, p_referrer: "ok", p_code: 'a"b\\c\tü' },
  { p_amount: -1.5e-3, p_duration_ms: 2e21, p_path: "/x", p_currency: null, p_plan: null, p_url: null, p_referrer: null, p_code: null },
];
export const oddTypedQuery = `SELECT ${oddTypedColumns} FROM events WHERE app_id = 'odd' ORDER BY ts_ms LIMIT 1 BY event_id`;
/** The events the checks expect: 10 checkouts of shop with amounts 0.5, 4.5, ... 36.5. */
export const tierEvents: Envelope[] = [...shop, ...other, ...odd];
const checkouts = shop.filter((e) => e.type === "checkout_completed");

const base = { rule_id: "r1", group_key: "g", window_start: now - 60_000, window_end: now, group: { app: "shop" } };
export const tierWindows: WindowRecord[][] = [
  [
    { kind: "result", id: "r1|g|1", ...base, revision: 1, closed: false, values: { n: 1 } },
    { kind: "result", id: "r1|g|1", ...base, revision: 3, closed: true, values: { n: 3 } },
    { kind: "result", id: "r1|g|2", ...base, revision: 1, closed: false, values: { n: 5 } },
  ],
  [
    { kind: "result", id: "r1|g|1", ...base, revision: 2, closed: false, values: { n: 2 } },
    { kind: "retraction", id: "r1|g|2", rule_id: "r1", group_key: "g", window_start: base.window_start, window_end: base.window_end, revision: 2, merged_into: "r1|g|1" },
  ],
];
export const tierAlerts: Alert[] = [{
  id: "a1", rule_id: "r1", rule_version: 2, rule_link: "x", rule_set_version: "v", severity: "critical", title: "t", description: "d",
  app_id: "shop", group_key: "g", dedup_key: "k", ts: now, kind: "window", events: [], sinks: [],
}];

export type Rows = Record<string, unknown>[];
const num = (v: unknown) => Number(v);

/**
 * What each docs query must answer over the tier fixtures (events, windows, alerts above, each
 * written twice). A query this does not recognise must still run; its rows are not checked.
 */
export function checkDocsQuery(query: string, rows: Rows): void {
  if (query.includes("uniqExact(event_id) AS events")) {
    const counts = Object.fromEntries(rows.filter((r) => r.app_id === "shop").map((r) => [r.type, num(r.events)]));
    expect(counts).toEqual({ checkout_completed: checkouts.length, page_view: shop.length - checkouts.length });
  } else if (query.includes("argMax(props, first_seen) AS props")) {
    expect(rows.map((r) => r.event_id).sort()).toEqual(checkouts.map((e) => e.event_id).sort());
  } else if (query.includes("sum(amount)")) {
    expect(num(Object.values(rows[0]!)[0])).toBeCloseTo(checkouts.reduce((s, e) => s + (e.props.amount as number), 0), 6);
  } else if (query.includes("uniqExactMerge(events) FROM fluxgate.events_per_minute WHERE app_id = 'shop' GROUP BY type")) {
    const counts = Object.fromEntries(rows.map((r) => [r.type, num(Object.values(r)[1])]));
    expect(counts).toEqual({ checkout_completed: checkouts.length, page_view: shop.length - checkouts.length });
  } else if (query.includes("uniqExactMerge(events) AS events FROM fluxgate.events_per_minute")) {
    expect(rows.reduce((n, r) => n + num(r.events), 0)).toBe(shop.length); // each id in one minute, once
  } else if (query.includes("argMax(values_json, revision)")) {
    expect(rows.map((r) => [r.id, JSON.parse(String(r.v))])).toEqual([["r1|g|1", { n: 3 }]]);
  } else {
    expect(Array.isArray(rows)).toBe(true);
  }
}

/** The DDL excerpts of the docs (`ENGINE = ...` lines) are what the migrations create. */
export function checkDocsDdl(fragment: string): void {
  const ddl = migrations.flatMap((m) => m.statements("fluxgate")).join("\n").replace(/\s+/g, " ");
  expect(ddl).toContain(fragment.replace(/\s+/g, " "));
}

/** Registers the tests on a fresh database of the client's server; version: what `SELECT version()` must match. */
export function describeTierSql(open: () => ClickHouseClient, database: string, version: RegExp): void {
  let client: ClickHouseClient;
  // Closed even when a test fails: chdb holds one data directory per process, and later test files open theirs.
  afterAll(async () => {
    await client?.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await client?.close();
  });
  const rows = async (query: string) => (await client.query({ query, format: "JSONEachRow" })).json<Record<string, unknown>>();

  test(`the server is ClickHouse ${version.source}`, async () => {
    client = open();
    expect(String((await rows("SELECT version() AS v"))[0]!.v)).toMatch(version);
  });

  test("migrations apply once, then are idempotent; the tier's writes, twice each, land in every table and the rollup", async () => {
    const tier = createClickHouseTier({ url: "", database, client });
    expect(await migrate(client, database)).toEqual(migrations.map((m) => m.version));
    expect(await migrate(client, database)).toEqual([]);
    for (let i = 0; i < 2; i++) {
      await tier.events.write(tierEvents);
      for (const batch of tierWindows) await tier.writeWindows(batch);
      await tier.writeAlerts(tierAlerts);
    }
    const [n] = await rows(`SELECT count() AS n, uniqExact(event_id) AS ids FROM ${database}.events`);
    expect([num(n!.n), num(n!.ids)]).toEqual([2 * tierEvents.length, tierEvents.length]);
    const [perMinute] = await rows(`SELECT uniqExactMerge(events) AS events FROM ${database}.events_per_minute WHERE app_id = 'shop'`);
    expect(num(perMinute!.events)).toBe(shop.length); // distinct ids, each batch written twice (docs/store.md)
  });

  test("a declared field's typed column holds its value only when it has the declared JSON type", async () => {
    const typed = await rows(oddTypedQuery.replace("FROM events", `FROM ${database}.events`));
    expect(typed.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "string" && k.match(/amount|duration/) ? Number(v) : v]))))
      .toEqual(oddTypedValues);
  });

  test("every example query of docs/store.md runs and answers as documented", async () => {
    const queries = docsQueries();
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const query of queries) {
      if (query.startsWith("ENGINE")) checkDocsDdl(query);
      else checkDocsQuery(query, await rows(query.replaceAll("fluxgate.", `${database}.`)));
    }
  });

  test("retention drops only partitions past the period", async () => {
    const task = createClickHouseRetentionTask({ client, database, retentionDays: 30 });
    expect((await task.run(Date.now())).removed).toEqual([]);
    const removed = (await task.run(Date.now() + 400 * 86_400_000)).removed;
    expect(removed.length).toBeGreaterThan(0);
    const [left] = await rows(`SELECT count() AS n FROM ${database}.events`);
    expect(num(left!.n)).toBe(0);
  });
}
