/** fluxgate.v1.Ingest and grpc.health.v1 on a real @grpc/grpc-js server and client under Bun; the pipeline is the in-memory fake. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { randomUUID } from "node:crypto";
import { registry } from "../../infra/telemetry/metrics.ts";
import { createFakeIngest, type FakeIngest } from "../../test/support/gateway/fake-ingest.ts";
import { healthClient, ingestClient, keyMetadata, unaryCall } from "../../test/support/gateway/grpc-test-client.ts";
import * as protoLoader from "@grpc/proto-loader";
import { waitFor } from "../../test/support/wait-for.ts";
import { FLUXGATE_PROTO, loaderOptions, type AckMessage } from "./proto.ts";
import { startGrpcServer, type GrpcServer } from "./server.ts";

const limits = { host: "127.0.0.1", port: 0, maxMessageBytes: 256 * 1024, maxBatch: 100, maxInflightBatches: 8, drainMs: 3_000, healthWatchMs: 50 };
const keyA = () => keyMetadata({ "x-api-key": "key-a" });
const event = (over: Record<string, unknown> = {}) => ({ app_id: "app_a", type: "page_view", props_json: '{"url":"/"}', ...over });

async function start(ingest: FakeIngest = createFakeIngest()) {
  const server = await startGrpcServer(ingest, limits);
  return { ingest, server, client: ingestClient(server.port) };
}

let s: Awaited<ReturnType<typeof start>>;
beforeAll(async () => {
  s = await start();
});
afterAll(async () => {
  s.client.close();
  await s.server.stop();
});
afterEach(() => {
  s.ingest.outcome = undefined;
  s.ingest.delayMs = 0;
  s.ingest.gate = undefined;
  s.ingest.ready = true;
});

type StreamCall = grpc.ClientDuplexStream<unknown, AckMessage>;
function collect(call: StreamCall) {
  const acks: AckMessage[] = [];
  call.on("data", (a: AckMessage) => acks.push(a));
  const ended = new Promise<grpc.StatusObject>((resolve) => {
    call.on("status", resolve);
    call.on("error", () => {});
  });
  return { acks, ended };
}
const waitForAcks = (acks: AckMessage[], n: number) => waitFor(() => acks.length, (l) => l >= n, { timeoutMs: 5_000, intervalMs: 10, what: `${n} acks` });
const ackDefinition = protoLoader.loadSync(FLUXGATE_PROTO, loaderOptions)["fluxgate.v1.Ack"] as protoLoader.MessageTypeDefinition<object, object>;
const loadAck = (b: Buffer) => ackDefinition.deserialize(b) as unknown as AckMessage;
const streamGauge = async () => (await registry.getSingleMetric("fluxgate_gateway_grpc_streams")!.get()).values[0]?.value ?? 0;

describe("Send and SendBatch", () => {
  test("Send acks one event, keeps a client event_id and parses props_json", async () => {
    const id = randomUUID();
    const r = await unaryCall(s.client, "Send", { event: event({ event_id: id, ts: 1_700_000_000_000 }) }, keyA());
    expect(r).toMatchObject({ ok: true, ack: { accepted: 1, event_ids: [id], rejected: [], refused: "REFUSAL_NONE" } });
    const published = s.ingest.published.find((p) => p.event_id === id)!;
    expect(published.event).toEqual({ app_id: "app_a", type: "page_view", event_id: id, ts: 1_700_000_000_000, props: { url: "/" } });
  });

  test("SendBatch answers each event by index, bad props_json included", async () => {
    const r = await unaryCall(s.client, "SendBatch", { events: [event(), event({ props_json: "{nope" }), event({ app_id: "app_b" }), event()] }, keyA());
    if (!r.ok) throw new Error(r.details);
    expect(r.ack.accepted).toBe(2);
    expect(r.ack.event_ids.map((id) => id !== "")).toEqual([true, false, false, true]);
    expect(r.ack.rejected.map((x) => [x.index, x.code, x.errors[0]?.path])).toEqual([[1, "invalid", "props_json"], [2, "app_mismatch", "app_id"]]);
  });

  test("authenticates from x-api-key or authorization: Bearer, else UNAUTHENTICATED", async () => {
    expect((await unaryCall(s.client, "Send", { event: event() }, keyMetadata({ authorization: "Bearer key-a" }))).ok).toBe(true);
    expect(await unaryCall(s.client, "Send", { event: event() }, new grpc.Metadata())).toMatchObject({ ok: false, code: grpc.status.UNAUTHENTICATED });
    expect(await unaryCall(s.client, "Send", { event: event() }, keyMetadata({ "x-api-key": "nope" }))).toMatchObject({ ok: false, code: grpc.status.UNAUTHENTICATED });
  });

  test("UNAVAILABLE when the keys cannot be checked, for unary calls and streams", async () => {
    const md = keyMetadata({ "x-api-key": "key-store-down" });
    expect(await unaryCall(s.client, "Send", { event: event() }, md)).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    const { ended } = collect(s.client.Stream(md));
    expect((await ended).code).toBe(grpc.status.UNAVAILABLE);
  });

  test("PERMISSION_DENIED when the events are all for another app", async () => {
    expect(await unaryCall(s.client, "Send", { event: event({ app_id: "app_b" }) }, keyA())).toMatchObject({ ok: false, code: grpc.status.PERMISSION_DENIED });
  });

  test("INVALID_ARGUMENT for an empty or too large batch and a missing event", async () => {
    const tooMany = Array.from({ length: limits.maxBatch + 1 }, () => event());
    for (const [method, req] of [["SendBatch", { events: [] }], ["SendBatch", { events: tooMany }], ["Send", {}]] as const)
      expect(await unaryCall(s.client, method, req, keyA())).toMatchObject({ ok: false, code: grpc.status.INVALID_ARGUMENT });
  });

  test("RESOURCE_EXHAUSTED and UNAVAILABLE carry the retry delay in trailers", async () => {
    s.ingest.outcome = () => ({ kind: "rate_limited", retryAfterMs: 321, limit: 10, remaining: 0, resetMs: 321 });
    const limited = await unaryCall(s.client, "SendBatch", { events: [event()] }, keyA());
    expect(limited).toMatchObject({ ok: false, code: grpc.status.RESOURCE_EXHAUSTED, trailers: { "retry-after-ms": "321", "grpc-retry-pushback-ms": "321" } });
    s.ingest.outcome = () => ({ kind: "unavailable", retryAfterMs: 1000, message: "Kafka down" });
    expect(await unaryCall(s.client, "Send", { event: event() }, keyA())).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE, details: "Kafka down", trailers: { "retry-after-ms": "1000" } });
  });

  test("a message just under the size limit is processed; one over it is refused", async () => {
    const pad = (n: number) => event({ props_json: JSON.stringify({ pad: "x".repeat(n) }) });
    const under = await unaryCall(s.client, "SendBatch", { events: Array.from({ length: 8 }, () => pad(30_000)) }, keyA());
    expect(under).toMatchObject({ ok: true, ack: { accepted: 8 } });
    const over = await unaryCall(s.client, "SendBatch", { events: Array.from({ length: 9 }, () => pad(30_000)) }, keyA());
    expect(over).toMatchObject({ ok: false, code: grpc.status.RESOURCE_EXHAUSTED });
  });
});

describe("Stream", () => {
  test("acks every batch in order, refusals included, and ends OK when the client does", async () => {
    s.ingest.delayMs = () => Math.random() * 10;
    const call: StreamCall = s.client.Stream(keyA());
    const { acks, ended } = collect(call);
    for (let seq = 1; seq <= 20; seq++) call.write({ seq, events: seq === 5 ? [] : [event(), event()] });
    call.end();
    expect((await ended).code).toBe(grpc.status.OK);
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(acks[4]).toMatchObject({ refused: "REFUSAL_INVALID", accepted: 0 });
    expect(acks.filter((a) => a.refused === "REFUSAL_NONE").every((a) => a.accepted === 2)).toBe(true);
  });

  test("a rate-limited batch is refused with a delay and the stream goes on", async () => {
    const call: StreamCall = s.client.Stream(keyA());
    const { acks, ended } = collect(call);
    s.ingest.outcome = () => ({ kind: "rate_limited", retryAfterMs: 50, limit: 1, remaining: 0, resetMs: 50 });
    call.write({ seq: 1, events: [event()] });
    await Bun.sleep(50);
    s.ingest.outcome = undefined;
    call.write({ seq: 2, events: [event()] });
    call.end();
    await ended;
    expect(acks.map((a) => [a.seq, a.refused, a.retry_after_ms])).toEqual([[1, "REFUSAL_RATE_LIMITED", 50], [2, "REFUSAL_NONE", 0]]);
  });

  test("an unauthenticated stream ends with UNAUTHENTICATED", async () => {
    const call: StreamCall = s.client.Stream(new grpc.Metadata());
    const { ended } = collect(call);
    expect((await ended).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  test("50 concurrent streams of many batches all get every ack, in order", async () => {
    const before = s.ingest.published.length;
    const run = async (n: number) => {
      const call: StreamCall = s.client.Stream(keyA());
      const { acks, ended } = collect(call);
      for (let seq = 0; seq < 40; seq++) call.write({ seq, events: Array.from({ length: 10 }, () => event({ user_id: `u${n}` })) });
      call.end();
      expect((await ended).code).toBe(grpc.status.OK);
      expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      return acks.reduce((sum, a) => sum + a.accepted, 0);
    };
    const counts = await Promise.all(Array.from({ length: 50 }, (_, n) => run(n)));
    expect(counts.every((c) => c === 400)).toBe(true);
    expect(s.ingest.published.length - before).toBe(50 * 400);
  }, 30_000);

  test("large messages on one stream cross HTTP/2 flow-control windows intact", async () => {
    const call: StreamCall = s.client.Stream(keyA());
    const { acks, ended } = collect(call);
    const before = s.ingest.published.length;
    const pad = "y".repeat(25_000);
    for (let seq = 0; seq < 30; seq++) call.write({ seq, events: Array.from({ length: 8 }, (_, i) => event({ props_json: JSON.stringify({ seq, i, pad }) })) });
    call.end();
    expect((await ended).code).toBe(grpc.status.OK);
    expect(acks.map((a) => a.accepted)).toEqual(Array(30).fill(8));
    const got = s.ingest.published.slice(before).map((p) => p.event.props as { seq: number; i: number; pad: string });
    expect(got.length).toBe(240);
    expect(got.every((p) => p.pad === pad)).toBe(true);
    expect(new Set(got.map((p) => `${p.seq}.${p.i}`)).size).toBe(240);
  });

  test("no more than the in-flight bound of batches is in the pipeline at once", async () => {
    const call: StreamCall = s.client.Stream(keyA());
    const { acks, ended } = collect(call);
    let release!: () => void;
    s.ingest.gate = new Promise((r) => (release = r));
    const startedBefore = s.ingest.started;
    for (let seq = 0; seq < limits.maxInflightBatches * 3; seq++) call.write({ seq, events: [event()] });
    await Bun.sleep(100);
    expect(s.ingest.started - startedBefore).toBe(limits.maxInflightBatches);
    release();
    s.ingest.gate = undefined;
    call.end();
    await ended;
    expect(acks.length).toBe(limits.maxInflightBatches * 3);
  });

  test("a client cancelling mid-stream leaves the server sound", async () => {
    let release!: () => void;
    s.ingest.gate = new Promise((r) => (release = r));
    const call: StreamCall = s.client.Stream(keyA());
    const { ended } = collect(call);
    for (let seq = 0; seq < 5; seq++) call.write({ seq, events: [event()] });
    await Bun.sleep(30);
    call.cancel();
    expect((await ended).code).toBe(grpc.status.CANCELLED);
    release();
    s.ingest.gate = undefined;
    expect(await unaryCall(s.client, "Send", { event: event() }, keyA())).toMatchObject({ ok: true });
    await Bun.sleep(30);
    expect(await streamGauge()).toBe(0);
  });
});

describe("health and shutdown", () => {
  test("grpc.health.v1 Check follows the ingest's readiness; Watch sends changes", async () => {
    const health = healthClient(s.server.port);
    const check = (service: string) =>
      new Promise<{ code: number; status?: string }>((resolve) =>
        health.Check({ service }, (err: grpc.ServiceError | null, res: { status: string }) => resolve(err ? { code: err.code } : { code: 0, status: res.status })));
    expect(await check("")).toEqual({ code: 0, status: "SERVING" });
    expect(await check("fluxgate.v1.Ingest")).toEqual({ code: 0, status: "SERVING" });
    expect((await check("nope")).code).toBe(grpc.status.NOT_FOUND);
    const watch = health.Watch({ service: "" });
    const seen: string[] = [];
    watch.on("data", (r: { status: string }) => seen.push(r.status));
    watch.on("error", () => {});
    await Bun.sleep(50);
    s.ingest.ready = false;
    expect(await check("")).toEqual({ code: 0, status: "NOT_SERVING" });
    await Bun.sleep(150);
    watch.cancel();
    expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
    health.close();
  });

  test("stop() answers the batches streams took, ends them UNAVAILABLE and refuses new calls", async () => {
    const own = await start();
    let release!: () => void;
    own.ingest.gate = new Promise((r) => (release = r));
    const calls = Array.from({ length: 3 }, () => own.client.Stream(keyA()) as StreamCall);
    const results = calls.map(collect);
    calls.forEach((c) => [1, 2].forEach((seq) => c.write({ seq, events: [event()] })));
    // every batch is in the pipeline (a fixed sleep was too short on a loaded machine)
    await waitFor(() => own.ingest.started, (n) => n === 6, { timeoutMs: 5_000, intervalMs: 5, what: "6 batches in the pipeline" });
    const stopping = own.server.stop();
    await Bun.sleep(20);
    release();
    await stopping;
    for (const r of results) {
      expect((await r.ended).code).toBe(grpc.status.UNAVAILABLE);
      expect(r.acks.map((a) => [a.seq, a.accepted])).toEqual([[1, 1], [2, 1]]);
    }
    expect(await unaryCall(own.client, "Send", { event: event() }, keyA())).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    own.client.close();
  });

  test("stop() cuts calls still open after the drain deadline", async () => {
    const ingest = createFakeIngest();
    const server = await startGrpcServer(ingest, { ...limits, drainMs: 200 });
    const client = ingestClient(server.port);
    ingest.gate = new Promise(() => {});
    const pending = unaryCall(client, "Send", { event: event() }, keyA());
    await Bun.sleep(50);
    const t0 = performance.now();
    await server.stop();
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect((await pending).ok).toBe(false);
    client.close();
  });
});

describe("bad bytes (issue 19 #9, #10, #12)", () => {
  /** Protobuf by hand: a length-delimited field. */
  const field = (n: number, bytes: Buffer) => Buffer.concat([Buffer.from([(n << 3) | 2, bytes.length]), bytes]);
  const str = (n: number, s: string | Buffer) => field(n, typeof s === "string" ? Buffer.from(s) : s);
  const rawEvent = (userId: Buffer | string) => Buffer.concat([str(2, "app_a"), str(3, "page_view"), str(7, userId)]);
  const rawCall = (method: string, body: Buffer) =>
    new Promise<{ code: number; details: string }>((resolve) => {
      const client = new grpc.Client(`127.0.0.1:${s.server.port}`, grpc.credentials.createInsecure());
      client.makeUnaryRequest(`/fluxgate.v1.Ingest/${method}`, (b: Buffer) => b, (b: Buffer) => b, body, keyA(), (err) => {
        client.close();
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: "" });
      });
    });
  const callsCounted = async (method: string, code: string) =>
    (await registry.getSingleMetric("fluxgate_gateway_grpc_calls_total")!.get()).values.find((v) => v.labels.method === method && v.labels.code === code)?.value ?? 0;

  test("a message that cannot be decoded is INVALID_ARGUMENT, and counted", async () => {
    const before = await callsCounted("SendBatch", "INVALID_ARGUMENT");
    for (const garbage of [Buffer.from([0x0a, 0xff, 0xff, 0xff]), Buffer.from([0x0a, 0x05, 0x12]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]) {
      const r = await rawCall("SendBatch", garbage);
      expect(r.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(r.details).toContain("cannot be decoded");
    }
    expect(await callsCounted("SendBatch", "INVALID_ARGUMENT")).toBe(before + 3);
  });

  test("invalid UTF-8 in a string field is INVALID_ARGUMENT naming the field; nothing is published", async () => {
    const published = s.ingest.published.length;
    const one = await rawCall("Send", field(1, rawEvent(Buffer.from([0x75, 0xff]))));
    expect(one).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining("event.user_id") });
    const batch = await rawCall("SendBatch", Buffer.concat([field(1, rawEvent("ok")), field(1, rawEvent(Buffer.from([0xc3, 0x28])))]));
    expect(batch).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining("events.1.user_id") });
    expect((await rawCall("Send", field(1, rawEvent("é")))).code).toBe(grpc.status.OK);
    expect(s.ingest.published.length).toBe(published + 1);
    expect(s.ingest.published.at(-1)!.event.user_id).toBe("é");
  });

  test("in a Stream: a batch with invalid UTF-8 is refused by seq and the stream goes on; an undecodable message ends it INVALID_ARGUMENT", async () => {
    const client = new grpc.Client(`127.0.0.1:${s.server.port}`, grpc.credentials.createInsecure());
    const call = client.makeBidiStreamRequest("/fluxgate.v1.Ingest/Stream", (b: Buffer) => b, (b: Buffer) => loadAck(b), keyA());
    const { acks, ended } = collect(call as unknown as StreamCall);
    const seq = (n: number) => Buffer.from([0x08, n]);
    call.write(Buffer.concat([seq(1), field(2, rawEvent(Buffer.from([0xff])))]));
    call.write(Buffer.concat([seq(2), field(2, rawEvent("fine"))]));
    await waitForAcks(acks, 2);
    call.write(Buffer.from([0x12, 0x7f, 0x01]));
    const status = await ended;
    client.close();
    expect(acks.map((a) => [a.seq, a.refused])).toEqual([[1, "REFUSAL_INVALID"], [2, "REFUSAL_NONE"]]);
    expect(acks[0]!.message).toContain("events.0.user_id");
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await callsCounted("Stream", "INVALID_ARGUMENT")).toBeGreaterThan(0);
  });

  test("props_json nested 100,000 levels is rejected with the path, before it is parsed", async () => {
    const deep = `{"a":${"[".repeat(100_000)}1${"]".repeat(100_000)}}`; // 100,000 levels, under the test server's 256 KiB
    const r = await unaryCall(s.client, "SendBatch", { events: [event({ props_json: deep }), event()] }, keyA());
    if (!r.ok) throw new Error(r.details);
    expect(r.ack.accepted).toBe(1);
    expect(r.ack.rejected).toMatchObject([{ index: 0, code: "invalid", errors: [{ path: `props.a${".0".repeat(31)}`, message: "nested deeper than 32 levels" }] }]);
  });
});

describe("open streams' keys (issue 19 #8)", () => {
  test("a key revoked while its Stream is open: the batches taken are acked, then UNAUTHENTICATED", async () => {
    const ingest = createFakeIngest();
    const server = await startGrpcServer(ingest, { ...limits, keyRecheckMs: 1_000 });
    const client = ingestClient(server.port);
    try {
      const call: StreamCall = client.Stream(keyMetadata({ "x-api-key": "key-b" }));
      const { acks, ended } = collect(call);
      call.write({ seq: 1, events: [event({ app_id: "app_b" })] });
      await waitForAcks(acks, 1);
      const started = Date.now();
      ingest.revoked.add("key-b");
      const status = await ended;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(status.details).toContain("revoked");
      expect(acks.map((a) => [a.seq, a.accepted])).toEqual([[1, 1]]);
    } finally {
      client.close();
      await server.stop();
    }
  });
});
