/** The HTTP event routes in process (Hono's app.request, no socket) over the in-memory fake pipeline. */
import { beforeEach, expect, test } from "bun:test";
import { Hono } from "hono";
import { createFakeIngest, type FakeIngest } from "../../test/support/gateway/fake-ingest.ts";
import { eventRoutes } from "./events.ts";
import { withJsonErrors } from "./responses.ts";

const MAX = 4_096;
let ingest: FakeIngest;
let app: Hono;
beforeEach(() => {
  ingest = createFakeIngest();
  app = withJsonErrors(new Hono()).route("/", eventRoutes({ ingest, maxRequestBytes: MAX, maxBatch: 10, maxDepth: 32 }));
  app.get("/boom", () => {
    throw new Error("boom");
  });
});

const post = (path: string, body: string | Uint8Array | ReadableStream<Uint8Array>, type = "application/json", headers: Record<string, string> = {}) =>
  app.request(path, { method: "POST", body, headers: { "content-type": type, "x-api-key": "key-a", ...headers } });
const event = (over: Record<string, unknown> = {}) => ({ app_id: "app_a", type: "signup", ...over });
/** A body sent in pieces with no Content-Length, as a client streams it. */
const streamed = (text: string, piece = 1_000) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += piece) c.enqueue(bytes.subarray(i, i + piece));
      c.close();
    },
  });

test("media types match exactly, as documented (issue 19 #14)", async () => {
  for (const type of ["text/notjson", "application/jsonx", "application/x-ndjson", "application/json; charset=latin1", "text/plain"]) {
    const r = await post("/v1/events", JSON.stringify(event()), type);
    expect(r.status).toBe(415);
    expect(await r.json()).toMatchObject({ error: "unsupported_media_type", message: expect.stringContaining("application/json") });
  }
  expect((await post("/v1/events", JSON.stringify(event()), "Application/JSON; charset=UTF-8")).status).toBe(202);
  expect((await post("/v1/events/ndjson", JSON.stringify(event()), "application/json")).status).toBe(415);
  expect((await post("/v1/events/ndjson", JSON.stringify(event()), "text/notjson")).status).toBe(415);
  expect((await post("/v1/events/ndjson", JSON.stringify(event()), "application/x-ndjson")).status).toBe(202);
});

