/**
 * The sink runtime on real Kafka, with recording sinks: poison records go to the DLQ with their
 * error and never block, a permanently refused row costs only itself, a batch that keeps failing
 * is dead-lettered after the budget, offsets are committed after writes, and a stuck sink holds
 * up no other sink; at a low rate a batch gathers what arrives within the max wait.
 */
import { afterAll, expect, test } from "bun:test";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import type { IncomingRecord } from "../../infra/bus/port.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { busKey, type Envelope } from "../../schemas/envelope.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { readTopic } from "../../test/support/read-topic.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { SinkError } from "../sink.ts";
import { decodeEnvelope } from "./decode.ts";
import { createSinkRuntime, type SinkRuntime } from "./runtime.ts";

const bus = createKafkaBus({ brokers: requireEnv("FG_KAFKA_BROKERS").split(","), clientId: "store-runtime-test", logger: createLogger("error") });
const running: SinkRuntime[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await bus.close();
});

async function freshTopics() {
  const topics = topicNames(`${uniqueName("rt")}.`);
  await bus.ensureTopics([{ name: topics.events, partitions: 2 }, { name: topics.dlq, partitions: 1 }]);
  return topics;
}

async function start(topics: ReturnType<typeof topicNames>, name: string, write: (events: Envelope[]) => Promise<void>, groupPrefix = uniqueName("g"), maxWaitMs = 100) {
  const runtime = createSinkRuntime({
    name, bus, topic: topics.events, dlqTopic: topics.dlq, groupPrefix, decode: decodeEnvelope, write,
    batch: { maxRows: 50, maxWaitMs }, retry: { maxAttempts: 3, baseMs: 10, maxMs: 50 }, consumers: 1, logger: createLogger("error"),
  });
  await runtime.start();
  running.push(runtime);
  return runtime;
}

async function send(topic: string, values: (string | Envelope)[]) {
  const publisher = await bus.publisher();
  await publisher.send(topic, values.map((v) => (typeof v === "string" ? { key: "k", value: v } : { key: busKey(v), value: JSON.stringify(v) })));
  await publisher.close();
}

async function collect(topic: string): Promise<IncomingRecord[]> {
  const { records, stop } = await readTopic(bus, topic, uniqueName("dlq-reader"));
  running.push({ groupId: "", start: async () => {}, stop });
  return records;
}

test("poison records go to the DLQ with their error while the rest is written; offsets are committed", async () => {
  const topics = await freshTopics();
  const events = sampleEvents(120, { app: "rt" });
  const written: string[] = [];
  await send(topics.events, [...events.slice(0, 60), "not json", JSON.stringify({ ...events[0], app_id: "BAD APP" }), ...events.slice(60)]);
  const groupPrefix = uniqueName("g");
  const runtime = await start(topics, "recorder", async (batch) => void written.push(...batch.map((e) => e.event_id)), groupPrefix);
  const dlq = await collect(topics.dlq);
  await waitFor(() => written.length, (n) => n === 120, { what: "valid events written" });
  await waitFor(() => dlq.length, (n) => n === 2, { what: "two dead letters" });
  expect(new Set(written)).toEqual(new Set(events.map((e) => e.event_id)));
  expect(dlq.map((r) => r.headers["fg-dlq-reason"])).toEqual(["invalid", "invalid"]);
  expect(dlq.map((r) => r.headers["fg-dlq-sink"])).toEqual(["recorder", "recorder"]);
  expect(dlq.map((r) => r.value.toString()).sort()).toEqual(["not json", JSON.stringify({ ...events[0], app_id: "BAD APP" })].sort());
  expect(dlq.every((r) => r.headers["fg-dlq-error"] && /^.*fg\.events:\d+:\d+$/.test(r.headers["fg-dlq-source"]!))).toBe(true);

  await runtime.stop();
  const again: string[] = [];
  await start(topics, "recorder", async (batch) => void again.push(...batch.map((e) => e.event_id)), groupPrefix);
  await send(topics.events, events.slice(0, 1));
  await waitFor(() => again.length, (n) => n >= 1, { what: "the new event after restart" });
  expect(again).toEqual([events[0]!.event_id]);
});

test("a row the sink refuses for good costs only itself; a batch that keeps failing is dead-lettered after the budget", async () => {
  const topics = await freshTopics();
  const events = sampleEvents(40, { app: "rt" });
  const poison = events[17]!.event_id;
  const flaky = events[33]!.event_id;
  const written = new Set<string>();
  await send(topics.events, events);
  const dlq = await collect(topics.dlq);
  await start(topics, "picky", async (batch) => {
    if (batch.some((e) => e.event_id === poison)) throw new SinkError("refused row", true);
    if (batch.some((e) => e.event_id === flaky)) throw new SinkError("keeps timing out", false);
    for (const e of batch) written.add(e.event_id);
  });
  await waitFor(() => written.size + dlq.length, (n) => n === events.length, { what: "every event written or dead-lettered" });
  const reasons = Object.fromEntries(dlq.map((r) => [JSON.parse(r.value.toString()).event_id, r.headers["fg-dlq-reason"]]));
  expect(reasons[poison]).toBe("permanent");
  expect(reasons[flaky]).toBe("retries_exhausted");
  // The transient failure dead-letters its whole batch (up to 50 rows); the permanent one is bisected down to itself.
  const lost = events.filter((e) => !written.has(e.event_id)).map((e) => e.event_id);
  expect(new Set(lost)).toEqual(new Set(dlq.map((r) => JSON.parse(r.value.toString()).event_id)));
  expect(Object.values(reasons).filter((r) => r === "permanent")).toEqual(["permanent"]);
  expect(Object.values(reasons).filter((r) => r !== "permanent").every((r) => r === "retries_exhausted")).toBe(true);
}, 20_000);

test("a stuck sink holds up no other sink on the same topic", async () => {
  const topics = await freshTopics();
  const events = sampleEvents(200, { app: "rt" });
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  const fast: string[] = [];
  await start(topics, "stuck", () => stuck);
  await start(topics, "fast", async (batch) => void fast.push(...batch.map((e) => e.event_id)));
  await send(topics.events, events);
  await waitFor(() => fast.length, (n) => n === 200, { what: "the healthy sink writing everything" });
  release();
});

test("at a low rate, what arrives within the max wait of a batch's first row goes in one write", async () => {
  const topics = await freshTopics();
  const writes: { rows: number; at: number }[] = [];
  await start(topics, "gather", async (batch) => void writes.push({ rows: batch.length, at: Date.now() }), uniqueName("g"), 1_500);
  await send(topics.events, sampleEvents(2, { keys: 1 })); // the group's first fetch finds these
  await waitFor(() => writes.length, (n) => n === 1, { what: "the first write", timeoutMs: 20_000 });
  const sentAt = Date.now();
  for (let i = 0; i < 2; i++) {
    await send(topics.events, sampleEvents(3, { keys: 1 }));
    await Bun.sleep(100);
  }
  await waitFor(() => writes.length, (n) => n === 2, { what: "the second write", timeoutMs: 10_000 });
  await Bun.sleep(300);
  // Each send was fetched on its own while the batch waited; both went in one write when the batch was due.
  expect(writes.map((w) => w.rows)).toEqual([2, 6]);
  expect(writes[1]!.at - sentAt).toBeGreaterThanOrEqual(1_300);
});
