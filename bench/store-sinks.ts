/**
 * Store sink throughput: rows/s of each Sink's write() with batches handed to it directly
 * (ClickHouse, Postgres COPY, Parquet to S3), each on a fresh database / schema / bucket; with
 * --kafka, also through the store runtime from a fresh Kafka topic the events were produced to
 * beforehand (decode, batching, write, commit). Targets on the reference machine:
 * ClickHouse >= 200K rows/s, Postgres >= 50K rows/s, Parquet to S3 >= 100K rows/s.
 *
 *   bun bench/store-sinks.ts [--rows 200000] [--batch 50000] [--sinks clickhouse,postgres,archive] [--kafka [--consumers 1]]
 * Needs the services' FG_* variables (bash infra/local/stack env). Prints a table.
 */
import { parseArgs } from "node:util";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { busKey, type Envelope } from "../schemas/envelope.ts";
import { createClickHouseTier } from "../store/clickhouse/tier.ts";
import { createPostgresTier } from "../store/postgres/tier.ts";
import { createArchiveSink } from "../store/s3/index.ts";
import { benchEvents } from "./events.ts";
import { createSinkRuntime, decodeEnvelope } from "../store/runtime/index.ts";
import type { Sink } from "../store/sink.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "200000" },
    batch: { type: "string", default: "50000" },
    kafka: { type: "boolean", default: false },
    consumers: { type: "string", default: "1" },
    sinks: { type: "string", default: "clickhouse,postgres,archive" },
  },
});
const rows = Number(values.rows);
const batch = Number(values.batch);
const need = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set (bash infra/local/stack env)`); })();
const suffix = `bench_${Date.now().toString(36)}`;


interface Bench {
  name: string;
  sink: Sink;
  cleanup(): Promise<void>;
}

function benches(): Bench[] {
  const wanted = new Set(values.sinks.split(","));
  const out: Bench[] = [];
  if (wanted.has("clickhouse")) {
    const tier = createClickHouseTier({ url: need("FG_CLICKHOUSE_URL"), database: suffix });
    out.push({ name: "clickhouse", sink: tier.events, cleanup: () => tier.client.command({ query: `DROP DATABASE IF EXISTS ${suffix}` }).then(() => {}) });
  }
  if (wanted.has("postgres")) {
    const tier = createPostgresTier({ url: need("FG_POSTGRES_URL"), schema: suffix, partitionsAheadDays: 0, retentionDays: 100_000 });
    out.push({ name: "postgres", sink: tier.events, cleanup: () => tier.sql.unsafe(`drop schema if exists ${suffix} cascade`).then(() => {}) });
  }
  if (wanted.has("archive")) {
    const bucket = suffix.replace(/_/g, "-");
    const env = {
      FG_DATA_DIR: "/nonexistent", FG_S3_ENDPOINT: need("FG_S3_ENDPOINT"), FG_S3_ACCESS_KEY: need("FG_S3_ACCESS_KEY"),
      FG_S3_SECRET_KEY: need("FG_S3_SECRET_KEY"), FG_S3_BUCKET: bucket, FG_S3_REGION: "us-east-1",
    };
    out.push({ name: "archive (parquet to s3)", sink: createArchiveSink(env, createLogger("error")), cleanup: async () => {} });
  }
  return out;
}

async function throughKafka(sink: Sink): Promise<number> {
  const topics = topicNames(`${suffix}.${sink.name.replace(/\W/g, "")}.`);
  const bus = createKafkaBus({ brokers: need("FG_KAFKA_BROKERS").split(","), clientId: "bench", logger: createLogger("error") });
  await bus.ensureTopics([{ name: topics.events, partitions: 4 }, { name: topics.dlq, partitions: 1 }]);
  const publisher = await bus.publisher();
  for (let i = 0; i < rows; i += 10_000) {
    await publisher.send(topics.events, data.slice(i, i + 10_000).map((e) => ({ key: busKey(e), value: JSON.stringify(e) })));
  }
  await publisher.close();
  let written = 0;
  const runtime = createSinkRuntime({
    name: sink.name, bus, topic: topics.events, dlqTopic: topics.dlq, groupPrefix: suffix, decode: decodeEnvelope,
    write: async (batch) => {
      await sink.write(batch);
      written += batch.length;
    },
    batch: { maxRows: batch, maxWaitMs: 1_000 }, retry: { maxAttempts: 3, baseMs: 100, maxMs: 1_000 }, consumers: Number(values.consumers), logger: createLogger("error"),
  });
  const started = performance.now();
  await runtime.start();
  while (written < rows) await Bun.sleep(20);
  const seconds = (performance.now() - started) / 1_000;
  await runtime.stop();
  await bus.close();
  return seconds;
}

const data = benchEvents(rows);
const table: string[][] = [["sink", "path", "rows", "batch", "seconds", "rows/s"]];
const row = (name: string, path: string, seconds: number) =>
  table.push([name, path, String(rows), String(batch), seconds.toFixed(2), Math.round(rows / seconds).toLocaleString("en")]);
for (const { name, sink, cleanup } of benches()) {
  await sink.prepare();
  await sink.write(data.slice(0, Math.min(batch, 1_000))); // warm-up: connections, JIT
  const started = performance.now();
  for (let i = 0; i < rows; i += batch) await sink.write(data.slice(i, i + batch));
  row(name, "write()", (performance.now() - started) / 1_000);
  if (values.kafka) row(name, "kafka+runtime", await throughKafka(sink));
  await cleanup();
  await sink.close();
}
const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
for (const r of table) console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
