/**
 * /v1/stream through the real pipeline into the real Kafka (keys in Postgres, limits in Redis):
 * accepted events arrive on fg.events enriched with source "ws" and keyed; rejected ones never do;
 * a resend after reconnecting keeps the client's event_id.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { uniqueName } from "../../test/support/services.ts";
import { createGatewaySockets, createStreamSocket, type GatewaySocketData } from "./index.ts";
import { startRealPipeline, type RealPipeline } from "../../test/support/gateway/real-pipeline.ts";
import { connectClient } from "../../test/support/gateway/ws-test-client.ts";

const app = uniqueName("wsapp");
let pipeline: RealPipeline;
let server: ReturnType<typeof Bun.serve<GatewaySocketData>>;
let key: string;

beforeAll(async () => {
  pipeline = await startRealPipeline("wsit");
  key = await pipeline.newKey(app);
  const sockets = createGatewaySockets(createStreamSocket(pipeline.ingest, { maxFrameBytes: 1 << 20, maxBatch: 100, maxInflightFrames: 8, maxInflightBytes: 1 << 22, floodStrikes: 4, idleTimeoutSec: 30, maxBufferedBytes: 1 << 20 }));
  server = Bun.serve<GatewaySocketData>({ port: 0, fetch: (req, srv) => sockets.route(req, srv) ?? undefined, websocket: sockets.websocket });
});
afterAll(async () => {
  server?.stop(true);
  await pipeline?.stop();
});

test("frames reach fg.events enriched and keyed, rejections never do, a resend keeps its event_id", async () => {
  const url = `ws://127.0.0.1:${server.port}/v1/stream`;
  const id = randomUUID();
  const checkout = { event_id: id, app_id: app, type: "checkout_completed", user_id: "u1", props: { amount: 12.5, currency: "EUR" } };
  const first = await connectClient(url, { "x-api-key": key });
  first.send({ seq: 1, events: [checkout, { app_id: app, type: "checkout_completed", props: { amount: "lots" } }, { app_id: "someone-else", type: "signup" }, { app_id: app, type: "teleported" }, { app_id: app, type: "signup", session_id: "s1" }] });
  const ack = await first.next(10_000);
  expect(ack).toMatchObject({ type: "ack", seq: 1, accepted: 2 });
  expect(ack.event_ids[0]).toBe(id);
  expect(ack.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([[1, "invalid"], [2, "app_mismatch"], [3, "unknown_type"]]);
  expect(ack.rejected[0].errors[0].path).toBe("props.amount");
  first.ws.terminate();

  const second = await connectClient(url, { "x-api-key": key });
  second.send({ seq: 1, event: checkout });
  expect(await second.next(10_000)).toMatchObject({ type: "ack", accepted: 1, event_ids: [id] });
  second.ws.close();

  const seen = await pipeline.published(3);
  expect(seen.length).toBe(3);
  const copies = seen.filter((r) => r.value.event_id === id);
  expect(copies.length).toBe(2); // the same id twice: sinks deduplicate on it
  expect(copies[0]!.key).toBe(`${app}:u1`);
  expect(copies[0]!.value).toMatchObject({ app_id: app, type: "checkout_completed", key: "u1", source: "ws", props: { amount: 12.5, currency: "EUR" } });
  expect(copies[0]!.value.ts).toBe(copies[0]!.value.received_at);
  expect(seen.find((r) => r.value.type === "signup")!.key).toBe(`${app}:s1`);
}, 30_000);
