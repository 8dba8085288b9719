/**
 * The benchmark harness behind `bench/run`: runs every scenario against its baseline in the same
 * run, then writes bench/results/<time>.json and docs/benchmarks.md (+ docs/benchmarks.svg).
 * Expects the local stack's FG_* variables and FG_K6 (bench/run sets both).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runK6, type LoadResult, type SummaryMetrics } from "./k6.ts";
import { runProducerPerf, writePayloadFile } from "./kafka-perf.ts";
import { clickhouseVersion, describeMachine, packageVersions } from "./machine.ts";
import { start, stopAll, summarize, waitReady, type Managed } from "./processes.ts";
import { publish } from "./publish.ts";
import { medianRates, type RunResult, type Scenario } from "./report.ts";
import { runEndToEnd } from "./end-to-end.ts";
import { createApiKey } from "./api-key.ts";
import { benchAdmin, deleteRunLeftovers } from "./topics.ts";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const mode = values.quick ? "quick" : "full";
const duration = values.quick ? "8s" : "30s";
// Each scenario first runs unmeasured for this long, so JIT compilation, connection set-up and the
// first lease of rate-limit tokens stay out of the figures (for the baselines too).
const warmup = values.quick ? "3s" : "5s";
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
const logs = join(".fluxgate", "logs", `bench-${stamp}`);
mkdirSync(logs, { recursive: true });
const say = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const ports = { bare: 18090, gateway: 18080, grpc: 18051 };
const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
const dataDir = join(".fluxgate", `bench-data-${stamp}`);
// Limits high enough that the benchmark measures the gateway, not its rate limiter.
// Topics, groups and keys of this run alone: colleagues' consumers of the shared fg.* topics never see the load.
const runPrefix = `bench-${stamp}`;
const gatewayEnv = { FG_TOPIC_PREFIX: `${runPrefix}.`, FG_GATEWAY_PORT: String(ports.gateway), FG_GRPC_PORT: String(ports.grpc), FG_DATA_DIR: dataDir, FG_LOG_LEVEL: "warn", FG_RATE_LIMIT_APP_RATE: "10000000", FG_RATE_LIMIT_APP_BURST: "10000000", FG_RATE_LIMIT_KEY_RATE: "10000000", FG_RATE_LIMIT_KEY_BURST: "10000000" };
const embedded = { FG_KAFKA_BROKERS: "", FG_REDIS_URL: "", FG_POSTGRES_URL: "", FG_CLICKHOUSE_URL: "", FG_S3_ENDPOINT: "" };

const result: RunResult = {
  started_at: startedAt.toISOString(), command: `bench/run${values.quick ? " --quick" : ""}`, mode, duration_s: 0,
  machine: describeMachine({
    k6: process.env.FG_K6_VERSION ?? "?", kafka: process.env.FG_KAFKA_VERSION ?? "?", clickhouse: await clickhouseVersion(process.env.FG_CLICKHOUSE_URL),
    ...packageVersions(["hono", "kafkajs", "@platformatic/kafka", "ws", "@grpc/grpc-js", "@clickhouse/client", "postgres", "redis", "zod"]),
  }),
  scenarios: [], not_run: [],
};

const single: SummaryMetrics = { requests: "http_reqs", latency: "http_req_duration" };
const batched: SummaryMetrics = { ...single, events: "events_sent" };

/** Runs k6 against a process started for it, stops the process, records the scenario. */
async function scenario(s: { group: string; name: string; baseline?: string; note?: string; launch: () => Promise<Managed | undefined>; script: string; env: () => Record<string, string>; metrics: SummaryMetrics }): Promise<LoadResult | undefined> {
  say(`${s.group}: ${s.name}`);
  let target: Managed | undefined;
  try {
    const env = s.env();
    target = await s.launch();
    await runK6(join("bench/k6", s.script), { ...env, DURATION: warmup }, s.metrics, join(logs, `${s.group}-${s.name}.warmup.k6.log`.replace(/[^\w.-]+/g, "_")));
    // Resources of the measured run only: start-up and warm-up would inflate CPU per event.
    const measuredFrom = target?.samples.length ?? 0;
    const load = await runK6(join("bench/k6", s.script), env, s.metrics, join(logs, `${s.group}-${s.name}.k6.log`.replace(/[^\w.-]+/g, "_")));
    const row: Scenario = { group: s.group, name: s.name, load, ...(s.baseline && { baseline: s.baseline }), ...(s.note && { note: s.note }), ...(target && { resources: summarize(target.samples.slice(measuredFrom)) }) };
    result.scenarios.push(row);
    return load;
  } catch (err) {
    result.not_run.push({ name: `${s.group}: ${s.name}`, reason: String((err as Error).message ?? err).split("\n")[0]! });
    return undefined;
  } finally {
    await target?.stop();
  }
}

