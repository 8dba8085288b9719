/**
 * Store freshness: the store role (all three sinks, its default batching) as its own process on
 * fresh topics, database, schema and bucket, while events are produced to fg.events at a
 * constant rate; tracer events (known ids, one every 100 ms) time Kafka ack -> row visible in
 * ClickHouse (polled every 50 ms). Also prints ClickHouse writes per second and rows per write
 * from the store's metrics: the freshness / efficiency trade-off of FG_STORE_BATCH_*.
 * The gateway's share of end to end is left out (bench/end-to-end.ts has the whole path).
 *
 *   bun bench/store-freshness.ts [--rate 2000] [--seconds 30] [--env FG_STORE_BATCH_MAX_WAIT_MS=250,...]
 * Needs the services' FG_* variables (bash infra/local/stack env); prints JSON.
 */
import { createClient } from "@clickhouse/client";
import postgres from "postgres";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { busKey } from "../schemas/envelope.ts";
import { freePort } from "../test/support/free-port.ts";
import { benchEvents } from "./events.ts";
import { percentiles } from "./harness/percentiles.ts";
import { start, summarize, waitReady } from "./harness/processes.ts";
import { deleteRunLeftovers } from "./harness/topics.ts";

const { values } = parseArgs({ options: { rate: { type: "string", default: "2000" }, seconds: { type: "string", default: "30" }, env: { type: "string", default: "" } } });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const extra = Object.fromEntries(values.env.split(",").filter(Boolean).map((kv) => kv.split("=") as [string, string]));
const need = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set (bash infra/local/stack env)`); })();
const run = `fresh_${Date.now().toString(36)}`;
const logs = join(".fluxgate", "logs", `store-freshness-${run}`);
mkdirSync(logs, { recursive: true });
const adminPort = freePort();
const env = {
  FG_TOPIC_PREFIX: `${run}.`, FG_STORE_GROUP_PREFIX: run, FG_CLICKHOUSE_DATABASE: run, FG_STORE_POSTGRES_SCHEMA: run,
  FG_S3_BUCKET: run.replace(/_/g, "-"), FG_ADMIN_PORT: String(adminPort), FG_LOG_LEVEL: "warn", FG_DATA_DIR: join(".fluxgate", `${run}-data`), ...extra,
};
const topics = topicNames(env.FG_TOPIC_PREFIX);
const bus = createKafkaBus({ brokers: need("FG_KAFKA_BROKERS").split(","), clientId: "bench-freshness", logger: createLogger("error") });
await bus.ensureTopics([{ name: topics.events, partitions: 4 }, { name: topics.dlq, partitions: 1 }]);
const ch = createClient({ url: need("FG_CLICKHOUSE_URL") });
const store = start("store", ["bun", "infra/app/main.ts", "store"], env, join(logs, "store.log"));
try {
  await waitReady(store, `http://127.0.0.1:${adminPort}/readyz`);
  const publisher = await bus.publisher();
  const acked = new Map<string, number>();
  const seen = new Set<string>();
  const arrivals: number[] = [];
  const t0 = Date.now();
  let sent = 0;
  let loading = true;
  // Every 10 ms, the events due by then (rate/100 a tick); every 10th tick one of them is a tracer.
  const load = (async () => {
    for (let tick = 0; Date.now() - t0 < seconds * 1_000; tick++) {
      const due = Math.floor(((Date.now() - t0) / 1_000) * rate) - sent;
      if (due > 0) {
        const batch = benchEvents(due).map((e) => ({ ...e, ts: Date.now(), received_at: Date.now() }));
        const tracer = tick % 10 === 0 ? batch[0]!.event_id : undefined;
        sent += due;
        void publisher.send(topics.events, batch.map((e) => ({ key: busKey(e), value: JSON.stringify(e) }))).then(() => {
          if (tracer) acked.set(tracer, Date.now());
        });
      }
      await Bun.sleep(10);
    }
    loading = false;
  })();
  const watch = (async () => {
    while (loading || (seen.size < acked.size && Date.now() - t0 < (seconds + 20) * 1_000)) {
      const pending = [...acked.keys()].filter((id) => !seen.has(id));
      if (pending.length) {
        const rows = await ch.query({
          query: `SELECT event_id FROM ${run}.events WHERE ts >= ${Math.floor(t0 / 1000) - 60} AND event_id IN (${pending.map((id) => `'${id}'`).join(",")})`,
          format: "JSONEachRow",
        }).then((r) => r.json<{ event_id: string }>(), () => []);
        for (const r of rows) if (!seen.has(r.event_id)) (seen.add(r.event_id), arrivals.push(Date.now() - acked.get(r.event_id)!));
      }
      await Bun.sleep(50);
    }
  })();
  await load;
  await watch;
  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const metric = (name: string, sink = "clickhouse") => Number(new RegExp(`^${name}\\{[^}]*sink="${sink}"[^}]*\\} (\\S+)`, "m").exec(metrics)?.[1] ?? NaN);
  const writes = metric("fluxgate_store_batch_rows_count");
  const rows = metric("fluxgate_store_batch_rows_sum");
  const writeMs = Object.fromEntries(["clickhouse", "postgres", "archive"].map((sink) =>
    [sink, Math.round((metric("fluxgate_store_write_seconds_sum", sink) / metric("fluxgate_store_write_seconds_count", sink)) * 1_000)]));
  console.log(JSON.stringify({
    rate, seconds, env: extra, produced: sent, tracers: acked.size,
    ack_to_clickhouse_ms: percentiles(arrivals),
    clickhouse_writes_per_s: Math.round((writes / seconds) * 10) / 10, clickhouse_rows_per_write: Math.round(rows / writes), mean_write_ms: writeMs,
    store: summarize(store.samples),
  }, null, 1));
  await publisher.close();
} finally {
  await store.stop();
  await bus.close();
  await ch.command({ query: `DROP DATABASE IF EXISTS ${run}` }).catch(() => {});
  await ch.close();
  const sql = postgres(need("FG_POSTGRES_URL"), { max: 1, onnotice: () => {} });
  await sql.unsafe(`drop schema if exists ${run} cascade`).catch(() => {});
  await sql.end();
  await deleteRunLeftovers(run).catch(() => {});
}
