/**
 * The gateway fuzz suite (issue 19): a seeded generator's 2,500 bad inputs (test/fuzz/generate.ts)
 * over HTTP, WebSocket and gRPC against a real gateway process (`fluxgate gateway`) on the real
 * Kafka, Postgres (keys) and Redis (limits). It asserts every outcome — the status or code, an
 * error body that names the problem, a per-event result for each event — while a prober checks
 * that /healthz answers throughout, within FG_FUZZ_HEALTH_MS (default 100) beyond an idle control
 * server's time and the gateway's wait for a CPU (see the bound's comment); then a ledger read from the real topic: every
 * acknowledged id is there as often as it was acked, nothing else is (so nothing of a refusal was
 * stored), a UUIDv7 id without ts carries the id's time (and its resend the same one), no string
 * was turned into U+FFFD; and every store tier (ClickHouse, Postgres, the Parquet archive once
 * compacted), written by a store process of its own, holds exactly the acknowledged ids, once. The process
 * must still be alive, every line it logged JSON, and it must stop cleanly.
 * FG_FUZZ_SEED replays a run; the counts by class are printed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import WebSocket from "ws";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import { loadConfig } from "../../infra/app/config/load.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { runKeysCommand } from "../../gateway/keys/cli.ts";
import { FLUXGATE_PROTO, loaderOptions, type AckMessage } from "../../gateway/grpc/proto.ts";
import { uuidV7Time } from "../../schemas/envelope.ts";
import { freePort } from "../support/free-port.ts";
import { readTopic } from "../support/read-topic.ts";
import { requireEnv, uniqueName } from "../support/services.ts";
import { waitFor } from "../support/wait-for.ts";
import { createArchiveCompactor, createArchiveStore } from "../../store/s3/index.ts";
import { exactlyOnce, storeTestEnv, tierReaders } from "../../store/tiers.test-support.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { generateCases, type Expectation, type FuzzCase, type GrpcCase, type HttpCase, type KeyName, type WsCase } from "./generate.ts";

const SEED = Number(process.env.FG_FUZZ_SEED ?? 19);
const MAX_REQUEST_BYTES = 524_288;
const MAX_DEPTH = 32;
const TINY_BURST = 5;
const HEALTH_MS = Number(process.env.FG_FUZZ_HEALTH_MS ?? 100);
const brokers = requireEnv("FG_KAFKA_BROKERS");
requireEnv("FG_POSTGRES_URL");
requireEnv("FG_REDIS_URL");

const prefix = `${uniqueName("fuzz")}.`;
const app = uniqueName("fz");
const otherApp = uniqueName("fzother");
const tinyApp = uniqueName("fztiny");
const port = freePort();
const grpcPort = freePort();
const base = `http://127.0.0.1:${port}`;
const gatewayEnv: Record<string, string> = {
  ...(process.env as Record<string, string>),
  FG_TOPIC_PREFIX: prefix, FG_GATEWAY_PORT: String(port), FG_GRPC_PORT: String(grpcPort), FG_LOG_LEVEL: "warn",
  FG_GATEWAY_ALERT_FEED: "false", FG_GATEWAY_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES), FG_GATEWAY_MAX_DEPTH: String(MAX_DEPTH),
  // A slow shared machine must not turn acks into 503s: the ledger checks acks, not outage handling.
  FG_PRODUCER_STALL_MS: "15000",
  FG_RATE_LIMIT_APPS: JSON.stringify({ [app]: { rate: 1_000_000, burst: 1_000_000 }, [tinyApp]: { rate: 1_000, burst: TINY_BURST } }),
};
const env = loadConfig(gatewayEnv);
const topic = topicNames(prefix).events;

const definition = protoLoader.loadSync(FLUXGATE_PROTO, loaderOptions);
const message = (name: string) => definition[`fluxgate.v1.${name}`] as protoLoader.MessageTypeDefinition<object, object>;
// FG_FUZZ_ONLY=<regex over "protocol class"> runs a subset, to replay a failure.
const only = process.env.FG_FUZZ_ONLY ? new RegExp(process.env.FG_FUZZ_ONLY) : undefined;
const cases = generateCases({
  seed: SEED, now: Date.now(), app, otherApp, tinyApp, tinyBurst: TINY_BURST, maxDepth: MAX_DEPTH, maxEventBytes: env.FG_GATEWAY_MAX_EVENT_BYTES,
  maxRequestBytes: MAX_REQUEST_BYTES, encode: (type, m) => message(type).serialize(m as object),
}).filter((c) => !only || only.test(`${c.protocol} ${c.cls}`));

// The store role in a process of its own on the same topic, with a ClickHouse database, Postgres
// schema and bucket of its own: the ledger checks every tier too.
const storeAdminPort = freePort();
const storeEnv: Record<string, string> = { ...(process.env as Record<string, string>), ...storeTestEnv({ FG_TOPIC_PREFIX: prefix }), FG_ADMIN_PORT: String(storeAdminPort) };
const tiers = tierReaders(storeEnv);
let store: ReturnType<typeof Bun.spawn>;
let gateway: ReturnType<typeof Bun.spawn>;
const logLines: string[] = [];
const keys: Record<KeyName, string | undefined> = { main: undefined, tiny: undefined, bad: `fgk_0000000000000000_${"x".repeat(43)}`, none: undefined };

async function newKey(forApp: string): Promise<string> {
  const out: string[] = [];
  expect(await runKeysCommand(["create", "--app", forApp], env, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
  return out[1]!;
}

beforeAll(async () => {
  keys.main = await newKey(app);
  keys.tiny = await newKey(tinyApp);
  const cwd = new URL("../..", import.meta.url).pathname;
  store = Bun.spawn([process.execPath, "infra/app/main.ts", "store"], { cwd, env: storeEnv, stdout: "ignore", stderr: "ignore" });
  gateway = Bun.spawn([process.execPath, "infra/app/main.ts", "gateway"], { cwd, env: gatewayEnv, stdout: "pipe", stderr: "pipe" });
  void (async () => {
    let rest = "";
    for await (const chunk of gateway.stderr as ReadableStream<Uint8Array>) {
      const lines = (rest + new TextDecoder().decode(chunk)).split("\n");
      rest = lines.pop()!;
      logLines.push(...lines.filter((l) => l.trim() !== ""));
    }
  })();
  await waitFor(() => fetch(`${base}/readyz`).then((r) => r.status, () => 0), (s) => s === 200, { timeoutMs: 40_000, intervalMs: 200, what: "the gateway to be ready" });
  await waitFor(() => fetch(`http://127.0.0.1:${storeAdminPort}/readyz`).then((r) => r.status, () => 0), (s) => s === 200, { timeoutMs: 40_000, intervalMs: 200, what: "the store to be ready" });
}, 90_000);

afterAll(async () => {
  if (gateway.exitCode === null) gateway.kill("SIGKILL");
  store.kill("SIGTERM");
  if ((await Promise.race([store.exited, Bun.sleep(15_000).then(() => "late" as const)])) === "late") store.kill("SIGKILL");
  await tiers.close();
}, 30_000);

/** What the run learnt about each id: acknowledged (with the ts it must carry, if any) or refused. */
const acked = new Map<string, number | undefined>();
/** How many times each id was acknowledged (resends included): Kafka holds that many copies, every tier one. */
const ackCount = new Map<string, number>();
/** Which case class acknowledged each id: a failure says where to look. */
const ackedBy = new Map<string, string>();
const ack = (c: FuzzCase, id: string, ts?: number) => {
  acked.set(id, ts);
  ackedBy.set(id, `${c.protocol} ${c.cls}`);
  ackCount.set(id, (ackCount.get(id) ?? 0) + 1);
};
const refused = new Set<string>();
const problems: string[] = [];
/** When each case was in flight (epoch ms): a slow /healthz probe names the cases around it. */
const spans: { cls: string; from: number; to: number }[] = [];
const timed = (work: (c: any, w: number) => Promise<unknown>) => async (c: FuzzCase, w: number) => {
  const from = Date.now();
  await work(c, w);
  spans.push({ cls: `${c.protocol} ${c.cls}`, from, to: Date.now() });
};
const outcomes = new Map<string, Map<string, number>>();
const note = (c: FuzzCase, outcome: string) => {
  const key = `${c.protocol} ${c.cls}`;
  const m = outcomes.get(key) ?? new Map<string, number>();
  m.set(outcome, (m.get(outcome) ?? 0) + 1);
  outcomes.set(key, m);
};
const fail = (c: FuzzCase, what: string): void => void problems.push(`${c.protocol} ${c.cls}: ${what}`);
const pathOk = (path: string | undefined, want: string | undefined) => want === undefined || (path ?? "").startsWith(want);