const bare = async () => {
  const m = start("bare", ["bun", "bench/baseline/bare-server.ts", String(ports.bare)], {}, join(logs, "bare.log"));
  await waitReady(m, `http://127.0.0.1:${ports.bare}/`);
  return m;
};
/**
 * The gateway on the no-op bus, or on Kafka with its defaults (@platformatic/kafka, zstd) or with
 * the earlier defaults (kafkajs, gzip) for comparison.
 */
const gateway = (onKafka: boolean, publisher: "default" | "kafkajs" = "default") => async () => {
  const cmd = onKafka ? ["bun", "infra/app/main.ts", "gateway"] : ["bun", "bench/baseline/noop-gateway.ts"];
  const name = onKafka ? (publisher === "default" ? "gateway" : `gateway-${publisher}`) : "noop-gateway";
  const earlier = publisher === "kafkajs" ? { FG_KAFKA_PRODUCER: "kafkajs", FG_KAFKA_COMPRESSION: "gzip" } : {};
  const m = start(name, cmd, { ...gatewayEnv, ...earlier, ...(onKafka ? {} : embedded) }, join(logs, `${name}.log`));
  await waitReady(m, `${gatewayUrl}/readyz`);
  return m;
};

async function main(): Promise<void> {
  // A key that cannot be made fails the gateway's scenarios with the reason, not the whole run.
  const keys = {
    embedded: await createApiKey("bench", { ...gatewayEnv, ...embedded }).catch((e: Error) => e),
    services: await createApiKey("bench", gatewayEnv).catch((e: Error) => e),
  };
  const usable = (key: string | Error) => {
    if (key instanceof Error) throw key;
    return key;
  };
  const k6 = (key: string | Error, extra: Record<string, string>) => () => ({ BASE_URL: gatewayUrl, API_KEY: usable(key), APP_ID: "bench", DURATION: duration, VUS: "50", ...extra });
  const bareEnv = (extra: Record<string, string>) => () => ({ BASE_URL: `http://127.0.0.1:${ports.bare}`, URL_PATH: "/", DURATION: duration, VUS: "50", ...extra });

  for (const [group, script, metrics, extra] of [
    ["HTTP, one event per request (closed loop)", "http-single.js", single, {}],
    ["HTTP, 100 events per request (closed loop)", "http-batch.js", batched, { BATCH: "100" }],
  ] as const) {
    await scenario({ group, name: "bare Bun.serve", launch: bare, script, env: bareEnv(extra), metrics });
    await scenario({ group, name: "gateway, no-op bus", baseline: "bare Bun.serve", launch: gateway(false), script, env: k6(keys.embedded, extra), metrics });
    await scenario({ group, name: "gateway on Kafka", baseline: "bare Bun.serve", launch: gateway(true), script, env: k6(keys.services, extra), metrics });
    await scenario({ group, name: "gateway on Kafka, kafkajs publisher with gzip (the earlier defaults)", baseline: "bare Bun.serve", launch: gateway(true, "kafkajs"), script, env: k6(keys.services, extra), metrics });
  }

  // Latency at half the gateway's maximum single-event rate, as measured above in this run.
  const max = result.scenarios.find((s) => s.group.startsWith("HTTP, one event") && s.name === "gateway on Kafka")?.load.requests_per_s;
  const rate = String(max ? Math.round(max / 2) : values.quick ? 500 : 2000);
  const note = `${rate}/s${max ? ", half the gateway's closed-loop maximum" : ""}`;
  const open = "HTTP at a constant arrival rate (open loop, latency)";
  await scenario({ group: open, name: "bare Bun.serve", note, launch: bare, script: "http-single.js", env: bareEnv({ MODE: "open", RATE: rate }), metrics: single });
  await scenario({ group: open, name: "gateway on Kafka", note, baseline: "bare Bun.serve", launch: gateway(true), script: "http-single.js", env: k6(keys.services, { MODE: "open", RATE: rate }), metrics: single });

  // Streams carry batches of 100 too: read against HTTP batches on the same gateway, from this run.
  const streams = "Streaming protocols, 100 events per frame (closed loop)";
  const httpBatch = "HTTP, 100 events per request";
  const batchOnKafka = result.scenarios.find((s) => s.group.startsWith(httpBatch) && s.name === "gateway on Kafka");
  if (batchOnKafka) result.scenarios.push({ ...batchOnKafka, group: streams, name: httpBatch });
  for (const [name, script, metrics] of [
    ["WebSocket stream", "ws-stream.js", { requests: "ws_frames_acked", latency: "ws_ack_latency", events: "events_sent" }],
    ["gRPC stream", "grpc-stream.js", { requests: "grpc_batches_acked", latency: "grpc_ack_latency", events: "events_sent" }],
  ] as const) {
    if (!existsSync(join("bench/k6", script))) {
      result.not_run.push({ name, reason: `bench/k6/${script} does not exist yet` });
      continue;
    }
    await scenario({ group: streams, name, baseline: httpBatch, launch: gateway(true), script, env: k6(keys.services, { VUS: "10", WINDOW: "8", BATCH: "100", GRPC_ADDR: `127.0.0.1:${ports.grpc}` }), metrics });
  }

  const ceiling = "The bus: Kafka's own producer vs the gateway";
  const producerPerf = "kafka ProducerPerformance (Java)";
  try {
    say(`${ceiling}: ProducerPerformance`);
    const brokers = process.env.FG_KAFKA_BROKERS!;
    const payloadFile = join(logs, "producer-payload.jsonl");
    const size = writePayloadFile(payloadFile);
    // A topic of this run with fg.events' partition count, so the shared fg.events stays clean.
    const topic = `${runPrefix}.producer-perf`;
    const admin = benchAdmin();
    await admin.connect();
    const perf = await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true })
      .then(() => runProducerPerf({ topic, records: values.quick ? 100_000 : 500_000, payloadFile, brokers, libs: process.env.FG_KAFKA_LIBS! }))
      .finally(() => (rmSync(payloadFile, { force: true }), admin.deleteTopics({ topics: [topic] }).catch(() => {}).finally(() => admin.disconnect())));
    result.scenarios.push({ group: ceiling, name: producerPerf, note: `the seeded event JSON, ${size} B on average`, load: { requests_per_s: perf.records_per_s, events_per_s: perf.records_per_s, p50_ms: perf.p50_ms, p95_ms: perf.p95_ms, p99_ms: perf.p99_ms, failed_ratio: 0 } });
    const viaGateway = result.scenarios.find((s) => s.group.startsWith("HTTP, 100") && s.name === "gateway on Kafka");
    if (viaGateway) result.scenarios.push({ ...viaGateway, group: ceiling, name: "gateway on Kafka, 100 events per request", baseline: producerPerf });
  } catch (err) {
    result.not_run.push({ name: ceiling, reason: (err as Error).message.split("\n")[0]! });
  }

  try {
    say("end to end");
    result.end_to_end = await runEndToEnd({ run: `${runPrefix}-e2e`, quick: values.quick, logs, gatewayEnv, gatewayUrl, apiKey: usable(keys.services), say });
  } catch (err) {
    result.not_run.push({ name: "end to end", reason: (err as Error).message.split("\n")[0]! });
  }

  try {
    const runs = [];
    for (let i = 1; i <= 3; i++) {
      say(`kafka clients, run ${i} of 3`);
      const proc = Bun.spawn(["bun", "bench/kafka-clients.ts", "--records", values.quick ? "50000" : "200000"], { stdout: "pipe", stderr: Bun.file(join(logs, `kafka-clients-${i}.err`)) });
      const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      if (code !== 0) throw new Error(`bench/kafka-clients.ts exited ${code}`);
      runs.push(JSON.parse(out.trim().split("\n").at(-1)!) as NonNullable<RunResult["kafka_clients"]>);
    }
    result.kafka_clients = medianRates(runs);
  } catch (err) {
    result.not_run.push({ name: "Kafka client comparison", reason: (err as Error).message });
  }

  // Last of the gateway's figures: wrk against the bare server and Benthos, the WebSocket against ProducerPerformance.
  result.gateway = await jsonBench("gateway", "gateway against the bare server, Benthos and Kafka's producer", "bench/gateway.ts",
    ["--seconds", values.quick ? "5" : "10", "--warmup", "3", "--logs", join(logs, "gateway")], "gateway-bench.err");
  result.processor = await jsonBench("processor", "processor: engine, real role, detection delay", "bench/processor.ts", ["--logs", logs, ...(values.quick ? ["--quick"] : [])], "processor-bench.err");
  result.sql = await jsonBench("sql", "sql: chdb against DuckDB over the archive", "bench/sql.ts", ["--events", values.quick ? "200000" : "1000000"], "sql-bench.err");
  result.store_sinks = await jsonBench("Store sinks", "store sinks: write() and through Kafka, the consume path of three sinks, then all sinks in one store process under load", "bench/store-sinks.ts",
    ["--kafka", "--consume", "--together", "--rows", values.quick ? "100000" : "200000", "--seconds", values.quick ? "10" : "30"], "store-sinks.err");
}

