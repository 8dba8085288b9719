/**
 * The gateway's speed against a peer in the same run (issue 15), with load generators light
 * enough not to be the limit:
 *  - HTTP, one event and 100 events per request, driven by wrk (1 thread, 50 connections) against
 *    the bare Bun.serve baseline, Benthos (http_server -> kafka_franz, acks=all, idempotent, the
 *    gateway's compression) and the gateway on the stack's Kafka;
 *  - WebSocket, 100 events per frame, against Kafka's own producer tool (ProducerPerformance);
 *  - open-loop ack latency at half the gateway's single-event rate of this run, unpinned, and
 *    with the gateway on one core and the generator on the other (taskset).
 * Every server's CPU is read from /proc/<pid>/stat over the measured seconds only.
 *   bun bench/gateway.ts [--seconds 10] [--warmup 3] [--port-base 18100] [--json] [--markdown]
 * Expects the local stack's FG_* variables, FG_BENTHOS and FG_KAFKA_LIBS (bench/run sets them).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createEventSource } from "./k6/lib/events.js";
import { createApiKey } from "./harness/api-key.ts";
import { renderGatewayBench, type GatewayBench, type HttpRow, type Shape } from "./harness/gateway-report.ts";
import { runProducerPerf, writePayloadFile } from "./harness/kafka-perf.ts";
import { start, stopAll, waitReady, type Managed } from "./harness/processes.ts";
import { parseStat } from "./harness/proc-stat.ts";
import { benchAdmin, deleteRunLeftovers } from "./harness/topics.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" }, warmup: { type: "string", default: "3" }, "port-base": { type: "string", default: "18100" },
    json: { type: "boolean", default: false }, markdown: { type: "boolean", default: false }, logs: { type: "string" },
    only: { type: "string" },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const base = Number(values["port-base"]);
const ports = { bare: base, benthos: base + 1, benthosAdmin: base + 2, gateway: base + 3, grpc: base + 4 };
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const prefix = `bench-gw-${stamp}`;
const logs = values.logs ?? join(".fluxgate", "logs", prefix);
mkdirSync(logs, { recursive: true });
const say = (msg: string) => console.error(`[bench gateway ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const need = (name: string) => process.env[name] || (() => { throw new Error(`${name} is not set: run through bench/run`); })();
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
const cpuTicks = (pid: number) => parseStat(readFileSync(`/proc/${pid}/stat`, "utf8")).ticks;
const TICKS_PER_S = 100;

// The seeded mix of bench/k6 (page views, sessions, checkouts, ...), over 10,000 users, app "bench".
// ts is set once here: every body stays well inside the gateway's allowed skew for the run.
function writeBodies(file: string, bodies: number, perBody: number): void {
  const next = createEventSource({ seed: 42, users: 10_000 });
  const event = () => ({ ...next(), app_id: "bench", ts: Date.now() });
  const lines = Array.from({ length: bodies }, () => JSON.stringify(perBody === 1 ? event() : Array.from({ length: perBody }, event)));
  writeFileSync(file, lines.join("\n") + "\n");
}

const bodies: Record<Shape, { file: string; perRequest: number }> = {
  single: { file: join(logs, "bodies-single.jsonl"), perRequest: 1 },
  batch: { file: join(logs, "bodies-batch.jsonl"), perRequest: 100 },
};

interface WrkResult { requests: number; duration_us: number; errors: number; non2xx: number; p50_us: number; p99_us: number; max_us: number }

async function wrk(url: string, shape: Shape, key: string, secs: number, log: string): Promise<WrkResult> {
  const proc = Bun.spawn(["wrk", "-t1", "-c50", `-d${secs}s`, "-s", "bench/wrk/post-bodies.lua", url], {
    env: { ...process.env, WRK_BODIES: bodies[shape].file, WRK_API_KEY: key }, stdout: "pipe", stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  writeFileSync(log, out + err);
  const line = out.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (code !== 0 || !line) throw new Error(`wrk ${url} exited ${code}: ${err.slice(-300)}`);
  return JSON.parse(line.slice("WRK_RESULT ".length)) as WrkResult;
}

/** Runs `load` unmeasured for the warm-up, then measured, reading the server's CPU around the measured part only. */
async function measured<T>(m: Managed, load: (secs: number, phase: string) => Promise<T>): Promise<{ result: T; cpuS: number; wallS: number; load: number[] }> {
  await load(warmup, "warmup");
  const ticks0 = cpuTicks(m.proc.pid);
  const t0 = performance.now();
  const result = await load(seconds, "measured");
  const wallS = (performance.now() - t0) / 1000;
  return { result, cpuS: (cpuTicks(m.proc.pid) - ticks0) / TICKS_PER_S, wallS, load: loadAverage() };
}

