/**
 * fluxgate.v1.Ingest through the real pipeline into the real Kafka (keys in Postgres, limits in
 * Redis): Send, SendBatch and Stream events arrive on fg.events enriched with source "grpc" and
 * keyed; rejected ones never do.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { randomUUID } from "node:crypto";
import { uniqueName } from "../../test/support/services.ts";
import { startRealPipeline, type RealPipeline } from "../../test/support/gateway/real-pipeline.ts";
import { ingestClient, keyMetadata, unaryCall } from "../../test/support/gateway/grpc-test-client.ts";
import type { AckMessage } from "./proto.ts";
import { startGrpcServer, type GrpcServer } from "./server.ts";

const app = uniqueName("grpcapp");
let pipeline: RealPipeline;
let server: GrpcServer;
let key: string;

beforeAll(async () => {
  pipeline = await startRealPipeline("grpcit");
  key = await pipeline.newKey(app);
  server = await startGrpcServer(pipeline.ingest, { host: "127.0.0.1", port: 0, maxMessageBytes: 1 << 20, maxBatch: 100, maxInflightBatches: 8, drainMs: 2_000 });
});
afterAll(async () => {
  await server?.stop();
  await pipeline?.stop();
});

test("Send, SendBatch and Stream reach fg.events enriched and keyed; rejections never do", async () => {
  const client = ingestClient(server.port);
  const md = () => keyMetadata({ "x-api-key": key });
  const id = randomUUID();
  const sent = await unaryCall(client, "Send", { event: { event_id: id, app_id: app, type: "checkout_completed", user_id: "u1", props_json: '{"amount":12.5,"currency":"EUR"}' } }, md());
  expect(sent).toMatchObject({ ok: true, ack: { accepted: 1, event_ids: [id] } });

  const batch = await unaryCall(client, "SendBatch", { events: [
    { app_id: app, type: "signup", session_id: "s1" },
    { app_id: app, type: "checkout_completed", props_json: '{"amount":"lots"}' },
    { app_id: "someone-else", type: "signup" },
    { app_id: app, type: "signup", source: "http" },
  ] }, md());
  if (!batch.ok) throw new Error(batch.details);
  expect(batch.ack.accepted).toBe(1);
  expect(batch.ack.rejected.map((r) => [r.index, r.code])).toEqual([[1, "invalid"], [2, "app_mismatch"], [3, "invalid"]]);
  expect(batch.ack.rejected[0]!.errors[0]!.path).toBe("props.amount");
  expect(batch.ack.rejected[2]!.errors[0]!.message).toContain("source"); // gateway-set fields are refused by name

  const call: grpc.ClientDuplexStream<unknown, AckMessage> = client.Stream(md());
  const acks: AckMessage[] = [];
  call.on("data", (a: AckMessage) => acks.push(a));
  const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
  call.write({ seq: 7, events: [{ app_id: app, type: "page_view", user_id: "u2", ts: 1_700_000_000_000, props_json: '{"path":"/a"}' }] });
  call.end();
  expect((await ended).code).toBe(grpc.status.OK);
  expect(acks.map((a) => [a.seq, a.accepted])).toEqual([[7, 1]]);
  client.close();

  const seen = await pipeline.published(3);
  expect(seen.length).toBe(3);
  const checkout = seen.find((r) => r.value.event_id === id)!;
  expect(checkout.key).toBe(`${app}:u1`);
  expect(checkout.value).toMatchObject({ app_id: app, type: "checkout_completed", key: "u1", source: "grpc", props: { amount: 12.5, currency: "EUR" } });
  expect(checkout.value.ts).toBe(checkout.value.received_at);
  expect(seen.find((r) => r.value.type === "signup")!.key).toBe(`${app}:s1`);
  expect(seen.find((r) => r.value.type === "page_view")!.value).toMatchObject({ ts: 1_700_000_000_000, key: "u2", source: "grpc" });
}, 30_000);