/** Runs a benchmark script with --json and returns the figures of its last line; a failure goes to not_run. */
async function jsonBench<T>(name: string, what: string, script: string, args: string[], errLog: string): Promise<T | undefined> {
  try {
    say(what);
    const proc = Bun.spawn(["bun", script, "--json", ...args], { stdout: "pipe", stderr: Bun.file(join(logs, errLog)) });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    if (code !== 0) throw new Error(`${script} exited ${code} (${join(logs, errLog)})`);
    return JSON.parse(out.trim().split("\n").at(-1)!) as T;
  } catch (err) {
    result.not_run.push({ name, reason: (err as Error).message });
    return undefined;
  }
}

/** Stops what the run started and removes its topics: on every way out, Ctrl-C included. */
async function cleanUp(): Promise<void> {
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
  await deleteRunLeftovers(runPrefix).catch((err: Error) => say(`could not delete the run's topics and groups: ${err.message}`));
}

async function finish(): Promise<void> {
  await cleanUp();
  result.duration_s = Math.round((Date.now() - startedAt.getTime()) / 1000);
  mkdirSync("bench/results", { recursive: true });
  const file = join("bench/results", `${stamp}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  publish(result);
  say(`done in ${result.duration_s} s: ${file}, docs/benchmarks.md`);
}

process.on("SIGINT", () => void cleanUp().then(() => process.exit(130)));
process.on("SIGTERM", () => void cleanUp().then(() => process.exit(143)));
try {
  await main();
} finally {
  await finish();
}
process.exit(0);
