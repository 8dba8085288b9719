import { expect, test } from "bun:test";
import { uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { busContract } from "./bus.contract.ts";
import { createMemoryBus, MemoryBusFullError } from "./memory.ts";
import type { IncomingRecord } from "./port.ts";

busContract("memory", () => createMemoryBus());

const records = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ key: `k${(from + i) % 5}`, value: String(from + i).padEnd(100, "x") }));
const numberOf = (r: IncomingRecord) => Number.parseInt(r.value.toString(), 10);

async function consume(bus: ReturnType<typeof createMemoryBus>, topic: string, groupId: string, until: number) {
  const got: IncomingRecord[] = [];
  const sub = await bus.subscribe({ groupId, topics: [topic], fromBeginning: true }, async (b) => void got.push(...b.records));
  await waitFor(() => got.length, (n) => n >= until, { what: `${until} records in ${groupId}` });
  return { got, sub };
}

test("records every group has committed are dropped; a group behind holds them", async () => {
  const bus = createMemoryBus({ defaultPartitions: 2, retentionMs: 0 });
  const topic = uniqueName("trim");
  await bus.ensureTopics([{ name: topic, partitions: 2 }]);
  const pub = await bus.publisher();
  const a = await consume(bus, topic, "a", 0);
  const b = await consume(bus, topic, "b", 0);
  await pub.send(topic, records(1_000));
  await waitFor(() => a.got.length, (n) => n === 1_000, { what: "group a" });
  await waitFor(() => b.got.length, (n) => n === 1_000, { what: "group b" });
  await waitFor(() => bus.retained().records, (n) => n === 0, { what: "the log trimmed" });
  expect(bus.retained().bytes).toBe(0);

  await b.sub.stop(); // b leaves; within idleGroupMs it still holds what it has not committed
  await pub.send(topic, records(10, 1_000));
  await waitFor(() => a.got.length, (n) => n === 1_010, { what: "group a, second send" });
  expect(bus.retained().records).toBe(10);
  const back = await consume(bus, topic, "b", 10);
  expect(back.got.length).toBe(10);
  await waitFor(() => bus.retained().records, (n) => n === 0, { what: "trimmed after b caught up" });
  await Promise.all([a.sub.stop(), back.sub.stop()]);
});

test("offsets stay absolute after trimming, and a new group from the beginning starts at the oldest record kept", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1, retentionMs: 0 });
  const topic = uniqueName("trim");
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  const pub = await bus.publisher();
  const a = await consume(bus, topic, "a", 0);
  await pub.send(topic, records(20));
  await waitFor(() => bus.retained().records, (n) => n === 0, { what: "trimmed" });
  await a.sub.stop();
  await pub.send(topic, records(3, 20));
  const late = await consume(bus, topic, "late", 3);
  expect(late.got.map((r) => r.offset)).toEqual(["20", "21", "22"]);
  await late.sub.stop();
});

test("a group gone longer than idleGroupMs no longer holds records back", async () => {
  let clock = 0;
  const bus = createMemoryBus({ defaultPartitions: 1, idleGroupMs: 1_000, retentionMs: 0, now: () => clock });
  const topic = uniqueName("trim");
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  const pub = await bus.publisher();
  const gone = await consume(bus, topic, "gone", 0);
  await gone.sub.stop();
  const a = await consume(bus, topic, "a", 0);
  await pub.send(topic, records(5));
  await waitFor(() => a.got.length, (n) => n === 5, { what: "group a" });
  expect(bus.retained().records).toBe(5);
  clock = 2_000;
  await pub.send(topic, records(5, 5));
  await waitFor(() => bus.retained().records, (n) => n === 0, { what: "trimmed past the idle group" });
  await a.sub.stop();
});

test("records younger than retentionMs are kept for a group that joins a little later", async () => {
  let clock = 1_000_000;
  const bus = createMemoryBus({ defaultPartitions: 1, retentionMs: 30_000, now: () => clock });
  const topic = uniqueName("trim");
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  const pub = await bus.publisher();
  const a = await consume(bus, topic, "a", 0);
  await pub.send(topic, records(5));
  await waitFor(() => a.got.length, (n) => n === 5, { what: "group a" });
  clock += 20_000;
  await pub.send(topic, records(5, 5));
  await waitFor(() => a.got.length, (n) => n === 10, { what: "group a, second send" });
  expect(bus.retained().records).toBe(10); // all committed, none 30 s old yet
  const late = await consume(bus, topic, "late", 10);
  expect(late.got.length).toBe(10);
  await late.sub.stop();
  clock += 15_000; // the first five are 35 s old, the last five 15 s
  await pub.send(topic, records(1, 10));
  await waitFor(() => a.got.length, (n) => n === 11, { what: "group a, third send" });
  await waitFor(() => bus.retained().records, (n) => n === 6, { what: "the old five dropped" });
  // What is kept keeps its offsets: a reader from the beginning gets records 5..10 at offsets 5..10.
  const after = await consume(bus, topic, "after", 6);
  expect(after.got.map((r) => [Number(r.offset), numberOf(r)])).toEqual([5, 6, 7, 8, 9, 10].map((i) => [i, i]));
  await waitFor(() => a.got.length, (n) => n === 11, { what: "group a" });
  expect(a.got.map(numberOf)).toEqual(Array.from({ length: 11 }, (_, i) => i)); // each once, in order
  await Promise.all([a.sub.stop(), after.sub.stop()]);
  await bus.close();
});

test("compacted topics are kept whole: a new reader finds the latest value", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  const topic = uniqueName("rules");
  await bus.ensureTopics([{ name: topic, partitions: 1, compacted: true }]);
  const pub = await bus.publisher();
  const a = await consume(bus, topic, "a", 0);
  await pub.send(topic, records(3));
  await waitFor(() => a.got.length, (n) => n === 3, { what: "group a" });
  await a.sub.stop();
  const b = await consume(bus, topic, "b", 3);
  expect(b.got.length).toBe(3);
  await b.sub.stop();
});

test("past maxBytes the publisher is not ready and refuses sends, until consumers commit", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1, maxBytes: 10_000, retentionMs: 0 });
  const topic = uniqueName("full");
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  const pub = await bus.publisher();
  await pub.send(topic, records(100)); // ~16 KB: over the limit once accepted
  expect(pub.isReady()).toBe(false);
  await expect(pub.send(topic, records(1))).rejects.toBeInstanceOf(MemoryBusFullError);
  const a = await consume(bus, topic, "a", 100);
  await waitFor(() => pub.isReady(), (ready) => ready, { what: "ready again" });
  await pub.send(topic, records(1));
  await a.sub.stop();
});
