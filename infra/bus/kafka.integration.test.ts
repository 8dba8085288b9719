import { expect, test } from "bun:test";
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
