/**
 * Kafka client comparison on Bun: the same produce and consume workload with kafkajs (the
 * product's client) and @platformatic/kafka. Each run uses a fresh topic; figures are
 * records/s, and the ratio between the two clients is what to read (machine noise cancels).
 *
 *   bun bench/kafka-clients.ts [--records 200000] [--size 512] [--batch 1000]
 * Needs FG_KAFKA_BROKERS (bash infra/local/stack env). Prints one JSON object.
 */
import { parseArgs } from "node:util";
import { Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { CompressionTypes, Kafka, logLevel, Partitioners } from "kafkajs";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { benchAdmin } from "./harness/topics.ts";

const { values } = parseArgs({
  options: { records: { type: "string", default: "200000" }, size: { type: "string", default: "512" }, batch: { type: "string", default: "1000" } },
});
const records = Number(values.records);
const size = Number(values.size);
const batch = Number(values.batch);
const brokers = (process.env.FG_KAFKA_BROKERS ?? "").split(",").filter(Boolean);
if (!brokers.length) throw new Error("FG_KAFKA_BROKERS is not set (bash infra/local/stack env)");

const payload = "x".repeat(size);
const messages = (from: number) =>
  Array.from({ length: Math.min(batch, records - from) }, (_, i) => ({ key: `user-${(from + i) % 5000}`, value: payload }));

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
  for (let i = 0; i < records; i += batch) await producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: messages(i) });
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
  const producer = new Producer({ clientId: "bench", bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true, acks: -1 });
  let t = performance.now();
  for (let i = 0; i < records; i += batch) await producer.send({ messages: messages(i).map((m) => ({ ...m, topic })) });
  const produceMs = performance.now() - t;
  await producer.close();

  const consumer = new Consumer({ groupId: `${topic}.g`, clientId: "bench", bootstrapBrokers: brokers, deserializers: stringDeserializers, maxWaitTime: 100 });
  t = performance.now();
  const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: true });
  let seen = 0;
  for await (const _ of stream) if (++seen >= records) break;
  const consumeMs = performance.now() - t;
  await stream.close();
  await consumer.close();
  return { produce_per_s: rate(records, produceMs), consume_per_s: rate(records, consumeMs) };
}

const result = { records, size, batch, bun: Bun.version, kafkajs: await kafkajs(), platformatic: await platformatic() };
const admin = benchAdmin();
await admin.connect();
await admin.deleteTopics({ topics: made }).finally(() => admin.disconnect());
console.log(JSON.stringify(result));
process.exit(0);
