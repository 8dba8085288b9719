/**
 * The store role end to end against real Kafka, ClickHouse, Postgres and MinIO: events appear
 * exactly once in all three tiers, and while ClickHouse is unreachable (a proxy in between is
 * cut; the shared server keeps running) Postgres and the archive keep going and ClickHouse
 * catches up afterwards. Window results and alerts land in their tables too.
 */
import { afterAll, expect, test } from "bun:test";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { loadConfig } from "../infra/app/config/load.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { busKey, type Envelope } from "../schemas/envelope.ts";
import { createStoreRole } from "./role.ts";
import { sampleEvents } from "../test/support/store/sample-events.ts";
import { createTcpProxy, exactlyOnce, storeTestEnv, tierReaders } from "./tiers.test-support.ts";

const proxy = await createTcpProxy(process.env.FG_CLICKHOUSE_URL ?? "http://127.0.0.1:1");
const raw = storeTestEnv({ FG_CLICKHOUSE_URL: proxy.url });
const env = loadConfig(raw);
const topics = topicNames(env.FG_TOPIC_PREFIX);
const bus = createKafkaBus({ brokers: env.FG_KAFKA_BROKERS!, clientId: "store-role-test", logger: createLogger("error") });
const tiers = tierReaders({ ...raw, FG_CLICKHOUSE_URL: process.env.FG_CLICKHOUSE_URL! });
const role = createStoreRole({ env, bus, topics, logger: createLogger("error") });
afterAll(async () => {
  await role.stop();
  await bus.close();
  await tiers.close();
  proxy.close();
});

async function produce(events: Envelope[]) {
  const publisher = await bus.publisher();
  await publisher.send(topics.events, events.map((e) => ({ key: busKey(e), value: JSON.stringify(e) })));
  await publisher.close();
}

const ids = (events: Envelope[]) => events.map((e) => e.event_id);

test("events land once in every tier; with ClickHouse cut off the others go on and ClickHouse catches up", async () => {
  await role.start();
  const first = sampleEvents(300, { app: "roletest", keys: 17 });
  await produce(first);
  await waitFor(async () => [await tiers.clickhouse(), await tiers.postgres(), await tiers.archive()],
    (ls) => ls.every((l) => exactlyOnce(l, ids(first))), { what: "first events in all three tiers", timeoutMs: 30_000 });

  await proxy.cut();
  const second = sampleEvents(200, { app: "roletest", start: Date.UTC(2024, 2, 11, 5), keys: 11 });
  await produce(second);
  const all = [...ids(first), ...ids(second)];
  await waitFor(async () => [await tiers.postgres(), await tiers.archive()], (ls) => ls.every((l) => exactlyOnce(l, all)),
    { what: "postgres and archive while clickhouse is cut off", timeoutMs: 30_000 });
  expect(exactlyOnce(await tiers.clickhouse(), ids(first))).toBe(true);

  await proxy.restore();
  await waitFor(() => tiers.clickhouse(), (l) => exactlyOnce(l, all), { what: "clickhouse catching up", timeoutMs: 30_000 });
}, 90_000);

test("window results and alerts reach their tables", async () => {
  const window = {
    kind: "result", id: "r|g|1", rule_id: "r", group_key: "g", group: { app: "x" }, window_start: 1_700_000_000_000,
    window_end: 1_700_000_060_000, revision: 2, closed: true, values: { count: 4 },
  };
  const alert = {
    id: "alert-1", rule_id: "r", rule_version: 1, rule_link: "fluxgate://rules/r/versions/1", rule_set_version: "v1", severity: "warning",
    title: "t", description: "d", app_id: "x", group_key: "g", dedup_key: "k", ts: 1_700_000_060_000, kind: "window", events: [], sinks: [],
  };
  const publisher = await bus.publisher();
  await publisher.send(topics.windows, [{ key: "r:g", value: JSON.stringify({ ...window, revision: 1, values: { count: 1 } }) }, { key: "r:g", value: JSON.stringify(window) }]);
  await publisher.send(topics.alerts, [{ key: "r:g", value: JSON.stringify(alert) }, { key: "r:g", value: JSON.stringify(alert) }]);
  await publisher.close();
  const db = raw.FG_CLICKHOUSE_DATABASE;
  const chRows = async (query: string) => (await tiers.ch.query({ query, format: "JSONEachRow" })).json<Record<string, unknown>>();
  await waitFor(() => chRows(`SELECT id, argMax(values_json, revision) AS v FROM ${db}.window_results GROUP BY id`),
    (rows) => rows.length === 1 && rows[0]!.v === JSON.stringify(window.values), { what: "clickhouse window_results" });
  await waitFor(() => chRows(`SELECT id FROM ${db}.alerts GROUP BY id`), (rows) => rows.length === 1, { what: "clickhouse alerts" });
  await waitFor(() => tiers.sql.unsafe(`select revision, agg_values from ${raw.FG_STORE_POSTGRES_SCHEMA}.window_results`),
    (rows) => rows.length === 1 && rows[0]!.revision === 2, { what: "postgres window_results" });
});
