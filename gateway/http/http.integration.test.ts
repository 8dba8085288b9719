/**
 * The HTTP front through the real pipeline into the real Kafka, with keys in Postgres and limits
 * in Redis: accepted events arrive on fg.events enriched and keyed; rejected ones never do.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { loadConfig } from "../../infra/app/config/load.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { freePort } from "../../test/support/free-port.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { healthClient } from "../../test/support/gateway/grpc-test-client.ts";
import { runKeysCommand } from "../keys/cli.ts";
import { createGatewayRole } from "../role.ts";

const brokers = requireEnv("FG_KAFKA_BROKERS");
const prefix = `${uniqueName("gw")}.`;
const port = freePort();
const grpcPort = freePort();
const env = loadConfig({
  ...process.env, FG_TOPIC_PREFIX: prefix, FG_GATEWAY_PORT: String(port), FG_GRPC_PORT: String(grpcPort), FG_LOG_LEVEL: "error",
  FG_RATE_LIMIT_APPS: JSON.stringify({ "gw-limited": { rate: 1, burst: 3 } }),
});
const topics = topicNames(prefix);
const bus = createKafkaBus({ brokers: brokers.split(","), clientId: "gw-test" });
const gateway = createGatewayRole({ env, bus, topics, logger: createLogger("error") });
const base = `http://127.0.0.1:${port}`;
const keys: Record<string, string> = {};

async function newKey(app: string): Promise<string> {
  const out: string[] = [];
  expect(await runKeysCommand(["create", "--app", app], env, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
  return out[1]!;
}

beforeAll(async () => {
  await gateway.start();
  keys.shop = await newKey("gw-shop");
  keys.limited = await newKey("gw-limited");
});
afterAll(async () => {
  await gateway.stop();
  await bus.close();
});

const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const post = (path: string, body: unknown, key: string | null = keys.shop!, type = "application/json") =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": type, traceparent: trace, ...(key !== null && { "x-api-key": key }) }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function published(count: number): Promise<{ key: string; value: Record<string, unknown>; traceparent: string }[]> {
  const kafka = new Kafka({ clientId: "gw-reader", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName("reader") });
  const seen: { key: string; value: Record<string, unknown>; traceparent: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: topics.events, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()), traceparent: String(message.headers?.traceparent) }) });
  await waitFor(() => seen.length, (n) => n >= count, { what: `${count} events on ${topics.events}` });
  await Bun.sleep(500); // anything beyond `count` would be a rejected event that got through
  await consumer.disconnect();
  return seen;
}

test("one event, a batch and an NDJSON stream: accepted events arrive enriched and keyed, rejected ones never", async () => {
  const single = await post("/v1/events", { app_id: "gw-shop", type: "checkout_completed", user_id: "u1", props: { amount: 12.5, currency: "EUR" } });
  expect(single.status).toBe(202);
  const { event_id } = (await single.json()) as { event_id: string };

  const batch = await post("/v1/events/batch", [
    { app_id: "gw-shop", type: "signup", session_id: "s1" },
    { app_id: "gw-shop", type: "checkout_completed", props: { amount: "lots" } },
    { app_id: "gw-other", type: "signup" },
    { app_id: "gw-shop", type: "teleported" },
  ]);
  expect(batch.status).toBe(207);
  const b = (await batch.json()) as { accepted: number; results: { index: number; status: string; code?: string; errors?: { path: string }[] }[] };
  expect(b.accepted).toBe(1);
  expect(b.results.map((r) => r.code ?? r.status)).toEqual(["accepted", "invalid", "app_mismatch", "unknown_type"]);
  expect(b.results[1]!.errors![0]!.path).toBe("props.amount");

  const ndjson = await post("/v1/events/ndjson", '{"app_id":"gw-shop","type":"page_view","props":{"path":"/a"}}\n\nnot json\n{"app_id":"gw-shop","type":"page_view","props":{"path":"/b"}}', keys.shop, "application/x-ndjson");
  expect(ndjson.status).toBe(207);
  const n = (await ndjson.json()) as { results: { index: number; status: string }[] };
  expect(n.results.map((r) => [r.index, r.status]).sort()).toEqual([[0, "accepted"], [2, "rejected"], [3, "accepted"]]);

  const seen = await published(4);
  expect(seen.length).toBe(4);
  const first = seen.find((s) => s.value.event_id === event_id)!;
  expect(first.key).toBe("gw-shop:u1");
  expect(first.value).toMatchObject({ app_id: "gw-shop", type: "checkout_completed", user_id: "u1", key: "u1", source: "http", props: { amount: 12.5, currency: "EUR" } });
  expect(first.value.ts).toBe(first.value.received_at);
  expect(seen.every((s) => s.traceparent === trace)).toBe(true);
  expect(seen.find((s) => s.value.type === "signup")!.key).toBe("gw-shop:s1");
}, 30_000);

test("each refusal has its status and says what was wrong", async () => {
  expect((await post("/v1/events", { app_id: "gw-shop", type: "signup" }, null)).status).toBe(401);
  expect((await post("/v1/events", { app_id: "gw-shop", type: "signup" }, "fgk_0000000000000000_" + "x".repeat(43))).status).toBe(401);
  const invalid = await post("/v1/events", { app_id: "gw-shop", type: "payment_failed", ts: "soon", props: {} });
  expect(invalid.status).toBe(400);
  expect(((await invalid.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual(["ts"]);
  expect((await post("/v1/events", { app_id: "gw-other", type: "signup" })).status).toBe(403);
  expect((await post("/v1/events", { app_id: "gw-shop", type: "signup", props: { blob: "x".repeat(40_000) } })).status).toBe(413);
  expect((await post("/v1/events", "{nope")).status).toBe(400);
  expect((await post("/v1/events", "a=b", keys.shop, "text/plain")).status).toBe(415);
  expect((await post("/v1/events/batch", [])).status).toBe(400);
});

test("over the app's rate: 429 with Retry-After and RateLimit headers, and nothing of it published", async () => {
  const events = Array.from({ length: 3 }, () => ({ app_id: "gw-limited", type: "signup" }));
  expect((await post("/v1/events/batch", events, keys.limited)).status).toBe(202);
  const limited = await post("/v1/events/batch", events, keys.limited);
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(limited.headers.get("ratelimit-limit")).toBe("1");
  expect(limited.headers.get("ratelimit-remaining")).toBe("0");
});

test("schemas and the OpenAPI document are served from the zod schemas", async () => {
  const list = (await (await fetch(`${base}/v1/schemas`)).json()) as { types: { type: string; versions: number[]; latest: number }[]; envelope: { properties: object } };
  expect(list.types).toContainEqual({ type: "page_view", versions: [1, 2], latest: 2 });
  expect(Object.keys(list.envelope.properties)).toContain("app_id");
  const pageView = (await (await fetch(`${base}/v1/schemas/page_view?version=1`)).json()) as { required: string[] };
  expect(pageView.required).toEqual(["path"]);
  expect((await fetch(`${base}/v1/schemas/nope`)).status).toBe(404);
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  expect(doc.openapi).toBe("3.1.0");
  expect(Object.keys(doc.paths["/v1/events"]!.post!.responses).sort()).toEqual(["202", "400", "401", "403", "413", "415", "429", "503"]);
  expect(doc.paths["/v1/events/batch"]!.post!.responses["207"]).toBeDefined();
});

test("the role mounts the WebSocket and gRPC fronts on the same pipeline", async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, { headers: { "x-api-key": keys.shop! } } as unknown as string[]);
  const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
    ws.onmessage = (m) => resolve(JSON.parse(String(m.data)));
    ws.onerror = () => reject(new Error("WebSocket failed"));
  });
  await new Promise((resolve) => (ws.onopen = resolve));
  ws.send(JSON.stringify({ seq: 7, event: { app_id: "gw-shop", type: "signup", user_id: "ws-1" } }));
  expect(await reply).toMatchObject({ type: "ack", seq: 7, accepted: 1 });
  ws.close();

  const health = healthClient(grpcPort);
  const status = await new Promise<{ status: string }>((resolve, reject) =>
    health.Check({ service: "" }, (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res))));
  expect(status.status).toBe("SERVING");
  health.close();
});
