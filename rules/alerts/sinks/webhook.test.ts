import { expect, test } from "bun:test";
import { verifySignature } from "../sign.ts";
import { createSinkQueue } from "./sink-queue.ts";
import { createWebhookDeliverer, type AttemptRecord } from "./webhook.ts";

const config = { url: "http://receiver.test/hook", secret: "0123456789abcdef-secret", timeout_ms: 1_000, max_attempts: 4, concurrency: 2, queue_limit: 10 };

function harness(statuses: (number | Error)[]) {
  const records: AttemptRecord[] = [];
  const sleeps: number[] = [];
  const requests: Request[] = [];
  const fake = (async (url: string, init: RequestInit) => {
    requests.push(new Request(url, init));
    const next = statuses.shift() ?? 200;
    if (next instanceof Error) throw next;
    return new Response("", { status: next });
  }) as unknown as typeof fetch;
  const deliverer = createWebhookDeliverer({
    name: "webhook:ops", config, record: async (r) => void records.push(r),
    backoff: { baseMs: 100, random: () => 0.5 }, sleep: async (ms) => void sleeps.push(ms), fetch: fake,
  });
  return { deliverer, records, sleeps, requests };
}

test("retries what may pass (5xx, 429, network errors) with backoff, recording every attempt", async () => {
  const h = harness([503, 429, new Error("connection refused"), 200]);
  const outcome = await h.deliverer.deliver({ id: "a1" }, '{"id":"a1"}');
  expect(outcome).toEqual({ delivered: true, attempts: 4 });
  expect(h.records.map((r) => [r.attempt, r.status, r.httpStatus, r.error])).toEqual([
    [1, "retry", 503, "HTTP 503"], [2, "retry", 429, "HTTP 429"], [3, "retry", null, "connection refused"], [4, "ok", 200, null],
  ]);
  expect(h.sleeps).toEqual([50, 100, 200]);
  const req = h.requests[0]!;
  expect(verifySignature(config.secret, await req.text(), req.headers.get("x-fluxgate-signature"))).toBe(true);
  expect([req.headers.get("x-fluxgate-alert-id"), h.requests[3]!.headers.get("x-fluxgate-delivery-attempt")]).toEqual(["a1", "4"]);
});

test("a delivery carries the alert's traceparent as the W3C header, and none when the alert has none", async () => {
  const h = harness([200, 200]);
  const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  await h.deliverer.deliver({ id: "a1", traceparent }, "{}");
  await h.deliverer.deliver({ id: "a2" }, "{}");
  expect(h.requests.map((r) => r.headers.get("traceparent"))).toEqual([traceparent, null]);
});

test("gives up at once on a permanent 4xx, and after max_attempts otherwise: a dead letter", async () => {
  const permanent = harness([400]);
  expect(await permanent.deliverer.deliver({ id: "a" }, "{}")).toEqual({ delivered: false, attempts: 1, error: "HTTP 400" });
  expect(permanent.records.map((r) => r.status)).toEqual(["dead"]);
  const down = harness([500, 500, 500, 500, 500]);
  expect(await down.deliverer.deliver({ id: "b" }, "{}")).toEqual({ delivered: false, attempts: 4, error: "HTTP 500" });
  expect(down.records.map((r) => r.status)).toEqual(["retry", "retry", "retry", "dead"]);
});

test("a sink queue runs at most `concurrency` at once and refuses work beyond its limit", async () => {
  let running = 0;
  let peak = 0;
  const release: (() => void)[] = [];
  const queue = createSinkQueue<number>({
    concurrency: 2, limit: 3,
    handle: async () => {
      peak = Math.max(peak, ++running);
      await new Promise<void>((r) => release.push(r));
      running--;
    },
  });
  expect([1, 2, 3, 4, 5].map((n) => queue.push(n))).toEqual([true, true, true, true, true]);
  expect(queue.push(6)).toBe(false);
  expect([queue.active, queue.size]).toEqual([2, 3]);
  while (queue.active > 0) {
    release.splice(0).forEach((r) => r());
    await Bun.sleep(1);
  }
  await queue.idle();
  expect(peak).toBe(2);
});