test("invalid UTF-8 is refused naming the field, never stored as U+FFFD (issue 19 #10)", async () => {
  const bad = Buffer.concat([Buffer.from('{"app_id":"app_a","type":"signup","user_id":"u'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  const r = await post("/v1/events", bad);
  expect(r.status).toBe(400);
  expect(await r.json()).toMatchObject({ error: "invalid_utf8", errors: [{ path: "user_id", message: expect.stringContaining("UTF-8") }] });
  const batch = await post("/v1/events/batch", Buffer.concat([Buffer.from('[{"app_id":"app_a","type":"signup","props":{"n":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}]')]));
  expect(await batch.json()).toMatchObject({ error: "invalid_utf8", errors: [{ path: "0.props.n" }] });
  const lines = Buffer.concat([Buffer.from(`${JSON.stringify(event())}\n{"app_id":"app_a","type":"signup","session_id":"`), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}\n')]);
  const nd = await post("/v1/events/ndjson", lines, "application/x-ndjson");
  expect(nd.status).toBe(207);
  expect(await nd.json()).toMatchObject({ accepted: 1, results: [{ index: 0, status: "accepted" }, { index: 1, status: "rejected", errors: [{ path: "session_id" }] }] });
  expect(ingest.published).toHaveLength(1);
  expect(JSON.stringify(ingest.published.map((p) => p.event))).not.toContain("\ufffd");
});

test("50,000 nested levels (300 KB) are refused with the path before parsing, over every route (issue 19 #9)", async () => {
  const deepProps = '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000);
  const body = `{"app_id":"app_a","type":"signup","props":${deepProps}}`;
  app = withJsonErrors(new Hono()).route("/", eventRoutes({ ingest, maxRequestBytes: 1 << 20, maxBatch: 10, maxDepth: 32 }));
  const r = await post("/v1/events", body);
  expect(r.status).toBe(400);
  expect(await r.json()).toMatchObject({ error: "too_deep", errors: [{ path: `props${".a".repeat(34)}`, message: "nested deeper than 35 levels" }] });
  expect(await (await post("/v1/events/batch", `[${body}]`)).json()).toMatchObject({ error: "too_deep" });
  const nd = await post("/v1/events/ndjson", `${body}\n`, "application/x-ndjson");
  expect(await nd.json()).toMatchObject({ rejected: 1, results: [{ index: 0, status: "rejected", errors: [{ message: "nested deeper than 35 levels" }] }] });
  expect(ingest.published).toHaveLength(0);
});

test("NDJSON over the size limit: the route stops there and answers with the lines handled and next_line (issue 19 #5)", async () => {
  const line = (i: number) => JSON.stringify(event({ event_id: `0190b3c2-0000-7000-8000-${String(i).padStart(12, "0")}` }));
  const lines = Array.from({ length: 200 }, (_, i) => line(i));
  const text = lines.join("\n") + "\n";
  expect(Buffer.byteLength(text)).toBeGreaterThan(MAX);
  const r = await post("/v1/events/ndjson", streamed(text, 700), "application/x-ndjson");
  expect(r.status).toBe(413);
  const body = (await r.json()) as { error: string; accepted: number; next_line: number; results: { index: number; event_id: string }[] };
  expect(body.error).toBe("too_large");
  // Every line wholly inside the limit was handled, the line the limit cuts and all after it were not.
  const whole = Math.floor(MAX / (Buffer.byteLength(lines[0]!) + 1));
  expect(body.next_line).toBe(whole);
  expect(body.results.map((x) => x.index)).toEqual(Array.from({ length: whole }, (_, i) => i));
  expect(ingest.published.map((p) => p.event_id).sort()).toEqual(body.results.map((x) => x.event_id).sort());
  // A declared length over the limit: nothing is read, nothing taken.
  const declared = await post("/v1/events/ndjson", text, "application/x-ndjson", { "content-length": String(Buffer.byteLength(text)) });
  expect(declared.status).toBe(413);
  expect(await declared.json()).toMatchObject({ error: "too_large", accepted: 0, results: [], next_line: 0 });
  // JSON routes too stop reading at the limit and answer in the error shape.
  const single = await post("/v1/events", streamed(JSON.stringify(event({ props: { blob: "x".repeat(MAX) } }))));
  expect(single.status).toBe(413);
  expect(await single.json()).toMatchObject({ error: "too_large" });
});

test("a refusal mid-stream reports only the lines before next_line", async () => {
  let calls = 0;
  ingest.outcome = () => (++calls === 2 ? { kind: "rate_limited", retryAfterMs: 500, limit: 10, remaining: 0, resetMs: 500 } : undefined);
  const text = Array.from({ length: 25 }, (_, i) => (i === 14 ? "not json" : JSON.stringify(event()))).join("\n");
  const r = await post("/v1/events/ndjson", text, "application/x-ndjson");
  expect(r.status).toBe(429);
  const body = (await r.json()) as { next_line: number; results: { index: number }[] };
  expect(body.next_line).toBe(10);
  expect(body.results.map((x) => x.index)).toEqual(Array.from({ length: 10 }, (_, i) => i));
});

test("every error is JSON in the documented shape: 401, 404, 500 (issue 19 #13)", async () => {
  const noKey = await app.request("/v1/events", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
  expect(noKey.status).toBe(401);
  expect(await noKey.json()).toMatchObject({ error: "unauthorized", reason: "missing", message: expect.any(String) });
  const bad = await post("/v1/events", "{}", "application/json", { "x-api-key": "nope" });
  expect(await bad.json()).toMatchObject({ error: "unauthorized", reason: "invalid" });
  const down = await post("/v1/events", "{}", "application/json", { "x-api-key": "key-store-down" });
  expect(down.status).toBe(503);
  expect(await down.json()).toMatchObject({ error: "unavailable" });
  const missing = await app.request("/nope");
  expect(missing.status).toBe(404);
  expect(await missing.json()).toMatchObject({ error: "not_found", message: expect.stringContaining("/nope") });
  const boom = await app.request("/boom");
  expect(boom.status).toBe(500);
  expect(await boom.json()).toMatchObject({ error: "internal" });
});

test("a batch over the burst is 413 saying it can never fit; NDJSON splits its chunks to fit (issue 19 #15)", async () => {
  ingest.outcome = () => undefined;
  const real = ingest.submit.bind(ingest);
  ingest.submit = async (p, events, source) => (events.length > 3 ? { kind: "over_burst", burst: 3, message: `${events.length} events can never fit the rate limit's burst of 3` } : real(p, events, source));
  const r = await post("/v1/events/batch", JSON.stringify(Array.from({ length: 5 }, () => event())));
  expect(r.status).toBe(413);
  expect(r.headers.get("retry-after")).toBeNull();
  expect(await r.json()).toMatchObject({ error: "too_large", max_events: 3, message: expect.stringContaining("never fit") });
  const nd = await post("/v1/events/ndjson", Array.from({ length: 8 }, () => JSON.stringify(event())).join("\n"), "application/x-ndjson");
  expect(nd.status).toBe(202);
  expect(await nd.json()).toMatchObject({ accepted: 8 });
});
