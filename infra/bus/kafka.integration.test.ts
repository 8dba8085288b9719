import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import type { IncomingRecord } from "./port.ts";
import { busContract } from "./bus.contract.ts";
import { createKafkaBus } from "./kafka.ts";

busContract("kafka", () => createKafkaBus({ brokers: requireEnv("FG_KAFKA_BROKERS").split(","), clientId: "fluxgate-test" }));

busContract("kafka, kafkajs publisher", () =>
  createKafkaBus({ brokers: requireEnv("FG_KAFKA_BROKERS").split(","), clientId: "fluxgate-test", producer: "kafkajs" }));

test("both publishers put a key on the same partition (Kafka's murmur2), so clients can be mixed", async () => {
  const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
  const topic = uniqueName("placement");
  const buses = [createKafkaBus({ brokers, clientId: "t", producer: "kafkajs" }), createKafkaBus({ brokers, clientId: "t", producer: "platformatic" })];
  await buses[0]!.ensureTopics([{ name: topic, partitions: 4 }]);
  const keys = Array.from({ length: 40 }, (_, i) => `app:user-${i}`);
  for (const [i, bus] of buses.entries()) {
    const pub = await bus.publisher();
    await pub.send(topic, keys.map((key) => ({ key, value: String(i) })));
    await pub.close();
  }
  const seen: IncomingRecord[] = [];
  const sub = await buses[0]!.subscribe({ groupId: uniqueName("g"), topics: [topic], fromBeginning: true }, async ({ records }) => void seen.push(...records));
  await waitFor(() => seen.length, (n) => n === 80, { what: "80 records" });
  await sub.stop();
  const partitionOf = (client: string) => new Map(seen.filter((r) => r.value.toString() === client).map((r) => [r.key, r.partition]));
  expect(partitionOf("1")).toEqual(partitionOf("0"));
  expect(new Set(partitionOf("0").values()).size).toBe(4);
  await Promise.all(buses.map((b) => b.close()));
});

test("a kafkajs consumer reads what either publisher writes with each codec", async () => {
  const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
  const topic = uniqueName("codecs");
  const writers = (["kafkajs", "platformatic"] as const).flatMap((producer) =>
    (["none", "gzip", "zstd"] as const).map((compression) => ({ name: `${producer}/${compression}`, bus: createKafkaBus({ brokers, clientId: "t", producer, compression }) })));
  await writers[0]!.bus.ensureTopics([{ name: topic, partitions: 1 }]);
  const body = JSON.stringify({ type: "page_view", props: { url: "/pricing".repeat(20) } });
  for (const { name, bus } of writers) {
    const pub = await bus.publisher();
    await pub.send(topic, Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `${name} ${body}`, headers: { codec: name } })));
    await pub.close();
  }
  const reader = createKafkaBus({ brokers, clientId: "t" });
  const seen: IncomingRecord[] = [];
  const sub = await reader.subscribe({ groupId: uniqueName("g"), topics: [topic], fromBeginning: true }, async ({ records }) => void seen.push(...records));
  await waitFor(() => seen.length, (n) => n === 300, { what: "300 records" });
  await sub.stop();
  for (const { name } of writers) {
    const mine = seen.filter((r) => r.headers.codec === name);
    expect(mine.map((r) => r.value.toString())).toEqual(Array.from({ length: 50 }, () => `${name} ${body}`));
  }
  await Promise.all([reader, ...writers.map((w) => w.bus)].map((b) => b.close()));
});

test("with 2 batches in flight, a partition's next batch is handed over while one is in hand, and committed only after it", async () => {
  const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
  const topic = uniqueName("pipelined");
  const groupId = uniqueName("g");
  const bus = createKafkaBus({ brokers, clientId: "t" });
  const admin = new Kafka({ brokers, clientId: "t", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset;
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  const pub = await bus.publisher();
  await pub.send(topic, [{ key: "a", value: "1" }]);
  const held: { values: string[]; release: () => void }[] = [];
  const sub = await bus.subscribe({ groupId, topics: [topic], fromBeginning: true, inFlightBatches: 2 }, (batch) =>
    new Promise<void>((release) => void held.push({ values: batch.records.map((r) => r.value.toString()), release })));
  await waitFor(() => held.length, (n) => n === 1, { what: "the first batch" });
  await pub.send(topic, [{ key: "a", value: "2" }]);
  await waitFor(() => held.length, (n) => n === 2, { what: "the second batch while the first is in hand" });
  expect(held.map((h) => h.values)).toEqual([["1"], ["2"]]);
  held[1]!.release();
  await Bun.sleep(500); // time enough for a commit that jumped the queue
  expect(await committed()).toBe("-1");
  held[0]!.release();
  await waitFor(committed, (offset) => offset === "2", { what: "both batches committed, in order" });
  await sub.stop();
  await Promise.all([admin.disconnect(), pub.close(), bus.close()]);
});

test("the platformatic publisher retries the partitions a broker is not ready to lead yet, and writes each record once", async () => {
  const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
  const bus = createKafkaBus({ brokers, clientId: "t" });
  const pub = await bus.publisher();
  const admin = new Kafka({ brokers, clientId: "t", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  // Topics created without waiting for their leaders (as a client other than ensureTopics may):
  // for a moment the broker answers NOT_LEADER_OR_FOLLOWER for some of their partitions, often
  // for only part of one request's partitions, so a resend of the whole request would duplicate.
  const topics = Array.from({ length: 12 }, () => uniqueName("fresh"));
  const keys = Array.from({ length: 40 }, (_, i) => `app:user-${i}`);
  for (let i = 0; i < topics.length; i += 4) {
    const group = topics.slice(i, i + 4);
    await admin.createTopics({ waitForLeaders: false, topics: group.map((topic) => ({ topic, numPartitions: 4 })) });
    await Promise.all(group.map((topic) => pub.send(topic, keys.map((key) => ({ key, value: topic })))));
  }
  const seen: IncomingRecord[] = [];
  const sub = await bus.subscribe({ groupId: uniqueName("g"), topics, fromBeginning: true }, async ({ records }) => void seen.push(...records));
  await waitFor(() => seen.length, (n) => n >= topics.length * keys.length, { what: `${topics.length * keys.length} records`, timeoutMs: 30_000 });
  await Bun.sleep(500); // time enough for a duplicate to show up
  await sub.stop();
  for (const topic of topics) expect(seen.filter((r) => r.value.toString() === topic).map((r) => r.key).sort()).toEqual([...keys].sort());
  await Promise.all([admin.disconnect(), pub.close(), bus.close()]);
});

test("the platformatic publisher does not retry what cannot succeed: a record too large fails the send at once", async () => {
  const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
  const topic = uniqueName("small");
  const bus = createKafkaBus({ brokers, clientId: "t", sendTimeoutMs: 30_000 });
  const admin = new Kafka({ brokers, clientId: "t", logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, configEntries: [{ name: "max.message.bytes", value: "1000" }] }] });
  const pub = await bus.publisher();
  await pub.send(topic, [{ key: "k", value: "fits" }]);
  const started = performance.now();
  // Random, so that compression does not bring it under the topic's limit.
  const failure = await pub.send(topic, [{ key: "k", value: randomBytes(5_000).toString("hex") }]).catch((err: unknown) => err);
  expect(String(failure)).toContain("PLT_KFK_RESPONSE");
  // Retried, it would take the backoffs (50 + 150 + 400 ms) at least.
  expect(performance.now() - started).toBeLessThan(550);
  await Promise.all([admin.disconnect(), pub.close(), bus.close()]);
});
