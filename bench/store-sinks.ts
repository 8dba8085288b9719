/**
 * Store sink throughput: rows/s of each Sink's write() with batches handed to it directly
 * (ClickHouse, Postgres COPY, Parquet to S3), each on a fresh database / schema / bucket; with
 * --kafka, also through the store runtime from a fresh Kafka topic the events were produced to
 * beforehand (fetch, decompression, decode and validation, batching, write, commit), read as a
 * ratio to the direct write() of the same run. With --together, the store role as its own
 * process, all sinks at once, while events are produced to its fg.events at --rate: the consumer
 * lag it keeps (sampled every second) says whether it keeps up.
 *
 *   bun bench/store-sinks.ts [--rows 200000] [--batch 50000] [--sinks clickhouse,postgres,archive] [--kafka]
 *                            [--consume] [--together [--rate 50000] [--seconds 20]] [--json]
 * --consume: the consume path alone for three sinks in one process, decoding apart and shared.
 * Needs the services' FG_* variables (bash infra/local/stack env). Prints a table, or with --json
 * one JSON object (bench/run reads it).
 */
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { topicNames } from "../infra/bus/topics.ts";
import { createLogger } from "../infra/telemetry/logger.ts";
import { busKey, type Envelope } from "../schemas/envelope.ts";
import { createClickHouseTier } from "../store/clickhouse/tier.ts";
import { createPostgresTier } from "../store/postgres/tier.ts";
import { createArchiveSink } from "../store/s3/index.ts";
import type { IncomingRecord, Publisher } from "../infra/bus/port.ts";
import { createSharedDecoder, createSinkRuntime, decodeEnvelope, type Decoded } from "../store/runtime/index.ts";
import type { Sink } from "../store/sink.ts";
import { freePort } from "../test/support/free-port.ts";
import { benchEvents } from "./events.ts";
import type { ConsumeResult, PathResult, StoreSinksResult, TogetherResult } from "./harness/store-sinks-report.ts";
import { start, summarize, waitReady } from "./harness/processes.ts";
import { benchAdmin, deleteRunLeftovers } from "./harness/topics.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "200000" },
    batch: { type: "string", default: "50000" },
    kafka: { type: "boolean", default: false },
    sinks: { type: "string", default: "clickhouse,postgres,archive" },
    together: { type: "boolean", default: false },
    consume: { type: "boolean", default: false },
    rate: { type: "string", default: "50000" },
    seconds: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const rows = Number(values.rows);