async function httpRow(server: HttpRow["server"], m: Managed, url: string, shape: Shape, key: string): Promise<HttpRow> {
  say(`HTTP ${shape}: ${server}`);
  const { result: r, cpuS, load } = await measured(m, (secs, phase) => wrk(url, shape, key, secs, join(logs, `wrk-${server}-${shape}-${phase}.log`)));
  const wall = r.duration_us / 1e6;
  const events = r.requests * bodies[shape].perRequest;
  return {
    server, shape, requests_per_s: Math.round(r.requests / wall), events_per_s: Math.round(events / wall),
    cpu_pct: Math.round((cpuS / wall) * 100), cpu_us_per_event: Math.round(((cpuS * 1e6) / events) * 10) / 10,
    p50_ms: r.p50_us / 1000, p99_ms: r.p99_us / 1000, failed: r.errors + r.non2xx, load,
  };
}

async function main(): Promise<GatewayBench> {
  const brokers = need("FG_KAFKA_BROKERS");
  writeBodies(bodies.single.file, 256, 1);
  writeBodies(bodies.batch.file, 16, 100);
  const gatewayEnv = {
    FG_TOPIC_PREFIX: `${prefix}.`, FG_GATEWAY_PORT: String(ports.gateway), FG_GRPC_PORT: String(ports.grpc), FG_DATA_DIR: join(logs, "data"),
    FG_LOG_LEVEL: "warn", FG_RATE_LIMIT_APP_RATE: "10000000", FG_RATE_LIMIT_APP_BURST: "10000000", FG_RATE_LIMIT_KEY_RATE: "10000000", FG_RATE_LIMIT_KEY_BURST: "10000000",
  };
  const key = await createApiKey("bench", gatewayEnv);
  const admin = benchAdmin();
  await admin.connect();
  const benthosTopic = `${prefix}.benthos`;
  await admin.createTopics({ topics: [{ topic: benthosTopic, numPartitions: 4 }], waitForLeaders: true });

  const bare = start("bare", ["bun", "bench/baseline/bare-server.ts", String(ports.bare)], {}, join(logs, "bare.log"));
  const benthos = start("benthos", [need("FG_BENTHOS"), "-c", "bench/baseline/benthos.yaml"], {
    BENTHOS_PORT: String(ports.benthos), BENTHOS_ADMIN_PORT: String(ports.benthosAdmin), BENTHOS_BROKERS: brokers, BENTHOS_TOPIC: benthosTopic,
    BENTHOS_COMPRESSION: process.env.FG_KAFKA_COMPRESSION || "zstd",
  }, join(logs, "benthos.log"));
  const gateway = start("gateway", ["bun", "infra/app/main.ts", "gateway"], gatewayEnv, join(logs, "gateway.log"));
  await Promise.all([
    waitReady(bare, `http://127.0.0.1:${ports.bare}/`),
    waitReady(benthos, `http://127.0.0.1:${ports.benthosAdmin}/ready`),
    waitReady(gateway, `http://127.0.0.1:${ports.gateway}/readyz`),
  ]);
  const gw = `http://127.0.0.1:${ports.gateway}`;
  const result: GatewayBench = { seconds, warmup_s: warmup, http: [], load_at_start: loadAverage() };
  const only = values.only?.split(",");
  const wants = (part: string) => !only || only.includes(part);

  for (const shape of ["single", "batch"] as const) {
    if (!wants(shape)) continue;
    result.http.push(await httpRow("bare", bare, `http://127.0.0.1:${ports.bare}/`, shape, ""));
    result.http.push(await httpRow("benthos", benthos, `http://127.0.0.1:${ports.benthos}/v1/events`, shape, ""));
    result.http.push(await httpRow("gateway", gateway, `${gw}/v1/events${shape === "batch" ? "/batch" : ""}`, shape, key));
  }
  await Promise.all([bare.stop(), benthos.stop()]);

  if (wants("ws")) {
    say("WebSocket, 100 events per frame: gateway");
    const ws = await measured(gateway, async (secs) => {
      const proc = Bun.spawn(["bun", "bench/harness/ws-load.ts", `ws://127.0.0.1:${ports.gateway}/v1/stream`, key, bodies.batch.file, "4", "8", String(secs)], { stdout: "pipe", stderr: "inherit" });
      const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      if (code !== 0) throw new Error(`ws-load exited ${code}`);
      return JSON.parse(out.trim()) as { frames_acked: number; events_acked: number; refused: number };
    });
    say("WebSocket: Kafka's ProducerPerformance");
    const payloadFile = join(logs, "producer-payload.jsonl");
    const size = writePayloadFile(payloadFile);
    const topic = `${prefix}.producer-perf`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    const perf = await runProducerPerf({ topic, records: 300_000, payloadFile, brokers, libs: need("FG_KAFKA_LIBS") });
    result.ws = {
      events_per_s: Math.round(ws.result.events_acked / ws.wallS), cpu_us_per_event: Math.round(((ws.cpuS * 1e6) / ws.result.events_acked) * 10) / 10,
      refused_frames: ws.result.refused, producer_perf_per_s: perf.records_per_s, producer_perf_record_bytes: size, load: ws.load,
    };
  }

  const single = result.http.find((r) => r.server === "gateway" && r.shape === "single");
  if (single && wants("latency")) {
    const rate = Math.round(single.events_per_s / 2);
    result.latency = { rate, runs: [] };
    for (const pinned of [false, true]) {
      say(`open-loop latency at ${rate}/s, ${pinned ? "gateway on core 0, generator on core 1" : "unpinned"}`);
      if (pinned) Bun.spawnSync(["taskset", "-a", "-p", "-c", "0", String(gateway.proc.pid)]);
      const run = await measured(gateway, async (secs) => {
        const cmd = ["bun", "bench/harness/open-loop.ts", `${gw}/v1/events`, key, bodies.single.file, String(rate), String(secs)];
        const proc = Bun.spawn(pinned ? ["taskset", "-c", "1", ...cmd] : cmd, { stdout: "pipe", stderr: "inherit" });
        const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
        if (code !== 0) throw new Error(`open-loop exited ${code}`);
        return JSON.parse(out.trim()) as { requests: number; failed: number; achieved_per_s: number; p50_ms: number; p99_ms: number; max_ms: number };
      });
      if (pinned) Bun.spawnSync(["taskset", "-a", "-p", "-c", "0-1", String(gateway.proc.pid)]);
      result.latency.runs.push({ pinned, ...run.result, cpu_us_per_event: Math.round(((run.cpuS * 1e6) / run.result.requests) * 10) / 10, load: run.load });
    }
  }
  await gateway.stop();
  await admin.disconnect();
  return result;
}

let bench: GatewayBench | undefined;
try {
  bench = await main();
} finally {
  await stopAll();
  await deleteRunLeftovers(prefix).catch((err: Error) => say(`could not delete the run's topics: ${err.message}`));
  if (!values.logs) rmSync(join(logs, "data"), { recursive: true, force: true });
}
if (values.markdown) console.log(renderGatewayBench(bench).join("\n"));
if (values.json) console.log(JSON.stringify(bench));
process.exit(0);
