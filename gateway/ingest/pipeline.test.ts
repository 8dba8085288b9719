/**
 * The pipeline's order of checks and its ack, over a publisher whose sends the test settles by
 * hand (Kafka itself is in inflight.integration.test.ts and gateway/http).
 */
import { expect, test } from "bun:test";
import type { OutgoingRecord, Publisher } from "../../infra/bus/port.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { createMemoryLimiter } from "../limits/memory.ts";
import { createIngest } from "./pipeline.ts";
import { createAckingProducer } from "./producer.ts";

const principal = { keyId: "k1", appId: "shop" };

function harness(o: { ready?: () => boolean; rate?: number } = {}) {
  const sends: { records: OutgoingRecord[]; ack: () => void }[] = [];
  const publisher: Publisher = {
    send: (_topic, records) => new Promise<void>((resolve) => sends.push({ records, ack: resolve })),
    isReady: o.ready ?? (() => true),
    close: async () => {},
  };
  const producer = createAckingProducer({ publisher, topic: "fg.events", lingerMs: 1, maxBatchBytes: 1 << 20, maxInflightBytes: 1 << 20, stallMs: 5_000 });
  const ingest = createIngest({
    authenticator: { authenticate: async () => ({ ok: true, principal }) },
    limiter: createMemoryLimiter(), buckets: () => [{ key: "app:shop", rate: o.rate ?? 1_000, burst: o.rate ?? 1_000 }],
    producer, maxEventBytes: 32_768, unknownTypes: "reject", now: () => 1_700_000_000_000,
  });
  return { ingest, sends };
}

test("each event is checked on its own; accepted ones go out keyed app_id:key and are acked only after Kafka", async () => {
  const { ingest, sends } = harness();
  const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  let settled = false;
  const outcome = ingest.submit(principal, [
    { app_id: "shop", type: "signup", user_id: "u1", props: { plan: "pro" } },
    { app_id: "shop", type: "checkout_completed", props: { amount: "12" } },
    { app_id: "other", type: "signup" },
  ], "http", traceparent).then((r) => ((settled = true), r));
  await waitFor(() => sends.length, (n) => n > 0, { timeoutMs: 2_000, intervalMs: 5, what: "the send" });
  expect(sends).toHaveLength(1);
  expect(settled).toBe(false);
  const [record] = sends[0]!.records;
  const envelope = JSON.parse(String(record!.value));
  expect(record!.key).toBe("shop:u1");
  expect(record!.headers!.traceparent).toStartWith("00-0af7651916cd43dd8448eb211c80319c-");
  expect(envelope).toMatchObject({ app_id: "shop", type: "signup", key: "u1", source: "http", received_at: 1_700_000_000_000, ts: 1_700_000_000_000 });
  sends[0]!.ack();
  expect(await outcome).toEqual({
    kind: "done",
    results: [
      { index: 0, status: "accepted", event_id: envelope.event_id },
      { index: 1, status: "rejected", code: "invalid", errors: [{ path: "props.amount", message: expect.any(String) }] },
      { index: 2, status: "rejected", code: "app_mismatch", errors: [{ path: "app_id", message: expect.stringContaining("shop") }] },
    ],
  });
});

test("over the rate the whole submission is refused with its wait; nothing is published", async () => {
  const { ingest, sends } = harness({ rate: 3 });
  const first = ingest.submit(principal, [1, 2].map((i) => ({ app_id: "shop", type: "signup", user_id: `u${i}` })), "ws");
  await waitFor(() => sends.length, (n) => n > 0, { timeoutMs: 2_000, intervalMs: 5, what: "the send" });
  sends[0]!.ack();
  await first;
  const outcome = await ingest.submit(principal, [1, 2].map((i) => ({ app_id: "shop", type: "signup", user_id: `u${i}` })), "ws");
  expect(outcome).toMatchObject({ kind: "rate_limited", limit: 3, remaining: 0 });
  if (outcome.kind !== "rate_limited") throw new Error("unreachable");
  expect(outcome.retryAfterMs).toBeGreaterThan(0);
  expect(sends).toHaveLength(1);
});

test("a submission larger than the burst can never fit: refused as such, not told to retry (issue 19 #15)", async () => {
  const { ingest, sends } = harness({ rate: 2 });
  const outcome = await ingest.submit(principal, [1, 2, 3].map((i) => ({ app_id: "shop", type: "signup", user_id: `u${i}` })), "http");
  expect(outcome).toMatchObject({ kind: "over_burst", burst: 2, message: expect.stringContaining("never fit") });
  expect(sends).toHaveLength(0);
  // It took no tokens: two events still fit at once.
  const fits = ingest.submit(principal, [1, 2].map((i) => ({ app_id: "shop", type: "signup", user_id: `u${i}` })), "http");
  await waitFor(() => sends.length, (n) => n > 0, { timeoutMs: 2_000, intervalMs: 5, what: "the send" });
  sends[0]!.ack();
  expect(await fits).toMatchObject({ kind: "done" });
});

test("rejected events take tokens like accepted ones: checking them is the same work (documented in docs/gateway.md)", async () => {
  const { ingest, sends } = harness({ rate: 2 });
  const wrongApp = await ingest.submit(principal, [{ app_id: "other", type: "signup" }, { app_id: "shop", type: "nope" }], "http");
  expect(wrongApp).toMatchObject({ kind: "done", results: [{ code: "app_mismatch" }, { code: "unknown_type" }] });
  expect(await ingest.submit(principal, [{ app_id: "shop", type: "signup" }], "http")).toMatchObject({ kind: "rate_limited" });
  expect(sends).toHaveLength(0);
});

test("a publisher that is not connected: unavailable at once, with a retry delay", async () => {
  const { ingest, sends } = harness({ ready: () => false });
  const started = performance.now();
  const outcome = await ingest.submit(principal, [{ app_id: "shop", type: "signup" }], "grpc");
  expect(performance.now() - started).toBeLessThan(50);
  expect(outcome).toMatchObject({ kind: "unavailable", retryAfterMs: expect.any(Number) });
  expect(ingest.isReady()).toBe(false);
  expect(sends).toHaveLength(0);
});