/** Checks one event's per-event result against its expectation; records it for the ledger. */
function judgeEvent(c: FuzzCase, id: string, expectation: Expectation, result: { accepted: true; id: string } | { accepted: false; code: string; path?: string }) {
  if (result.accepted) {
    ack(c, result.id, expectation.kind === "accepted" ? expectation.ts : undefined);
    if (expectation.kind !== "accepted" && expectation.kind !== "any") fail(c, `${id} accepted, expected ${JSON.stringify(expectation)}`);
    if (expectation.kind === "accepted" && result.id !== id) fail(c, `acked as ${result.id}, sent as ${id}`);
    return;
  }
  refused.add(id);
  if (expectation.kind === "accepted") fail(c, `${id} rejected (${result.code} ${result.path}), expected accepted`);
  if (expectation.kind === "rejected" && (result.code !== expectation.code || !pathOk(result.path, expectation.path)))
    fail(c, `${id} rejected ${result.code} at ${result.path}, expected ${expectation.code} at ${expectation.path}`);
}

async function runHttp(c: HttpCase) {
  const key = keys[c.key];
  const headers: Record<string, string> = { ...(c.contentType !== undefined && { "content-type": c.contentType }), ...(key && { "x-api-key": key }) };
  const res = await fetch(`${base}${c.path}`, { method: "POST", headers, body: c.body, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  note(c, String(res.status));
  let body: Record<string, any>;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(c, `${res.status} body is not JSON: ${text.slice(0, 120)}`);
  }
  const refuseAll = () => c.events.forEach((e) => refused.add(e.id));
  const wellFormedError = () => {
    if (typeof body.error !== "string" || !(body.message || body.errors?.length)) fail(c, `${res.status} error body does not name the problem: ${text.slice(0, 200)}`);
  };
  if (c.request?.kind === "exact") {
    const want = c.request;
    if (res.status !== want.status || body.error !== want.error || !pathOk(body.errors?.[0]?.path, want.path))
      fail(c, `got ${res.status} ${body.error} at ${body.errors?.[0]?.path}, expected ${want.status} ${want.error} at ${want.path}: ${text.slice(0, 200)}`);
    wellFormedError();
    if (res.status === 202) ack(c, body.event_id, undefined);
    else refuseAll();
    return;
  }
  if (c.request?.kind === "any") {
    if (res.status === 202) return void ack(c, body.event_id, undefined);
    if (![400, 403, 413].includes(res.status)) fail(c, `unexpected status ${res.status}: ${text.slice(0, 200)}`);
    wellFormedError();
    return refuseAll();
  }
  if (c.path === "/v1/events") {
    // a single event judged alone: 202 or its refusal
    const [e] = c.events;
    if (res.status === 202) return judgeEvent(c, e!.id, e!.expect, { accepted: true, id: body.event_id });
    wellFormedError();
    return judgeEvent(c, e!.id, e!.expect, { accepted: false, code: body.error, path: body.errors?.[0]?.path });
  }
  // NDJSON: one result per line, and next_line when cut short
  if (!Array.isArray(body.results)) return fail(c, `${res.status} without results: ${text.slice(0, 200)}`);
  const next = res.status === 413 ? body.next_line : c.events.length;
  if (res.status === 413 && (c.cls !== "ndjson_over_limit" || typeof next !== "number")) fail(c, `413 without next_line: ${text.slice(0, 200)}`);
  if (c.cls === "ndjson_over_limit" && res.status !== 413) fail(c, `over the limit answered ${res.status}`);
  const byIndex = new Map<number, any>(body.results.map((r: any) => [r.index, r]));
  c.events.forEach((e, line) => {
    const r = byIndex.get(line);
    if (line >= next) {
      if (r) fail(c, `line ${line} at or after next_line ${next} has a result`);
      return refused.add(e.id);
    }
    if (!r) return fail(c, `line ${line} has no result`);
    judgeEvent(c, e.id, e.expect, r.status === "accepted" ? { accepted: true, id: r.event_id } : { accepted: false, code: r.code, path: r.errors?.[0]?.path });
  });
}

/** A WebSocket client that sends one frame at a time and waits for its one reply (or the close). */
async function wsClient(key: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, { headers: { "x-api-key": key } });
  await new Promise<void>((resolve, reject) => (ws.once("open", () => resolve()), ws.once("error", reject)));
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  return {
    closed,
    close: () => ws.close(),
    send(data: Uint8Array, binary: boolean): Promise<Record<string, any> | { closed: number }> {
      return new Promise((resolve) => {
        const onMessage = (m: WebSocket.RawData) => (ws.off("message", onMessage), resolve(JSON.parse(String(m))));
        ws.on("message", onMessage);
        void closed.then((code) => resolve({ closed: code }));
        ws.send(Buffer.from(data), { binary });
      });
    },
  };
}

