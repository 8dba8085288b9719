/** The acking producer's logic against a publisher the test controls (when sends succeed, fail or hang). */
import { expect, test } from "bun:test";
import type { OutgoingRecord, Publisher } from "../../infra/bus/port.ts";
import { createAckingProducer } from "./producer.ts";

function controlledPublisher() {
  const sends: { records: OutgoingRecord[]; ok: () => void; fail: () => void }[] = [];
  const publisher: Publisher = {
    send: (_topic, records) => new Promise<void>((ok, reject) => sends.push({ records, ok, fail: () => reject(new Error("down")) })),
    isReady: () => true,
    close: async () => {},
  };
  return { publisher, sends };
}

const rec = (v: string): OutgoingRecord => ({ key: "k", value: v });
const options = { topic: "t", lingerMs: 1, maxBatchBytes: 1_000, maxInflightBytes: 10_000, stallMs: 200 };

test("submissions arriving while a send is in flight go out together in the next send; each learns its ack", async () => {
  const { publisher, sends } = controlledPublisher();
  const p = createAckingProducer({ publisher, ...options });
  const first = p.publish([rec("a")], 10);
  await Bun.sleep(5);
  expect(sends.length).toBe(1);
  const second = p.publish([rec("b")], 10);
  const third = p.publish([rec("c"), rec("d")], 20);
  await Bun.sleep(5);
  expect(sends.length).toBe(1); // waiting for the first send
  sends[0]!.ok();
  expect(await first).toBe("acked");
  await Bun.sleep(5);
  expect(sends.length).toBe(2);
  expect(sends[1]!.records.map((r) => r.value)).toEqual(["b", "c", "d"]);
  sends[1]!.fail();
  expect([await second, await third]).toEqual(["unavailable", "unavailable"]);
});

test("a send Kafka does not answer: its callers and the queued ones hear 'unavailable' after stallMs, new ones at once", async () => {
  const { publisher, sends } = controlledPublisher();
  const p = createAckingProducer({ publisher, ...options });
  const started = performance.now();
  const hanging = p.publish([rec("a")], 10);
  await Bun.sleep(5);
  const queued = p.publish([rec("b")], 10);
  expect(await hanging).toBe("unavailable");
  expect(await queued).toBe("unavailable");
  expect(performance.now() - started).toBeLessThan(400);
  expect(p.ready()).toBe(false);
  expect(await p.publish([rec("c")], 10)).toBe("unavailable");
  // Kafka answers again: the next submission is tried.
  sends[0]!.ok();
  await Bun.sleep(1);
  expect(p.ready()).toBe(true);
  const again = p.publish([rec("d")], 10);
  await Bun.sleep(5);
  sends[1]!.ok();
  expect(await again).toBe("acked");
  expect(sends[1]!.records.map((r) => r.value)).toEqual(["d"]);
});

test("the in-flight bound refuses what does not fit; batches are split at maxBatchBytes; drain waits for answers", async () => {
  const { publisher, sends } = controlledPublisher();
  const p = createAckingProducer({ publisher, ...options, maxBatchBytes: 25, maxInflightBytes: 50 });
  const a = p.publish([rec("a")], 20);
  const b = p.publish([rec("b")], 20);
  expect(await p.publish([rec("c")], 20)).toBe("unavailable");
  await Bun.sleep(5);
  expect(sends.map((s) => s.records.map((r) => r.value))).toEqual([["a"]]);
  let drained = false;
  void p.drain().then(() => (drained = true));
  sends[0]!.ok();
  await Bun.sleep(5);
  expect(drained).toBe(false);
  sends[1]!.ok();
  expect([await a, await b]).toEqual(["acked", "acked"]);
  await Bun.sleep(1);
  expect(drained).toBe(true);
});

test("linger 0: an idle producer sends what the current turn submitted, at once and together", async () => {
  const { publisher, sends } = controlledPublisher();
  const p = createAckingProducer({ publisher, ...options, lingerMs: 0 });
  void p.publish([rec("a")], 10);
  void p.publish([rec("b")], 10);
  expect(sends.length).toBe(0);
  await new Promise((resolve) => setImmediate(resolve));
  expect(sends.map((s) => s.records.map((r) => r.value))).toEqual([["a", "b"]]);
});

test("submissions that fill a send of their own go out beside the one in flight, at most five at once; small ones wait for an answer", async () => {
  const { publisher, sends } = controlledPublisher();
  const p = createAckingProducer({ publisher, ...options, maxBatchBytes: 100_000, maxInflightBytes: 1_000_000, lingerMs: 0 });
  const small = p.publish([rec("s")], 10);
  await new Promise((resolve) => setImmediate(resolve));
  expect(sends.length).toBe(1);
  void p.publish([rec("t")], 10);
  expect(sends.length).toBe(1); // a trickle waits for the send in flight
  const big = Array.from({ length: 6 }, (_, i) => p.publish([rec(`b${i}`)], 70_000));
  expect(sends.length).toBe(5);
  expect(sends.slice(1).map((s) => s.records.map((r) => r.value))).toEqual([["t", "b0"], ["b1"], ["b2"], ["b3"]]);
  sends[0]!.ok();
  expect(await small).toBe("acked");
  await Bun.sleep(1);
  expect(sends.length).toBe(6);
  // b4 and b5 would pass maxBatchBytes together: b4 takes the free slot, b5 waits for the next.
  expect(sends[5]!.records.map((r) => r.value)).toEqual(["b4"]);
  for (const s of sends.slice(1)) s.ok();
  await Bun.sleep(1);
  expect(sends.map((s) => s.records.length)).toHaveLength(7);
  expect(sends[6]!.records.map((r) => r.value)).toEqual(["b5"]);
  sends[6]!.ok();
  expect(await Promise.all(big)).toEqual(Array(6).fill("acked"));
});
