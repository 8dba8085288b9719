/**
 * Resends and redeliveries through the store role, against real Kafka, ClickHouse, Postgres and
 * MinIO (issue 19, items 2-4): an event_id sent again with another ts in the same hour (a resend
 * without ts before the gateway took ts from the id), another received_at, even another payload,
 * and a whole batch delivered twice, end as one row per event in every tier, each holding the
 * copy received first; the ClickHouse per-minute rollup counts each event once.
 */
import { afterAll, expect, test } from "bun:test";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { loadConfig } from "../infra/app/config/load.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { busKey, type Envelope } from "../schemas/envelope.ts";
import { decodeEnvelopes } from "./parquet/decode.ts";
import { createStoreRole } from "./role.ts";
import { createArchiveStore, createArchiveCompactor } from "./s3/index.ts";
import { sampleEvents } from "../test/support/store/sample-events.ts";
import { storeTestEnv, tierReaders } from "./tiers.test-support.ts";

const raw = storeTestEnv();
const env = loadConfig(raw);
const topics = topicNames(env.FG_TOPIC_PREFIX);
const bus = createKafkaBus({ brokers: env.FG_KAFKA_BROKERS!, clientId: "store-resend-test", logger: createLogger("error") });
const tiers = tierReaders(raw);
const role = createStoreRole({ env, bus, topics, logger: createLogger("error") });
const db = raw.FG_CLICKHOUSE_DATABASE!;
const schema = raw.FG_STORE_POSTGRES_SCHEMA!;
afterAll(async () => {
  await role.stop();
  await bus.close();
  await tiers.close();
});

async function produce(events: Envelope[]) {
  const publisher = await bus.publisher();
  await publisher.send(topics.events, events.map((e) => ({ key: busKey(e), value: JSON.stringify(e) })));
  await publisher.close();
}

interface Stored {
  event_id: string;
  ts: number;
  received_at: number;
  n: unknown;
}
const byId = (rows: Stored[]) => Object.fromEntries(rows.map((r) => [r.event_id, r]));

test("resent and redelivered events end as one row per event in every tier, the first received, and the rollup counts each once", async () => {
  await role.start();
  // 62 distinct events between 22:00:00 and 22:01:01 (two minutes of the rollup, one hour).
  const first = sampleEvents(62, { app: "resend" });
  // 8 of them resent later: another ts in the same hour, a later received_at, another payload.
  const resent = first.slice(0, 8).map((e, i) => ({ ...e, ts: e.ts + 90_000 + i, received_at: e.received_at + 95_000, props: { n: -1 } }));
  // One copy received *earlier* than the first one produced (another gateway's clock): it wins.
  const early = { ...first[10]!, ts: first[10]!.ts + 1_000, received_at: first[10]!.received_at - 500, props: { n: "early" } };
  await produce(first);
  await produce(resent);
  await produce([early]);
  await produce(first.slice(20, 40)); // a batch delivered again
  const winner = new Map(first.map((e) => [e.event_id, e]));
  winner.set(early.event_id, early);
  const expected = [...winner.values()];

  const pg = async () => (await tiers.sql.unsafe(`select event_id, ts, received_at, props->'n' as n from ${schema}.events`))
    .map((r) => ({ event_id: r.event_id as string, ts: new Date(r.ts).getTime(), received_at: new Date(r.received_at).getTime(), n: r.n }));
  const ch = async () => {
    await tiers.ch.command({ query: `OPTIMIZE TABLE ${db}.events FINAL` });
    const rows = await (await tiers.ch.query({ query: `SELECT event_id, ts_ms, received_at_ms, props FROM ${db}.events`, format: "JSONEachRow" }))
      .json<{ event_id: string; ts_ms: string; received_at_ms: string; props: string }>();
    return rows.map((r) => ({ event_id: r.event_id, ts: Number(r.ts_ms), received_at: Number(r.received_at_ms), n: JSON.parse(r.props).n }));
  };
  const archive = createArchiveStore(env);
  const compactor = createArchiveCompactor(env, createLogger("error"));
  const parquet = async () => {
    const rows: Stored[] = [];
    for (const f of await archive.list("events/")) {
      for (const e of await decodeEnvelopes(await archive.get(f.key))) rows.push({ event_id: e.event_id, ts: e.ts, received_at: e.received_at, n: e.props.n });
    }
    return rows;
  };
  // Every copy has reached each tier once the last one produced has (one partition per key, in order).
  const last = first[39]!.event_id;
  const hasAllCopies = async () => (await Promise.all([tiers.postgres(), tiers.archive()])).every((l) => l.ids.has(last) && l.ids.has(early.event_id));
  await waitFor(hasAllCopies, Boolean, { what: "every copy in postgres and the archive", timeoutMs: 30_000 });
  await waitFor(async () => (await tiers.clickhouse()).rows, (n) => n >= 62, { what: "clickhouse rows", timeoutMs: 30_000 });
  await Bun.sleep(1_500); // the ClickHouse sink's last batch (the redelivered one) lands after the others

  for (const key of new Set((await archive.list("events/")).map((f) => f.key.slice(0, f.key.lastIndexOf("/") + 1)))) {
    await compactor.compactPartition(key);
  }
  const want = expected.map((e) => ({ event_id: e.event_id, ts: e.ts, received_at: e.received_at, n: e.props.n }));
  const stored = { postgres: await pg(), clickhouse: await ch(), archive: await parquet() };
  expect(Object.values(stored).map((rows) => rows.length)).toEqual([62, 62, 62]);
  for (const [tier, rows] of Object.entries(stored)) expect({ tier, rows: byId(rows) }).toEqual({ tier, rows: byId(want) });

  const rollup = await (await tiers.ch.query({
    query: `SELECT toString(minute) AS minute, uniqExactMerge(events) AS events FROM ${db}.events_per_minute WHERE app_id = 'resend' GROUP BY minute ORDER BY minute`,
    format: "JSONEachRow",
  })).json<{ minute: string; events: string }>();
  const [total] = await (await tiers.ch.query({
    query: `SELECT uniqExactMerge(events) AS events FROM ${db}.events_per_minute WHERE app_id = 'resend'`, format: "JSONEachRow",
  })).json<{ events: string }>();
  expect(Number(total!.events)).toBe(62);
  // A minute counts each event once, redelivered ones included; the 8 resent with a ts 90 s later
  // are also in the minute of that ts (docs/store.md): [22:00, 22:01] hold 60 and 2 + 8.
  expect(rollup.map((r) => Number(r.events))).toEqual([60, 10]);
}, 90_000);