async function runWs(c: WsCase, client: Awaited<ReturnType<typeof wsClient>>) {
  const reply = await client.send(c.data, c.binary);
  if ("closed" in reply) {
    note(c, `close ${reply.closed}`);
    c.events.forEach((e) => refused.add(e.id));
    if (c.frame.kind !== "close1007" || reply.closed !== 1007) fail(c, `connection closed ${reply.closed}`);
    return;
  }
  note(c, reply.type === "error" ? `error ${reply.code}` : reply.type);
  if (c.frame.kind === "close1007") return fail(c, `invalid UTF-8 text got ${JSON.stringify(reply).slice(0, 200)}, expected close 1007`);
  if (reply.type === "error") {
    c.events.forEach((e) => refused.add(e.id));
    if (typeof reply.code !== "string" || !reply.message) fail(c, `error frame without code or message: ${JSON.stringify(reply).slice(0, 200)}`);
    if (c.frame.kind === "ack") fail(c, `error ${reply.code} (${reply.message}), expected an ack`);
    if (c.frame.kind === "error" && (reply.code !== c.frame.code || !pathOk(reply.errors?.[0]?.path ?? "", c.frame.path)))
      fail(c, `error ${reply.code} at ${reply.errors?.[0]?.path}, expected ${c.frame.code} at ${c.frame.path}`);
    return;
  }
  if (reply.type !== "ack") return fail(c, `unexpected reply ${JSON.stringify(reply).slice(0, 200)}`);
  if (c.frame.kind === "error") fail(c, `acked, expected error ${c.frame.code}`);
  if (c.frame.kind === "any") {
    (reply.event_ids as (string | null)[]).forEach((id) => (id === null ? undefined : ack(c, id, undefined)));
    if (!reply.event_ids.some((id: string | null) => id !== null)) c.events.forEach((e) => refused.add(e.id));
    return;
  }
  c.events.forEach((e, i) => {
    const id = reply.event_ids[i];
    const rejection = (reply.rejected as any[]).find((r) => r.index === i);
    judgeEvent(c, e.id, e.expect, id ? { accepted: true, id } : { accepted: false, code: rejection?.code, path: rejection?.errors?.[0]?.path });
  });
}

