/**
 * The checkpoint cadence (stage.ts): a partition saves its state and offset every checkpointMs of
 * processing time, not after every batch; the bus commits only saved offsets; stop() saves what is
 * left; and a failed checkpoint replays from the last one saved, with the same outputs.
 */
import { afterEach, expect, test } from "bun:test";
import { createMemoryBus } from "../../infra/bus/memory.ts";
import type { Bus, IncomingRecord, Publisher } from "../../infra/bus/port.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { readTopic } from "../../test/support/read-topic.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { ev, ruleSetOf } from "../engine/test-kit.ts";
import { createMemoryStateStore } from "../state/memory.ts";
import type { StateStore } from "../state/port.ts";
import { createProcessorRuntime, type ProcessorRuntime } from "./runtime.ts";

const topics = topicNames("");
const rules = ruleSetOf(`rules:
  - id: fails
    app: shop
    description: d
    severity: warning
    group_by: key
    filter: { type: fail }
    window: { type: tumbling, size: 1m, threshold: { gt: 30 } }
`);
const logger = createLogger("error");
const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

/** 1,200 events of one user, a second apart: 20 one-minute windows, of which 19 close. The memory bus hands them over as batches of 500, 500 and 200. */
const stream = Array.from({ length: 1_200 }, (_, i) => ev(`e${i}`, i * 1_000, "fail", "u1"));
const CLOSED = 19;

/** A memory store that records every save's next offset, and fails the saves `failing` names (1-based). */
function recordingStore(failing: number[] = []): StateStore & { saves: string[] } {
  const inner = createMemoryStateStore();
  const saves: string[] = [];
  let n = 0;
  return {
    saves,
    claim: (p) => inner.claim(p),
    async save(lease, delta, nextOffset) {
      if (failing.includes(++n)) throw new Error("the state backend is down");
      await inner.save(lease, delta, nextOffset);
      saves.push(nextOffset);
    },
    size: (p) => inner.size(p),
    close: () => inner.close(),
  };
}

async function setUp(store: StateStore, checkpointMs: number): Promise<{ bus: Bus; runtime: ProcessorRuntime; windows: IncomingRecord[] }> {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 1 }]);
  const pub = await bus.publisher();
  await pub.send(topics.events, stream.map((e) => ({ key: `shop:${e.user_id}`, value: JSON.stringify(e) })));
  const runtime = createProcessorRuntime({ bus, topics, groupId: "g", store, logger, outOfOrdernessMs: 0, eventPartitions: 1, checkpointMs, retryDelayMs: 10 });
  running.push(runtime);
  runtime.setRules(rules);
  await runtime.start();
  const read = await readTopic(bus, topics.windows);
  running.push(read);
  return { bus, runtime, windows: read.records };
}

const committed = async (bus: Bus) => (await bus.lag([{ groupId: "g", topics: [topics.events] }]))[0]!.committed;

test("between checkpoints nothing is saved or committed; stop() saves the batches since the last one in one save, then commits it", async () => {
  const store = recordingStore();
  const { bus, runtime, windows } = await setUp(store, 60_000);
  await waitFor(() => windows.length, (n) => n === CLOSED, { what: "every closed window published" });
  // Published before any checkpoint: outputs do not wait for the save.
  expect(store.saves).toEqual([]);
  expect(await committed(bus)).toBeNull();
  await runtime.stop();
  expect(store.saves).toEqual(["1200"]);
  expect(await committed(bus)).toBe(1_200);
});

test("with checkpointMs 0 every batch is saved and committed on its own", async () => {
  const store = recordingStore();
  const { bus, windows } = await setUp(store, 0);
  await waitFor(() => windows.length, (n) => n === CLOSED, { what: "every closed window published" });
  await waitFor(() => committed(bus), (c) => c === 1_200, { what: "the last batch committed" });
  expect(store.saves).toEqual(["500", "1000", "1200"]);
});

test("the interval's checkpoint comes without a further batch: the last events are saved and committed while the processor idles", async () => {
  const store = recordingStore();
  const { bus } = await setUp(store, 30);
  await waitFor(() => committed(bus), (c) => c === 1_200, { what: "everything committed" });
  expect(store.saves.at(-1)).toBe("1200");
  expect(store.saves.length).toBeLessThan(3);
});

test("a failed checkpoint restores from the last saved one: the replayed outputs repeat under the same ids with the same values", async () => {
  const clean = await setUp(recordingStore(), 0);
  await waitFor(() => clean.windows.length, (n) => n === CLOSED, { what: "the clean run's windows" });
  // Saves after every batch, of which the second fails: the run restores from the first and replays the rest.
  const store = recordingStore([2]);
  const failed = await setUp(store, 0);
  await waitFor(() => committed(failed.bus), (c) => c === 1_200, { what: "the failed run caught up" });
  const byId = (records: IncomingRecord[]) => new Map(records.map((r) => JSON.parse(r.value.toString())).map((w) => [w.id, w]));
  expect(failed.windows.length).toBeGreaterThan(CLOSED);
  expect(byId(failed.windows)).toEqual(byId(clean.windows));
  expect(store.saves).toEqual(["500", "1000", "1200"]);
});

test("past 64 batches whose publications Kafka has not acked, the partition stops taking batches until the acks come", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 1 }]);
  const pub = await bus.publisher();
  // 100 batches of 500 events, each closing windows (one a minute of event time).
  const many = Array.from({ length: 50_000 }, (_, i) => ev(`e${i}`, i * 1_000, "fail", "u1"));
  await pub.send(topics.events, many.map((e) => ({ key: `shop:${e.user_id}`, value: JSON.stringify(e) })));
  // Window results are held (no ack) until released; everything else goes through.
  const held: (() => void)[] = [];
  const slow: Bus = {
    ...bus,
    publisher: async (): Promise<Publisher> => ({
      ...pub,
      send: (topic, records) => (topic === topics.windows ? new Promise<void>((resolve) => held.push(resolve)).then(() => pub.send(topic, records)) : pub.send(topic, records)),
    }),
  };
  const store = recordingStore();
  const runtime = createProcessorRuntime({ bus: slow, topics, groupId: "g", store, logger, outOfOrdernessMs: 0, eventPartitions: 1, checkpointMs: 60_000 });
  running.push(runtime);
  runtime.setRules(rules);
  await runtime.start();
  await waitFor(() => held.length, (n) => n >= 64, { what: "64 batches published" });
  await Bun.sleep(200);
  expect(held.length).toBe(64);
  expect(store.saves).toEqual([]);
  // Released, the acks let the checkpoint through, and the rest of the stream follows.
  const release = setInterval(() => held.splice(0).forEach((r) => r()), 5);
  await waitFor(() => store.saves.length, (n) => n >= 1, { what: "the checkpoint after the acks" });
  expect(Number(store.saves[0])).toBe(64 * 500);
  await runtime.stop();
  running.splice(running.indexOf(runtime), 1);
  clearInterval(release);
  expect(await committed(bus)).toBe(50_000);
});
