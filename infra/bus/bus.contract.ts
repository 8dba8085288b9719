/**
 * The contract every bus adapter passes (memory and Kafka alike): per-key order, headers,
 * commit-after-handle (or explicit commits and the drain before leaving), redelivery after a
 * failed handler, independent consumer groups.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Bus, IncomingRecord, Subscription } from "./port.ts";

export function busContract(name: string, makeBus: () => Bus): void {
  describe(`bus contract: ${name}`, () => {
    const bus = makeBus();
    afterAll(() => bus.close());

    async function freshTopic(partitions = 3): Promise<string> {
      const topic = uniqueName("contract");
      await bus.ensureTopics([{ name: topic, partitions }]);
      return topic;
    }

    function collect(into: IncomingRecord[]) {
      return async (batch: { records: IncomingRecord[] }) => {
        into.push(...batch.records);
      };
    }

    test("ensureTopics answers each topic's partition count; an existing topic keeps its own", async () => {
      const topic = await freshTopic(3);
      const other = uniqueName("contract");
      expect(await bus.ensureTopics([{ name: topic, partitions: 5 }, { name: other, partitions: 2 }])).toEqual({ [topic]: 3, [other]: 2 });
    });

    // A pipelining handler (inFlightBatches above 1, as the store's sinks use) keeps every guarantee.
    for (const inFlightBatches of [1, 2]) {
      const depth = inFlightBatches === 1 ? "" : `, ${inFlightBatches} batches in flight`;
      test(`delivers every record once, in order per key, with key and headers${depth}`, async () => {
        const topic = await freshTopic();
        const pub = await bus.publisher();
        const sent = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 7}`, value: JSON.stringify({ i }), headers: { n: String(i) } }));
        await pub.send(topic, sent.slice(0, 150));
        await pub.send(topic, sent.slice(150));
        const got: IncomingRecord[] = [];
        const sub = await bus.subscribe({ groupId: uniqueName("g"), topics: [topic], fromBeginning: true, inFlightBatches }, collect(got));
        await waitFor(() => got.length, (n) => n >= 300, { what: "300 records" });
        await sub.stop();
        expect(got.length).toBe(300);
        for (let k = 0; k < 7; k++) {
          const order = got.filter((r) => r.key === `k${k}`).map((r) => JSON.parse(r.value.toString()).i as number);
          expect(order).toEqual(sent.map((_, i) => i).filter((i) => i % 7 === k));
        }
        expect(got.every((r) => r.headers.n === String(JSON.parse(r.value.toString()).i))).toBe(true);
      });

      test(`stop() during a batch lets it finish and commits it: it is not delivered again${depth}`, async () => {
        const topic = await freshTopic(1);
        const group = uniqueName("g");
        const pub = await bus.publisher();
        await pub.send(topic, [{ key: "a", value: "1" }, { key: "a", value: "2" }]);
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let inHand = false;
        const first: IncomingRecord[] = [];
        const s1 = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true, inFlightBatches }, async (batch) => {
          inHand = true;
          await held;
          first.push(...batch.records);
        });
        await waitFor(() => inHand, (v) => v, { what: "a batch in hand" });
        const stopped = s1.stop();
        release();
        await stopped;
        expect(first.length).toBe(2);
        await pub.send(topic, [{ key: "a", value: "3" }]);
        const second: IncomingRecord[] = [];
        const s2 = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true, inFlightBatches }, collect(second));
        await waitFor(() => second.length, (n) => n >= 1, { what: "the third record" });
        await s2.stop();
        expect(second.map((r) => r.value.toString())).toEqual(["3"]);
      });

      test(`a failed handler commits nothing: the batch is delivered again${depth}`, async () => {
        const topic = await freshTopic(1);
        const group = uniqueName("g");
        const pub = await bus.publisher();
        await pub.send(topic, [{ key: "a", value: "x" }, { key: "a", value: "y" }]);
        const failing = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true, inFlightBatches }, async () => {
          throw new Error("boom");
        });
        await expect(failing.done).rejects.toThrow("boom");
        await failing.stop();
        const got: IncomingRecord[] = [];
        const retry = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true, inFlightBatches }, collect(got));
        await waitFor(() => got.length, (n) => n >= 2, { what: "redelivery" });
        await retry.stop();
        expect(got.map((r) => r.value.toString())).toEqual(["x", "y"]);
      });
    }

    test("explicit commits: nothing handled is committed until commit(); a new subscription resumes at the last commit", async () => {
      const topic = await freshTopic(1);
      const group = uniqueName("g");
      const pub = await bus.publisher();
      await pub.send(topic, ["1", "2", "3"].map((value) => ({ key: "a", value })));
      const first: IncomingRecord[] = [];
      const s1 = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true, commits: "explicit" }, collect(first));
      await waitFor(() => first.length, (n) => n === 3, { what: "three records" });
      expect(await bus.lag([{ groupId: group, topics: [topic] }])).toEqual([{ groupId: group, topic, partition: 0, committed: null, end: 3, lag: 3 }]);
      await s1.commit([{ topic, partition: 0, offset: first[1]!.offset }]);
      await s1.stop();
      const second: IncomingRecord[] = [];
      const s2 = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true }, collect(second));
      await waitFor(() => second.length, (n) => n >= 2, { what: "the records after the commit" });
      await s2.stop();
      expect(second.map((r) => r.value.toString())).toEqual(["2", "3"]);
    });

    test("explicit commits: stop() runs drain after the batch in hand, and drain's commits land before the group is left", async () => {
      const topic = await freshTopic(1);
      const group = uniqueName("g");
      const pub = await bus.publisher();
      await pub.send(topic, [{ key: "a", value: "1" }, { key: "a", value: "2" }]);
      const got: IncomingRecord[] = [];
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const s1: Subscription = await bus.subscribe(
        {
          groupId: group, topics: [topic], fromBeginning: true, commits: "explicit",
          drain: async () => {
            order.push("drain");
            await s1.commit([{ topic, partition: 0, offset: String(Number(got.at(-1)!.offset) + 1) }]);
          },
        },
        async (batch) => {
          order.push("batch");
          await held;
          got.push(...batch.records);
        },
      );
      await waitFor(() => order.length, (n) => n >= 1, { what: "a batch in hand" });
      const stopped = s1.stop();
      release();
      await stopped;
      expect(order).toEqual(["batch", "drain"]);
      expect(got.map((r) => r.value.toString())).toEqual(["1", "2"]);
      await pub.send(topic, [{ key: "a", value: "3" }]);
      const second: IncomingRecord[] = [];
      const s2 = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true }, collect(second));
      await waitFor(() => second.length, (n) => n >= 1, { what: "the third record" });
      await s2.stop();
      expect(second.map((r) => r.value.toString())).toEqual(["3"]);
    });

    test("a group resumes after its committed offsets", async () => {
      const topic = await freshTopic(1);
      const group = uniqueName("g");
      const pub = await bus.publisher();
      await pub.send(topic, [{ key: "a", value: "1" }, { key: "a", value: "2" }]);
      const first: IncomingRecord[] = [];
      const s1 = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true }, collect(first));
      await waitFor(() => first.length, (n) => n === 2, { what: "first two" });
      await s1.stop();
      await pub.send(topic, [{ key: "a", value: "3" }]);
      const second: IncomingRecord[] = [];
      const s2 = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true }, collect(second));
      await waitFor(() => second.length, (n) => n >= 1, { what: "the third record" });
      await s2.stop();
      expect(second.map((r) => r.value.toString())).toEqual(["3"]);
    });

    test("lag is the end offset minus the group's commit, per partition; a group that never committed lags by the whole log", async () => {
      const topic = await freshTopic(1);
      const group = uniqueName("g");
      const pub = await bus.publisher();
      await pub.send(topic, [{ key: "a", value: "1" }, { key: "a", value: "2" }]);
      expect(await bus.lag([{ groupId: group, topics: [topic] }])).toEqual([{ groupId: group, topic, partition: 0, committed: null, end: 2, lag: 2 }]);
      const got: IncomingRecord[] = [];
      const sub = await bus.subscribe({ groupId: group, topics: [topic], fromBeginning: true }, collect(got));
      await waitFor(() => got.length, (n) => n === 2, { what: "two records" });
      await sub.stop();
      await pub.send(topic, [{ key: "a", value: "3" }]);
      expect(await bus.lag([{ groupId: group, topics: [topic] }])).toEqual([{ groupId: group, topic, partition: 0, committed: 2, end: 3, lag: 1 }]);
    });

    test("consumer groups are independent", async () => {
      const topic = await freshTopic(2);
      const pub = await bus.publisher();
      await pub.send(topic, Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: String(i) })));
      const a: IncomingRecord[] = [];
      const b: IncomingRecord[] = [];
      const sa = await bus.subscribe({ groupId: uniqueName("ga"), topics: [topic], fromBeginning: true }, collect(a));
      const sb = await bus.subscribe({ groupId: uniqueName("gb"), topics: [topic], fromBeginning: true }, collect(b));
      await waitFor(() => a.length + b.length, (n) => n >= 40, { what: "both groups" });
      await Promise.all([sa.stop(), sb.stop()]);
      expect(a.length).toBe(20);
      expect(b.length).toBe(20);
    });

    test("sending to a topic that does not exist fails instead of creating it", async () => {
      const pub = await bus.publisher();
      await expect(pub.send(uniqueName("missing"), [{ key: "a", value: "1" }])).rejects.toThrow();
    });
  });
}