const ackOf = (b: Buffer) => message("Ack").deserialize(b) as unknown as AckMessage;
function grpcCall(client: grpc.Client, c: GrpcCase): Promise<{ code: grpc.status; details: string; ack?: AckMessage }> {
  const md = new grpc.Metadata();
  md.set("x-api-key", keys[c.key]!);
  return new Promise((resolve) =>
    client.makeUnaryRequest(`/fluxgate.v1.Ingest/${c.method}`, (b: Uint8Array) => Buffer.from(b), ackOf, c.body, md, { deadline: Date.now() + 20_000 }, (err, ack) =>
      resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: "", ack })));
}

async function runGrpc(c: GrpcCase, client: grpc.Client) {
  const r = await grpcCall(client, c);
  const name = grpc.status[r.code]!;
  note(c, name);
  if (c.call.kind === "status") {
    if (name !== c.call.code || (c.call.details && !r.details.includes(c.call.details))) fail(c, `got ${name} "${r.details}", expected ${c.call.code} "${c.call.details}"`);
    if (r.ack) r.ack.event_ids.forEach((id) => id && ack(c, id, undefined));
    else c.events.forEach((e) => refused.add(e.id));
    return;
  }
  if (!["OK", "INVALID_ARGUMENT", "PERMISSION_DENIED"].includes(name)) fail(c, `got ${name} "${r.details}"`);
  if (name !== "OK") {
    if (!r.details) fail(c, `${name} without details`);
    return c.events.forEach((e) => refused.add(e.id));
  }
  if (c.call.kind === "any") {
    r.ack!.event_ids.forEach((id) => id && ack(c, id, undefined));
    if (!r.ack!.event_ids.some((id) => id)) c.events.forEach((e) => refused.add(e.id));
    return;
  }
  c.events.forEach((e, i) => {
    const id = r.ack!.event_ids[i];
    const rejection = r.ack!.rejected.find((x) => x.index === i);
    judgeEvent(c, e.id, e.expect, id ? { accepted: true, id } : { accepted: false, code: rejection?.code ?? "", path: rejection?.errors[0]?.path });
  });
}

