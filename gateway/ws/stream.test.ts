/** /v1/stream and /v1/alerts/stream on a real Bun server with the `ws` client; the pipeline is the in-memory fake. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { createLiveFeedHub } from "./live-feed.ts";
import type { Alert } from "../../schemas/alert.ts";
import { createFakeIngest } from "../../test/support/gateway/fake-ingest.ts";
import { CLOSE_FLOOD, CLOSE_UNAUTHORIZED, createAlertFeedSocket, createGatewaySockets, createStreamSocket, type GatewaySocketData } from "./index.ts";
import { connectClient, type TestClient } from "../../test/support/gateway/ws-test-client.ts";

const limits = { maxFrameBytes: 64 * 1024, maxBatch: 50, maxInflightFrames: 4, maxInflightBytes: 200 * 1024, floodStrikes: 3, idleTimeoutSec: 30, maxBufferedBytes: 1 << 20, keyRecheckMs: 1_000 };
const event = (over: Record<string, unknown> = {}) => ({ app_id: "app_a", type: "page_view", props: { url: "/" }, ...over });

function startServer() {
  const ingest = createFakeIngest();
  const hub = createLiveFeedHub();
  const sockets = createGatewaySockets(createStreamSocket(ingest, limits), createAlertFeedSocket(ingest, hub));
  const server = Bun.serve<GatewaySocketData>({
    port: 0,
    fetch: (req, srv) => sockets.route(req, srv) ?? new Response("not found", { status: 404 }),
    websocket: sockets.websocket,
  });
  const base = `ws://127.0.0.1:${server.port}`;
  return { ingest, hub, sockets, server, base, stream: (key = "key-a") => connectClient(`${base}/v1/stream`, { "x-api-key": key }) };
}

let s: ReturnType<typeof startServer>;
const open: TestClient[] = [];
beforeAll(() => {
  s = startServer();
});
afterAll(() => s.server.stop(true));
afterEach(() => {
  for (const c of open.splice(0)) c.ws.terminate();
  s.ingest.outcome = undefined;
  s.ingest.delayMs = 0;
  s.ingest.gate = undefined;
  s.ingest.revoked.clear();
});
const stream = async (key?: string) => {
  const c = await s.stream(key);
  open.push(c);
  return c;
};

describe("/v1/stream upgrade", () => {
  test("refuses a missing or unknown key with 401 before upgrading", async () => {
    const http = s.base.replace("ws:", "http:");
    expect((await fetch(`${http}/v1/stream`)).status).toBe(401);
    expect((await fetch(`${http}/v1/stream`, { headers: { "x-api-key": "nope" } })).status).toBe(401);
    await expect(s.stream("nope")).rejects.toThrow("HTTP 401");
    // One 401 vocabulary with HTTP: error "unauthorized", reason missing | invalid | revoked.
    expect(await (await fetch(`${http}/v1/stream`, { headers: { "x-api-key": "nope" } })).json()).toMatchObject({ error: "unauthorized", reason: "invalid", message: expect.any(String) });
  });

  test("answers 503 when the keys cannot be checked", async () => {
    expect((await fetch(`${s.base.replace("ws:", "http:")}/v1/stream`, { headers: { "x-api-key": "key-store-down" } })).status).toBe(503);
  });

  test("takes the key from Authorization: Bearer and from ?api_key=", async () => {
    const bearer = await connectClient(`${s.base}/v1/stream`, { authorization: "Bearer key-a" });
    const query = await connectClient(`${s.base}/v1/stream?api_key=key-b`);
    open.push(bearer, query);
    bearer.send({ seq: 1, event: event() });
    query.send({ seq: 1, event: event({ app_id: "app_b" }) });
    expect((await bearer.next()).accepted).toBe(1);
    expect((await query.next()).accepted).toBe(1);
  });
});

describe("/v1/stream frames", () => {
  test("acks a batch with ids by index and per-index rejections", async () => {
    const c = await stream();
    const id = randomUUID();
    c.send({ seq: 7, events: [event({ event_id: id }), event({ app_id: "app_b" }), { app_id: "app_a" }, event()] });
    const ack = await c.next();
    expect(ack).toMatchObject({ type: "ack", seq: 7, accepted: 2 });
    expect(ack.event_ids[0]).toBe(id);
    expect(ack.event_ids[1]).toBeNull();
    expect(ack.event_ids[2]).toBeNull();
    expect(typeof ack.event_ids[3]).toBe("string");
    expect(ack.rejected).toEqual([
      { index: 1, code: "app_mismatch", errors: [{ path: "app_id", message: "key is for app_a" }] },
      { index: 2, code: "invalid", errors: [{ path: "type", message: "required" }] },
    ]);
  });

  test("acks in frame order although the pipeline finishes them out of order", async () => {
    const c = await stream();
    s.ingest.delayMs = () => Math.random() * 15;
    for (let seq = 0; seq < 4; seq++) c.send({ seq, event: event() });
    const seqs: number[] = [];
    for (let i = 0; i < 4; i++) seqs.push((await c.next()).seq);
    expect(seqs).toEqual([0, 1, 2, 3]);
  });

  test("rate-limited and unavailable submissions get reject frames with a retry hint", async () => {
    const c = await stream();
    s.ingest.outcome = () => ({ kind: "rate_limited", retryAfterMs: 250, limit: 10, remaining: 0, resetMs: 250 });
    c.send({ seq: 1, event: event() });
    expect(await c.next()).toEqual({ type: "reject", seq: 1, code: "rate_limited", retry_after_ms: 250 });
    s.ingest.outcome = () => ({ kind: "unavailable", retryAfterMs: 1000, message: "Kafka down" });
    c.send({ seq: 2, event: event() });
    expect(await c.next()).toMatchObject({ type: "reject", seq: 2, code: "unavailable", retry_after_ms: 1000 });
  });

  test("bad JSON and malformed frames get error frames and the connection survives", async () => {
    const c = await stream();
    c.send("{not json");
    expect(await c.next()).toMatchObject({ type: "error", seq: null, code: "bad_frame" });
    c.send({ seq: "x", events: [] });
    expect(await c.next()).toMatchObject({ type: "error", seq: null, code: "bad_frame" });
    c.send({ seq: 3, events: [] });
    expect(await c.next()).toMatchObject({ type: "error", seq: 3, code: "bad_frame" });
    c.send({ seq: 4, events: Array.from({ length: limits.maxBatch + 1 }, () => event()) });
    expect(await c.next()).toMatchObject({ type: "error", seq: 4, code: "too_large" });
    c.send({ seq: 5, event: event() });
    expect(await c.next()).toMatchObject({ type: "ack", seq: 5, accepted: 1 });
  });

  test("a frame over the size limit closes the connection with 1009", async () => {
    const c = await stream();
    c.send({ seq: 1, event: event({ props: { pad: "x".repeat(limits.maxFrameBytes) } }) });
    expect((await c.closed).code).toBe(1009);
  });

  test("a frame just under the size limit is processed", async () => {
    const c = await stream();
    const frame = { seq: 1, event: event({ props: { pad: "" } }) };
    const pad = limits.maxFrameBytes - JSON.stringify(frame).length;
    c.send({ seq: 1, event: event({ props: { pad: "x".repeat(pad) } }) });
    expect(await c.next()).toMatchObject({ type: "ack", seq: 1, accepted: 1 });
  });

  test("a flood past the in-flight limit gets slow_down, then close 4008 once the frames taken are acked (issue 19 #6)", async () => {
    const c = await stream();
    const before = s.ingest.published.length;
    let release!: () => void;
    s.ingest.gate = new Promise((r) => (release = r));
    for (let seq = 0; seq < limits.maxInflightFrames; seq++) c.send({ seq, event: event() });
    c.send({ seq: 100, event: event() });
    expect(await c.next()).toMatchObject({ type: "reject", seq: 100, code: "slow_down" });
    for (let seq = 101; seq <= 101 + limits.floodStrikes; seq++) c.send({ seq, event: event() });
    for (let i = 1; i < limits.floodStrikes; i++) expect((await c.next()).code).toBe("slow_down");
    await Bun.sleep(50);
    release();
    // Every frame the pipeline took (and so stored) is acknowledged before the close.
    const acks = [];
    for (let seq = 0; seq < limits.maxInflightFrames; seq++) acks.push(await c.next());
    expect(acks.map((a) => [a.type, a.seq])).toEqual(Array.from({ length: limits.maxInflightFrames }, (_, seq) => ["ack", seq]));
    expect((await c.closed).code).toBe(CLOSE_FLOOD);
    expect(s.ingest.published.length - before).toBe(limits.maxInflightFrames);
  });

  test("a key revoked while its connection is open: the frames taken are acked, then close 4001 (issue 19 #8)", async () => {
    const c = await stream("key-b");
    const before = s.ingest.published.length;
    let release!: () => void;
    s.ingest.gate = new Promise((r) => (release = r));
    c.send({ seq: 1, event: event({ app_id: "app_b" }) });
    await Bun.sleep(20);
    s.ingest.revoked.add("key-b");
    const started = Date.now();
    await Bun.sleep(1_200); // one re-check period (the test server's keyRecheckMs)
    c.send({ seq: 2, event: event({ app_id: "app_b" }) }); // not taken any more
    release();
    expect(await c.next()).toMatchObject({ type: "ack", seq: 1, accepted: 1 });
    const closed = await c.closed;
    expect(closed).toMatchObject({ code: CLOSE_UNAUTHORIZED, reason: expect.stringContaining("revoked") });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(s.ingest.published.length - before).toBe(1);
  });

  test("nesting past the bound and invalid UTF-8 in binary frames get error frames naming the path; the connection survives (issue 19 #9, #10)", async () => {
    const c = await stream();
    // 25,000 levels in a frame under the test server's 64 KiB frame limit
    const deep = `{"seq":1,"event":{"app_id":"app_a","type":"page_view","props":{"a":${"[".repeat(25_000)}1${"]".repeat(25_000)}}}}`;
    c.send(deep);
    const tooDeep = await c.next();
    expect(tooDeep).toMatchObject({ type: "error", seq: null, code: "too_deep", errors: [{ path: `event.props.a${".0".repeat(32)}`, message: "nested deeper than 35 levels" }] });
    const bad = Buffer.concat([Buffer.from('{"seq":2,"event":{"app_id":"app_a","type":"page_view","user_id":"'), Buffer.from([0xff]), Buffer.from('"}}')]);
    c.ws.send(bad, { binary: true });
    expect(await c.next()).toMatchObject({ type: "error", code: "invalid_utf8", errors: [{ path: "event.user_id" }] });
    c.ws.send(Buffer.from(JSON.stringify({ seq: 3, event: event({ user_id: "é" }) })), { binary: true });
    expect(await c.next()).toMatchObject({ type: "ack", seq: 3, accepted: 1 });
    expect(s.ingest.published.some((p) => JSON.stringify(p.event).includes("\ufffd") || JSON.stringify(p.event).includes("�"))).toBe(false);
  });

  test("invalid UTF-8 in a text frame closes with 1007 and nothing is taken", async () => {
    const c = await connectClient(`${s.base}/v1/stream`, { "x-api-key": "key-a" }, { skipUTF8Validation: true });
    open.push(c);
    const before = s.ingest.started;
    c.ws.send(Buffer.concat([Buffer.from('{"seq":1,"event":{"app_id":"app_a","type":"page_view","user_id":"'), Buffer.from([0xff]), Buffer.from('"}}')]), { binary: false });
    expect((await c.closed).code).toBe(1007);
    expect(s.ingest.started).toBe(before);
  });

  test("frames over the in-flight bytes get slow_down; a lone large frame is always taken", async () => {
    const c = await stream();
    let release!: () => void;
    s.ingest.gate = new Promise((r) => (release = r));
    const big = (seq: number) => ({ seq, event: event({ props: { pad: "x".repeat(60 * 1024) } }) });
    for (let seq = 0; seq < 4; seq++) c.send(big(seq));
    expect(await c.next()).toMatchObject({ seq: 3, code: "slow_down" });
    release();
    s.ingest.gate = undefined;
    for (let seq = 0; seq < 3; seq++) expect(await c.next()).toMatchObject({ type: "ack", seq });
  });

  test("a client that waits for acks after slow_down carries on", async () => {
    const c = await stream();
    let release!: () => void;
    s.ingest.gate = new Promise((r) => (release = r));
    for (let seq = 0; seq <= limits.maxInflightFrames; seq++) c.send({ seq, event: event() });
    expect(await c.next()).toMatchObject({ seq: limits.maxInflightFrames, code: "slow_down" });
    release();
    for (let seq = 0; seq < limits.maxInflightFrames; seq++) expect(await c.next()).toMatchObject({ type: "ack", seq });
    c.send({ seq: limits.maxInflightFrames, event: event() });
    expect(await c.next()).toMatchObject({ type: "ack", seq: limits.maxInflightFrames });
  });

  test("a client that disconnects with frames in flight leaves the server sound", async () => {
    const c = await stream();
    let release!: () => void;
    s.ingest.gate = new Promise((r) => (release = r));
    for (let seq = 0; seq < 3; seq++) c.send({ seq, event: event() });
    await Bun.sleep(20);
    c.ws.terminate();
    await c.closed;
    release();
    s.ingest.gate = undefined;
    const next = await stream();
    next.send({ seq: 1, event: event() });
    expect(await next.next()).toMatchObject({ type: "ack", seq: 1, accepted: 1 });
  });

  test("a reconnecting client resending the same events gets the same event_ids", async () => {
    const ids: string[] = [randomUUID(), randomUUID()];
    const frame = { seq: 1, events: ids.map((event_id) => event({ event_id })) };
    const first = await stream();
    first.send(frame);
    expect((await first.next()).event_ids).toEqual(ids);
    first.ws.terminate();
    const second = await stream();
    second.send(frame);
    expect((await second.next()).event_ids).toEqual(ids);
    expect(s.ingest.published.filter((p) => ids.includes(p.event_id)).map((p) => p.event_id)).toEqual([...ids, ...ids]);
  });
});

describe("liveness", () => {
  test("pings idle clients: one that answers stays, one that does not is dropped", async () => {
    const ingest = createFakeIngest();
    const sockets = createGatewaySockets(createStreamSocket(ingest, { ...limits, idleTimeoutSec: 1 }));
    const server = Bun.serve<GatewaySocketData>({ port: 0, fetch: (req, srv) => sockets.route(req, srv) ?? undefined, websocket: sockets.websocket });
    try {
      const url = `ws://127.0.0.1:${server.port}/v1/stream`;
      const live = await connectClient(url, { "x-api-key": "key-a" });
      const dead = await connectClient(url, { "x-api-key": "key-a" }, { autoPong: false });
      let pings = 0;
      live.ws.on("ping", () => pings++);
      const t0 = Date.now();
      await dead.closed;
      expect(Date.now() - t0).toBeLessThan(12_000);
      expect(pings).toBeGreaterThan(0);
      expect(live.ws.readyState).toBe(live.ws.OPEN);
      live.ws.terminate();
    } finally {
      server.stop(true);
    }
  }, 15_000);
});

describe("close()", () => {
  test("answers frames in flight, refuses new ones, then closes with 1001", async () => {
    const own = startServer();
    try {
      const c = await own.stream();
      let release!: () => void;
      own.ingest.gate = new Promise((r) => (release = r));
      c.send({ seq: 1, event: event() });
      c.send({ seq: 2, event: event() });
      await Bun.sleep(20);
      const closing = own.sockets.close();
      c.send({ seq: 3, event: event() });
      expect(await c.next()).toMatchObject({ type: "reject", seq: 3, code: "unavailable" });
      release();
      expect(await c.next()).toMatchObject({ type: "ack", seq: 1 });
      expect(await c.next()).toMatchObject({ type: "ack", seq: 2 });
      await closing;
      expect((await c.closed).code).toBe(1001);
      expect((await fetch(`${own.base.replace("ws:", "http:")}/v1/stream`, { headers: { "x-api-key": "key-a" } })).status).toBe(503);
    } finally {
      own.server.stop(true);
    }
  });
});

describe("/v1/alerts/stream", () => {
  const alert = (app_id: string) => ({ id: randomUUID(), app_id, rule_id: "r1", title: "t", sinks: ["live"] }) as unknown as Alert;

  test("needs a key of the app it follows", async () => {
    const http = s.base.replace("ws:", "http:");
    expect((await fetch(`${http}/v1/alerts/stream?app=app_a`)).status).toBe(401);
    const other = await fetch(`${http}/v1/alerts/stream?app=app_b`, { headers: { "x-api-key": "key-a" } });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: "forbidden", message: expect.stringContaining("app_b") });
    expect((await fetch(`${http}/v1/alerts/stream`, { headers: { "x-api-key": "key-a" } })).status).toBe(400);
    expect((await fetch(`${http}/v1/alerts/stream?app=app_a`, { headers: { "x-api-key": "key-store-down" } })).status).toBe(503);
  });

  test("delivers the app's alerts and refuses other apps", async () => {
    const c = await connectClient(`${s.base}/v1/alerts/stream?app=app_a&api_key=key-a`);
    open.push(c);
    expect(await c.next()).toEqual({ type: "subscribed", apps: ["app_a"] });
    s.hub.publish(alert("app_b"));
    const mine = alert("app_a");
    s.hub.publish(mine);
    expect(await c.next()).toEqual({ type: "alert", alert: JSON.parse(JSON.stringify(mine)) });
    c.send({ subscribe: "app_b" });
    expect(await c.next()).toMatchObject({ type: "error" });
  });
});
