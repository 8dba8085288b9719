/**
 * The in-flight bound against the real Kafka: submissions beyond FG_PRODUCER_MAX_INFLIGHT_BYTES are
 * answered "unavailable" at once (the HTTP front's 503 + Retry-After), while the ones admitted are
 * acknowledged by Kafka, and room frees up as acks come back. And many concurrent submissions
 * reach Kafka in a few produce requests, not one each.
 */
import { afterAll, expect, test } from "bun:test";
import type { Publisher } from "../../infra/bus/port.ts";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { createMemoryLimiter } from "../limits/memory.ts";
import { createIngest } from "./pipeline.ts";
import { createAckingProducer } from "./producer.ts";
import type { SubmitOutcome } from "./types.ts";

const bus = createKafkaBus({ brokers: requireEnv("FG_KAFKA_BROKERS").split(","), clientId: "gw-inflight" });
afterAll(() => bus.close());

const principal = { keyId: "k1", appId: "inflight" };
const event = (i: number) => ({ app_id: "inflight", type: "signup", user_id: `u${i}` });

async function pipeline(o: { lingerMs: number; maxInflightBytes: number }) {
  const topic = uniqueName("inflight.fg.events");
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  const publisher = await bus.publisher();
  const sends = { count: 0 };
  const counting: Publisher = { ...publisher, send: (t, records) => (sends.count++, publisher.send(t, records)) };
  const producer = createAckingProducer({ publisher: counting, topic, maxBatchBytes: 1 << 20, stallMs: 5_000, ...o });
  const ingest = createIngest({
    authenticator: { authenticate: async () => ({ ok: false, reason: "invalid", message: "unused" }) },
    limiter: createMemoryLimiter(), buckets: () => [{ key: "app", rate: 100_000, burst: 100_000 }], producer, maxEventBytes: 32_768, unknownTypes: "reject",
  });
  const close = async () => {
    await producer.drain();
    await publisher.close();
  };
  return { ingest, sends, close };
}

test("over the in-flight bound: unavailable at once; admitted events are acked; room comes back", async () => {
  // One such event is about 180 bytes as published: the bound admits one submission of one event at a time.
  const { ingest, close } = await pipeline({ lingerMs: 300, maxInflightBytes: 250 });
  const submit = (i: number) => ingest.submit(principal, [event(i)], "http");

  const first = submit(0);
  const started = performance.now();
  const refused = await Promise.all([1, 2, 3].map(submit));
  expect(performance.now() - started).toBeLessThan(100);
  for (const r of refused) expect(r).toMatchObject({ kind: "unavailable", retryAfterMs: expect.any(Number) });

  const acked: SubmitOutcome = await first;
  expect(acked).toMatchObject({ kind: "done", results: [{ index: 0, status: "accepted" }] });
  expect(ingest.isReady()).toBe(true);
  expect(await submit(4)).toMatchObject({ kind: "done", results: [{ status: "accepted" }] });
  await close();
});

test("200 concurrent submissions reach Kafka in a few produce requests, each acknowledged", async () => {
  const { ingest, sends, close } = await pipeline({ lingerMs: 5, maxInflightBytes: 1 << 20 });
  const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => ingest.submit(principal, [event(i)], "http")));
  expect(outcomes.every((o) => o.kind === "done" && o.results[0]!.status === "accepted")).toBe(true);
  expect(sends.count).toBeGreaterThan(0);
  expect(sends.count).toBeLessThanOrEqual(5);
  await close();
});