/** Runs `work` over `items` with `n` workers. */
async function pool<T>(items: T[], n: number, work: (item: T, worker: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async (_, w) => {
    while (next < items.length) await work(items[next++]!, w);
  }));
}

test(`fuzz: ${cases.length} bad inputs over HTTP, WebSocket and gRPC (seed ${SEED}); every outcome, /healthz throughout, and the ledger on Kafka and in every tier`, async () => {
  if (!only) expect(cases.length).toBeGreaterThanOrEqual(2_000);
  const started = performance.now();
  // The prober: /healthz one request at a time, all run long, from a process of its own
  const prober = Bun.spawn([process.execPath, new URL("./probe.ts", import.meta.url).pathname, `${base}/healthz`, String(gateway.pid)], { stdin: "pipe", stdout: "pipe" });

  const http = cases.filter((c): c is HttpCase => c.protocol === "http");
  const ws = cases.filter((c): c is WsCase => c.protocol === "ws");
  const rpc = cases.filter((c): c is GrpcCase => c.protocol === "grpc");
  const grpcClient = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1 });
  const wsRun = async () => {
    // four connections per key; invalid text frames close theirs, so each gets its own
    const clients = new Map<string, Awaited<ReturnType<typeof wsClient>>[]>();
    for (const k of ["main", "tiny"] as const) clients.set(k, await Promise.all(Array.from({ length: 4 }, () => wsClient(keys[k]!))));
    const own = ws.filter((c) => c.frame.kind === "close1007");
    const shared = ws.filter((c) => c.frame.kind !== "close1007");
    await pool(shared, 1, timed((c, w) => runWs(c, clients.get(c.key)![w]!)));
    for (const c of own) {
      const client = await wsClient(keys[c.key]!);
      await runWs(c, client);
    }
    for (const list of clients.values()) for (const client of list) client.close();
  };
  await Promise.all([pool(http, 2, timed(runHttp)), wsRun(), pool(rpc, 1, timed((c) => runGrpc(c, grpcClient)))]);
  grpcClient.close();
  // Client resends: every UUIDv7-without-ts event again, unchanged: acked again, stored once (issue 19 #2)
  const resends = http.filter((c) => c.cls === "uuidv7_without_ts").map((c) => ({ ...c, cls: "resend_uuidv7_without_ts" }));
  await pool(resends, 2, timed(runHttp));
  const sent = performance.now() - started;
  prober.stdin.end();
  const probe = JSON.parse(await new Response(prober.stdout).text()) as {
    probes: number; failures: number; maxMs: number; p99Ms: number; controlMaxMs: number; queuedMaxMs: number; excessMaxMs: number; excessP99Ms: number;
    slowest: { at: number; excessMs: number }[];
  };
  const around = probe.slowest.map((p) => `${p.excessMs.toFixed(0)} ms: ${[...new Set(spans.filter((s) => s.from <= p.at + p.excessMs && s.to >= p.at).map((s) => s.cls))].join(", ")}`);

  // The process is alive and still answers
  expect(gateway.exitCode).toBeNull();
  expect((await fetch(`${base}/healthz`)).status).toBe(200);

  // The ledger, from the real topic (read through the bus: it knows the zstd codec)
  const bus = createKafkaBus({ brokers: brokers.split(","), clientId: "fuzz-ledger" });
  const reader = await readTopic(bus, topic, uniqueName("fuzz-ledger"));
  const stored = new Map<string, Record<string, unknown>[]>();
  const collect = () => {
    for (const r of reader.records.splice(0)) {
      const value = JSON.parse(r.value.toString());
      stored.set(value.event_id, [...(stored.get(value.event_id) ?? []), value]);
    }
    return stored;
  };
  try {
    await waitFor(() => [...acked.keys()].filter((id) => !collect().has(id)).length, (missing) => missing === 0, { timeoutMs: 30_000, intervalMs: 200, what: "every acknowledged id on the topic" })
      .catch(() => undefined); // the missing ones are reported below
    await Bun.sleep(1_000); // anything beyond them would be stored without an ack
    collect();
  } finally {
    await reader.stop();
    await bus.close();
  }
  const missing = [...acked.keys()].filter((id) => !stored.has(id)).map((id) => `${ackedBy.get(id)} ${id}`);
  const twice = [...stored].filter(([id, vs]) => vs.length !== (ackCount.get(id) ?? 0)).map(([id, vs]) => `${id} ${vs.length}x, acked ${ackCount.get(id) ?? 0}x`);
  const resentOnKafka = resends.filter((c) => (stored.get(c.events[0]!.id)?.length ?? 0) === 2).length;
  const resentIdentical = resends.filter((c) => new Set(stored.get(c.events[0]!.id)?.map((v) => v.ts)).size === 1).length;

  // Every tier: exactly the acknowledged ids, each once (resends and Kafka redeliveries merged)
  const expected = [...acked.keys()];
  const readTiers = async () => {
    await tiers.ch.command({ query: `OPTIMIZE TABLE ${storeEnv.FG_CLICKHOUSE_DATABASE}.events FINAL` }).catch(() => undefined);
    return { clickhouse: await tiers.clickhouse(), postgres: await tiers.postgres(), archive: await tiers.archive() };
  };
  const hasAll = (t: Awaited<ReturnType<typeof readTiers>>) => Object.values(t).every((l) => expected.every((id) => l.ids.has(id)));
  const before = await waitFor(readTiers, hasAll, { timeoutMs: 60_000, intervalMs: 1_000, what: "every tier to hold every acked id" }).catch(() => readTiers());
  // The archive keeps one copy per id once its files are compacted (docs/store.md): compact them, as the store does hourly.
  const storeConfig = loadConfig(storeEnv);
  const archive = createArchiveStore(storeConfig);
  const compactor = createArchiveCompactor(storeConfig, createLogger("error"));
  for (const key of new Set((await archive.list("events/")).map((f) => f.key.slice(0, f.key.lastIndexOf("/") + 1)))) await compactor.compactPartition(key);
  const held = await readTiers();
  const archiveBefore = `${before.archive.rows} rows / ${before.archive.ids.size} ids before compaction`;
  const tierLine = Object.entries(held).map(([tier, l]) => `${tier} ${l.rows} rows / ${l.ids.size} ids${exactlyOnce(l, expected) ? " (exactly the acked ids, once)" : ""}`).join(", ");
  const unacked = [...stored.keys()].filter((id) => !acked.has(id));
  const refusedStored = [...refused].filter((id) => stored.has(id) && !acked.has(id));
  const wrongTs = [...acked].filter(([id, ts]) => ts !== undefined && stored.get(id)?.[0]?.ts !== ts);
  const replaced = [...stored.values()].filter((vs) => JSON.stringify(vs[0]).includes("\ufffd"));
  const v7WithoutTs = [...acked].filter(([id, ts]) => ts !== undefined && uuidV7Time(id) === ts).length;

  // Stop it: a clean exit, and every line it logged is JSON
  gateway.kill("SIGTERM");
  const exitCode = await gateway.exited;
  const notJson = logLines.filter((l) => {
    try {
      return typeof JSON.parse(l) !== "object";
    } catch {
      return true;
    }
  });

  const byClass = [...outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([cls, m]) => `  ${cls.padEnd(32)} ${[...m.values()].reduce((a, b) => a + b, 0).toString().padStart(4)}  ${[...m].map(([o, n]) => `${o}:${n}`).join(" ")}`);
  console.log([
    `fuzz seed ${SEED}: ${cases.length} cases (http ${http.length}, ws ${ws.length}, grpc ${rpc.length}) in ${(sent / 1000).toFixed(1)} s`,
    ...byClass,
    `ledger: ${acked.size} acknowledged ids, ${stored.size} ids on ${topic}, ${refused.size} refused ids; ${v7WithoutTs} UUIDv7-without-ts events carry the id's time; ` +
      `${resends.length} resent: ${resentOnKafka} twice on Kafka, ${resentIdentical} with one ts`,
    `tiers: ${tierLine}; archive ${archiveBefore}`,
    `/healthz: ${probe.probes} probes, ${probe.failures} failed; max ${probe.maxMs.toFixed(1)} ms, p99 ${probe.p99Ms.toFixed(1)} ms; ` +
      `beyond an idle control server's time (max ${probe.controlMaxMs.toFixed(1)} ms) and the gateway's wait for a CPU (max ${probe.queuedMaxMs.toFixed(1)} ms in one probe): max ${probe.excessMaxMs.toFixed(1)} ms, p99 ${probe.excessP99Ms.toFixed(1)} ms`,
    `slowest probes, with the cases in flight: ${around.join(" | ")}`,
    `gateway: exit ${exitCode}, ${logLines.length} log lines, ${notJson.length} not JSON`,
  ].join("\n"));

  expect(problems.slice(0, 20)).toEqual([]);
  expect(missing.slice(0, 10)).toEqual([]);
  expect(twice.slice(0, 10)).toEqual([]);
  expect(resentOnKafka).toBe(resends.length);
  expect(resentIdentical).toBe(resends.length);
  for (const [tier, l] of Object.entries(held)) expect({ tier, once: exactlyOnce(l, expected) }).toEqual({ tier, once: true });
  expect(unacked.slice(0, 10)).toEqual([]);
  expect(refusedStored.slice(0, 10)).toEqual([]);
  expect(wrongTs.slice(0, 10)).toEqual([]);
  expect(replaced.length).toBe(0);
  expect(probe.failures).toBe(0);
  // The issue's 100 ms, for the time the gateway's loop was busy or blocked: beyond what an idle
  // server on the same machine takes at that moment and the gateway's own wait for a CPU
  // (probe.ts). On a shared 2-core machine whole processes stall now and then (the control itself
  // stalled 390 ms at load ~20) and a busy process waits for a CPU where an idle one does not (at
  // load 8 raw probes took 150-180 ms); a single deeply nested body used to block the loop for 1.5 s.
  expect(probe.excessMaxMs).toBeLessThan(HEALTH_MS);
  expect(notJson.slice(0, 5)).toEqual([]);
  expect(exitCode).toBe(0);
}, 240_000);