const batch = Number(values.batch);
const need = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set (bash infra/local/stack env)`); })();
const suffix = `bench_${Date.now().toString(36)}`;
const quiet = createLogger("error");
const say = (msg: string) => console.error(`[store-sinks ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Fresh events (new ids on every call): [from, from + count) of a set spread over an hour of event time. */
const events = (count: number, from = 0): Envelope[] => benchEvents(count, { from, total: Math.max(from + count, rows) });

interface Bench {
  label: string;
  sink: Sink;
  cleanup(): Promise<void>;
}

const s3Env = (bucket: string) => ({
  FG_DATA_DIR: "/nonexistent", FG_S3_ENDPOINT: need("FG_S3_ENDPOINT"), FG_S3_ACCESS_KEY: need("FG_S3_ACCESS_KEY"),
  FG_S3_SECRET_KEY: need("FG_S3_SECRET_KEY"), FG_S3_BUCKET: bucket, FG_S3_REGION: "us-east-1",
});

function benches(): Bench[] {
  const wanted = new Set(values.sinks.split(","));
  const out: Bench[] = [];
  if (wanted.has("clickhouse")) {
    const tier = createClickHouseTier({ url: need("FG_CLICKHOUSE_URL"), database: suffix });
    out.push({ label: "clickhouse", sink: tier.events, cleanup: () => tier.client.command({ query: `DROP DATABASE IF EXISTS ${suffix}` }).then(() => {}) });
  }
  if (wanted.has("postgres")) {
    const tier = createPostgresTier({ url: need("FG_POSTGRES_URL"), schema: suffix, partitionsAheadDays: 0, retentionDays: 100_000 });
    out.push({ label: "postgres", sink: tier.events, cleanup: () => tier.sql.unsafe(`drop schema if exists ${suffix} cascade`).then(() => {}) });
  }
  if (wanted.has("archive")) {
    out.push({ label: "archive (parquet to s3)", sink: createArchiveSink(s3Env(suffix.replace(/_/g, "-")), quiet), cleanup: async () => {} });
  }
  return out;
}

/** Sends events as the gateway does: leaders still moving on a new topic are the publisher's to retry (20b1453). */
async function fill(publisher: Publisher, topic: string, batch: Envelope[]) {
  await publisher.send(topic, batch.map((e) => ({ key: busKey(e), value: JSON.stringify(e) })));
}

/** CPU of this process (all threads) over a stretch of work, per row. */
function cpuMeter(): (count: number) => number {
  const before = process.cpuUsage();
  return (count) => {
    const used = process.cpuUsage(before);
    return Math.round(((used.user + used.system) / count) * 10) / 10;
  };
}


async function direct(sink: Sink, data: Envelope[]): Promise<PathResult> {
  const cpu = cpuMeter();
  const started = performance.now();
  for (let i = 0; i < data.length; i += batch) await sink.write(data.slice(i, i + batch));
  const seconds = (performance.now() - started) / 1_000;
  return { rows_per_s: Math.round(data.length / seconds), seconds: round2(seconds), cpu_us_per_row: cpu(data.length) };
}

/**
 * The runtime from a topic filled beforehand: timed from the first record it decodes to the last
 * row written, so the group join (a fixed cost, ~0.1-1 s) is reported apart from the rate.
 */
async function throughKafka(sink: Sink, data: Envelope[], round: number): Promise<PathResult & { join_s: number }> {
  const topics = topicNames(`${suffix}.${sink.name.replace(/\W/g, "")}${round}.`);
  const bus = createKafkaBus({ brokers: need("FG_KAFKA_BROKERS").split(","), clientId: "bench", logger: quiet });
  await bus.ensureTopics([{ name: topics.events, partitions: 4 }, { name: topics.dlq, partitions: 1 }]);
  const publisher = await bus.publisher();
  for (let i = 0; i < data.length; i += 10_000) {
    await fill(publisher, topics.events, data.slice(i, i + 10_000));
  }
  await publisher.close();
  let written = 0;
  let first = 0;
  let cpu: ReturnType<typeof cpuMeter> | undefined;
  const runtime = createSinkRuntime({
    name: sink.name, bus, topic: topics.events, dlqTopic: topics.dlq, groupPrefix: `${suffix}-${round}`,
    decode: (record) => {
      if (!first) [first, cpu] = [performance.now(), cpuMeter()];
      return decodeEnvelope(record);
    },
    write: async (items) => {
      await sink.write(items);
      written += items.length;
    },
    batch: { maxRows: batch, maxWaitMs: 1_000 }, retry: { maxAttempts: 3, baseMs: 100, maxMs: 1_000 }, consumers: 1, logger: quiet,
  });
  const started = performance.now();
  await runtime.start();
  while (written < data.length) await Bun.sleep(5);
  const seconds = (performance.now() - first) / 1_000;
  const result = { rows_per_s: Math.round(data.length / seconds), seconds: round2(seconds), cpu_us_per_row: cpu!(data.length), join_s: round2((first - started) / 1_000) };
  await runtime.stop();
  await bus.close();
  await deleteRunLeftovers(suffix).catch(() => {});
  return result;
}


/**
 * The consume path alone, for three event sinks in one process: three runtimes (a group each, as
 * the store runs them) with writes that only count, over one topic filled beforehand, first each
 * decoding for itself, then through one shared decoder (store/runtime/shared-decode.ts), twice
 * each, interleaved. CPU of this process per event (all three sinks' work on it), timed from the
 * first record fetched.
 */
async function consumePath(count: number): Promise<ConsumeResult> {
  const topics = topicNames(`${suffix}.consume.`);
  const bus = createKafkaBus({ brokers: need("FG_KAFKA_BROKERS").split(","), clientId: "bench", logger: quiet });
  await bus.ensureTopics([{ name: topics.events, partitions: 4 }, { name: topics.dlq, partitions: 1 }]);
  const publisher = await bus.publisher();
  for (let i = 0; i < count; i += 10_000) {
    await fill(publisher, topics.events, events(Math.min(10_000, count - i), i));
  }
  await publisher.close();
  const run = async (label: string, decode: (record: IncomingRecord) => Decoded<Envelope>): Promise<PathResult> => {
    let written = 0;
    let first = 0;
    let cpu: ReturnType<typeof cpuMeter> | undefined;
    const timed = (record: IncomingRecord) => {
      if (!first) [first, cpu] = [performance.now(), cpuMeter()];
      return decode(record);
    };
    const runtimes = ["clickhouse", "postgres", "archive"].map((name) => createSinkRuntime({
      name, bus, topic: topics.events, dlqTopic: topics.dlq, groupPrefix: `${suffix}-${label}`, decode: timed,
      write: async (items) => void (written += items.length),
      batch: { maxRows: 10_000, maxWaitMs: 250 }, retry: { maxAttempts: 3, baseMs: 100, maxMs: 1_000 }, consumers: 1, logger: quiet,
    }));
    await Promise.all(runtimes.map((r) => r.start()));
    while (written < 3 * count) await Bun.sleep(5);
    const seconds = (performance.now() - first) / 1_000;
    const result = { rows_per_s: Math.round(count / seconds), seconds: round2(seconds), cpu_us_per_row: cpu!(count) };
    await Promise.all(runtimes.map((r) => r.stop()));
    return result;
  };
  // Interleaved twice, the least disturbed (lowest CPU) of each kept: the machine is shared.
  const best = (a: PathResult, b: PathResult) => (a.cpu_us_per_row <= b.cpu_us_per_row ? a : b);
  let decoded = 0;
  const counted = (record: IncomingRecord) => (decoded++, decodeEnvelope(record));
  const sharedDecoder = () => createSharedDecoder(counted, { readers: 3, capacity: 100_000 }).decode;
  let separate = await run("separate-1", decodeEnvelope);
  let shared = await run("shared-1", sharedDecoder());
  separate = best(separate, await run("separate-2", decodeEnvelope));
  shared = best(shared, await run("shared-2", sharedDecoder()));
  await bus.close();
  await deleteRunLeftovers(`${suffix}.consume.`).catch(() => {});
  await deleteRunLeftovers(`${suffix}-`).catch(() => {});
  return { events: count, separate, shared, decodes_per_event_shared: round2(decoded / (2 * count)) };
}

/** The store role in a process of its own, every sink, while events arrive at a constant rate. */
async function together(rate: number, seconds: number): Promise<TogetherResult> {
  const run = `${suffix}-together`;
  const db = `${suffix}_t`;
  const port = freePort();
  const env = {
    FG_TOPIC_PREFIX: `${run}.`, FG_STORE_GROUP_PREFIX: `${run}-store`, FG_CLICKHOUSE_DATABASE: db, FG_STORE_POSTGRES_SCHEMA: db,
    FG_S3_BUCKET: db.replace(/_/g, "-"), FG_ADMIN_PORT: String(port), FG_LOG_LEVEL: "warn",
  };
  const topic = `${run}.fg.events`;
  const admin = benchAdmin();
  await admin.connect();
  const store = start("store", ["bun", "infra/app/main.ts", "store"], env, join(tmpdir(), `${run}-store.log`));
  const bus = createKafkaBus({ brokers: need("FG_KAFKA_BROKERS").split(","), clientId: "bench", logger: quiet });
  try {
    await waitReady(store, `http://127.0.0.1:${port}/readyz`);
    const groups = async () => (await admin.listGroups()).groups.map((g) => g.groupId)
      .filter((g) => g.startsWith(`${run}-store-`) && ["clickhouse", "postgres", "archive"].some((s) => g.endsWith(`-${s}`)));
    // Listed is not joined: load before every group is stable would count the joins as lag.
    const stable = async (names: string[]) => (await admin.describeGroups(names)).groups.every((g) => g.state === "Stable" && g.members.length > 0);
    for (let i = 0; i < 240 && ((await groups()).length < 3 || !(await stable(await groups()))); i++) await Bun.sleep(250);
    const eventGroups = await groups();
    const sum = (xs: { offset: string }[]) => xs.reduce((s, x) => s + Math.max(0, Number(x.offset)), 0);
    const lags = async () => {
      const end = sum(await admin.fetchTopicOffsets(topic));
      const out: Record<string, number> = {};
      for (const g of eventGroups) {
        const committed = (await admin.fetchOffsets({ groupId: g, topics: [topic] }))[0]?.partitions ?? [];
        out[g.slice(run.length + "-store-".length)] = end - sum(committed);
      }
      return out;
    };
    const maxLag: Record<string, number> = {};
    const publisher = await bus.publisher();
    say(`together: ${rate} events/s for ${seconds} s into one store process (admin port ${port})`);
    const measuredFrom = store.samples.length;
    const tick = 100;
    const perTick = Math.round((rate * tick) / 1_000);
    const t0 = performance.now();
    let producing = true;
    // Lag once a second, beside the load rather than in its loop.
    const sampler = (async () => {
      while (producing) {
        await Bun.sleep(1_000);
        for (const [g, l] of Object.entries(await lags())) maxLag[g] = Math.max(maxLag[g] ?? 0, l);
      }
    })();
    // Sends overlap (the publisher keeps each partition in order), so the rate is not one round trip per tick.
    const inFlight = new Set<Promise<void>>();
    let produced = 0;
    while (performance.now() - t0 < seconds * 1_000) {
      const due = Math.floor((performance.now() - t0) / tick + 1) * perTick;
      if (produced >= due || inFlight.size >= 16) {
        await (inFlight.size >= 16 ? Promise.race(inFlight) : Bun.sleep(Math.max(1, t0 + (produced / perTick) * tick - performance.now())));
        continue;
      }
      const n = Math.min(perTick, due - produced);
      const sent: Promise<void> = publisher.send(topic, events(n, produced).map((e) => ({ key: busKey(e), value: JSON.stringify(e) })))
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      produced += n;
    }
    await Promise.all(inFlight);
    producing = false;
    await sampler;
    const producedSeconds = (performance.now() - t0) / 1_000;
    const atEnd = await lags();
    for (const [g, l] of Object.entries(atEnd)) maxLag[g] = Math.max(maxLag[g] ?? 0, l);
    const resources = summarize(store.samples.slice(measuredFrom));
    const writes = sinkWrites(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), producedSeconds);
    const drainFrom = performance.now();
    let drain: number | null = null;
    while (performance.now() - drainFrom < 60_000) {
      if (Object.values(await lags()).every((l) => l === 0)) {
        drain = round2((performance.now() - drainFrom) / 1_000);
        break;
      }
      await Bun.sleep(250);
    }
    await publisher.close();
    const producedPerS = Math.round(produced / producedSeconds);
    return {
      rate_target: rate, produced_per_s: producedPerS, seconds: round2(producedSeconds), max_lag: maxLag, lag_at_end: atEnd, drain_s: drain,
      store: resources, cpu_us_per_event: Math.round((resources.cpu_avg_pct * 10_000) / producedPerS), writes,
    };
  } finally {
    await store.stop();
    await bus.close();
    await admin.disconnect();
    await deleteRunLeftovers(run).catch(() => {});
    const ch = createClickHouseTier({ url: need("FG_CLICKHOUSE_URL"), database: db });
    const pg = createPostgresTier({ url: need("FG_POSTGRES_URL"), schema: db, partitionsAheadDays: 0, retentionDays: 100_000 });
    await Promise.allSettled([ch.client.command({ query: `DROP DATABASE IF EXISTS ${db}` }), pg.sql.unsafe(`drop schema if exists ${db} cascade`)]);
    await Promise.allSettled([ch.client.close(), pg.sql.end()]);
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Each event sink's writes while events were produced, from the store's own metrics: a sink busy
 * writing most of the time is limited by its tier; one that is behind but mostly idle, by the
 * consume path before it.
 */
function sinkWrites(metrics: string, seconds: number): TogetherResult["writes"] {
  const value = (name: string, sink: string) => Number(new RegExp(`^${name}\\{[^}]*sink="${sink}"[^}]*\\} (\\S+)`, "m").exec(metrics)?.[1] ?? NaN);
  return Object.fromEntries(["clickhouse", "postgres", "archive"].map((sink) => {
    const count = value("fluxgate_store_write_seconds_count", sink);
    const busy = value("fluxgate_store_write_seconds_sum", sink);
    return [sink, { writes: count, rows_per_write: Math.round(value("fluxgate_store_batch_rows_sum", sink) / count), mean_write_ms: Math.round((busy / count) * 1_000), busy_pct: Math.round((busy / seconds) * 100) }];
  }));
}


const result: StoreSinksResult = { rows, batch, sinks: [] };
for (const { label, sink, cleanup } of benches()) {
  say(`${label}: write()${values.kafka ? " and through Kafka" : ""}`);
  await sink.prepare();
  await sink.write(events(Math.min(batch, 1_000))); // warm-up: connections, JIT
  // Interleaved twice, the faster of each path kept: the load of a shared machine changes within
  // seconds, and a ratio of two paths measured a minute apart would mostly measure that.
  const faster = <R extends PathResult>(a: R, b: R) => (a.rows_per_s >= b.rows_per_s ? a : b);
  const entry: StoreSinksResult["sinks"][number] = { sink: label, direct: await direct(sink, events(rows)) };
  if (values.kafka) {
    entry.kafka = await throughKafka(sink, events(rows), 1);
    entry.direct = faster(entry.direct, await direct(sink, events(rows)));
    entry.kafka = faster(entry.kafka, await throughKafka(sink, events(rows), 2));
  }
  result.sinks.push(entry);
  await cleanup();
  await sink.close();
}
if (values.consume) {
  say("consume path: three sinks' runtimes on one topic, decoding apart and shared");
  result.consume = await consumePath(rows);
}
if (values.together) result.together = await together(Number(values.rate), Number(values.seconds));

if (values.json) console.log(JSON.stringify(result));
else {
  const table: string[][] = [["sink", "path", "rows", "batch", "seconds", "rows/s", "CPU µs/row", "vs write()"]];
  for (const s of result.sinks) {
    table.push([s.sink, "write()", String(rows), String(batch), String(s.direct.seconds), s.direct.rows_per_s.toLocaleString("en"), String(s.direct.cpu_us_per_row), ""]);
    if (s.kafka) table.push([s.sink, `kafka+runtime (join ${s.kafka.join_s} s)`, String(rows), String(batch), String(s.kafka.seconds), s.kafka.rows_per_s.toLocaleString("en"), String(s.kafka.cpu_us_per_row), `${(s.kafka.rows_per_s / s.direct.rows_per_s).toFixed(2)}×`]);
  }
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table) console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
  if (result.consume) console.log(JSON.stringify(result.consume));
  if (result.together) console.log(JSON.stringify(result.together));
}
process.exit(0);
