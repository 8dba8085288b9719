/**
 * Kafka client comparison on Bun: the same produce and consume workload with kafkajs and
 * @platformatic/kafka, in the product's codec (zstd unless --compression says otherwise), and
 * the bus's own consumer adapter (infra/bus/kafka.ts, what the processor and the store consume
 * through) as a bare consumer: batches handed to a handler that only counts them. Each run uses
 * a fresh topic; figures are records/s, and the ratios are what to read (machine noise cancels).
 *
 * Records are event JSON as the gateway publishes it (~350 B, fresh ids), so a codec compresses
 * what it would in production.
 *
 *   bun bench/kafka-clients.ts [--records 200000] [--batch 1000] [--compression zstd|gzip|none]
 * Needs FG_KAFKA_BROKERS (bash infra/local/stack env). Prints one JSON object.
 */
import { parseArgs } from "node:util";
import { Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { CompressionTypes, Kafka, logLevel, Partitioners } from "kafkajs";
import type { KafkaCompression } from "../infra/bus/compression.ts";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { registerZstdCodec } from "../infra/bus/zstd-codec.ts";
import { benchAdmin } from "./harness/topics.ts";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "200000" }, batch: { type: "string", default: "1000" },
    compression: { type: "string", default: "zstd" },
  },
});
const records = Number(values.records);
const batch = Number(values.batch);
const compression = values.compression as KafkaCompression;
if (!["zstd", "gzip", "none"].includes(compression)) throw new Error(`--compression: zstd, gzip or none, not ${compression}`);
const kafkajsCodec = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, zstd: CompressionTypes.ZSTD }[compression];
registerZstdCodec();
const brokers = (process.env.FG_KAFKA_BROKERS ?? "").split(",").filter(Boolean);
if (!brokers.length) throw new Error("FG_KAFKA_BROKERS is not set (bash infra/local/stack env)");

const start = Date.UTC(2026, 0, 5, 10);
const event = (i: number) => JSON.stringify({
  event_id: Bun.randomUUIDv7(), app_id: "bench", type: i % 5 ? "page_view" : "checkout_completed", ts: start + i, received_at: start + i,
  key: `user-${i % 5000}`, user_id: `user-${i % 5000}`, session_id: `s-${i % 20000}`, source: "http",
  props: { url: `/products/${i % 997}`, referrer: "https://example.com/search?q=shoes", duration_ms: i % 3000 },
});
const payloads = Array.from({ length: records }, (_, i) => event(i));
const size = Math.round(payloads.reduce((n, p) => n + p.length, 0) / records);
const messages = (from: number) =>
  Array.from({ length: Math.min(batch, records - from) }, (_, i) => ({ key: `bench:user-${(from + i) % 5000}`, value: payloads[from + i]! }));

const made: string[] = [];
async function freshTopic(name: string): Promise<string> {
  const topic = `bench.${name}.${Date.now().toString(36)}`;
  made.push(topic);
  const bus = createKafkaBus({ brokers, clientId: "bench" });
  await bus.ensureTopics([{ name: topic, partitions: 4 }]);
  await bus.close();
  return topic;
}

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

async function kafkajs() {
  const topic = await freshTopic("kafkajs");
  const kafka = new Kafka({ clientId: "bench", brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let t = performance.now();
  for (let i = 0; i < records; i += batch) await producer.send({ topic, acks: -1, compression: kafkajsCodec, messages: messages(i) });
  const produceMs = performance.now() - t;
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}.g`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  t = performance.now();
  await new Promise<void>((resolve) => {
    void consumer.run({ eachBatch: async ({ batch: b }) => { if ((seen += b.messages.length) >= records) resolve(); } });
  });
  const consumeMs = performance.now() - t;
  await consumer.disconnect();
  return { produce_per_s: rate(records, produceMs), consume_per_s: rate(records, consumeMs) };
}

async function platformatic() {
  const topic = await freshTopic("platformatic");
  const producer = new Producer({ clientId: "bench", bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true, acks: -1, compression });
  let t = performance.now();
  for (let i = 0; i < records; i += batch) await producer.send({ messages: messages(i).map((m) => ({ ...m, topic })) });
  const produceMs = performance.now() - t;
  await producer.close();

  const consumer = new Consumer({ groupId: `${topic}.g`, clientId: "bench", bootstrapBrokers: brokers, deserializers: stringDeserializers, maxWaitTime: 100 });
  t = performance.now();
  const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: true });
  let seen = 0;
  // 'data' events rather than for await: the async iterator costs a promise per record, which is the loop's, not the client's.
  await new Promise<void>((resolve) => stream.on("data", () => void (++seen === records && resolve())));
  const consumeMs = performance.now() - t;
  await stream.close();
  await consumer.close();
  return { produce_per_s: rate(records, produceMs), consume_per_s: rate(records, consumeMs) };
}

/** The bus adapter as the processor consumes (one batch of a partition at a time, committed after the handler). */
async function bus() {
  const topic = await freshTopic("bus");
  const adapter = createKafkaBus({ brokers, clientId: "bench", compression });
  const publisher = await adapter.publisher();
  for (let i = 0; i < records; i += batch) await publisher.send(topic, messages(i));
  await publisher.close();
  let seen = 0;
  const caughtUp = Promise.withResolvers<void>();
  // Timed like the clients above: from subscribing (the group join included) to the last record.
  const t = performance.now();
  const sub = await adapter.subscribe({ groupId: `${topic}.g`, topics: [topic], fromBeginning: true }, async ({ records: got }) => {
    if ((seen += got.length) >= records) caughtUp.resolve();
  });
  await caughtUp.promise;
  const consumeMs = performance.now() - t;
  await sub.stop();
  await adapter.close();
  return { consume_per_s: rate(records, consumeMs) };
}

const result = { records, size, batch, compression, bun: Bun.version, kafkajs: await kafkajs(), platformatic: await platformatic(), bus: await bus() };
const admin = benchAdmin();
await admin.connect();
await admin.deleteTopics({ topics: made }).finally(() => admin.disconnect());
console.log(JSON.stringify(result));
process.exit(0);
