/**
 * The processor benchmark (issue 13), in three parts:
 *   engine  the pure engine in process: createPartitionEngine fed batches of 1,000 parsed envelopes
 *           (random keys and types, event time +2 ms per event), flushed on the runtime's cadence
 *           (every FLUSH_MS, 200 ms, of processing time, or after 64 batches if that comes first;
 *           CHECKPOINT_BATCHES) and once at the end, over the rule set of
 *           bench/processor-rules (10 window rules, 5 followedBy
 *           patterns). A key sweep (1K, 100K, 1M keys; 100K is the issue-4 shape) and a hot-key sweep
 *           (10, 100, 1,000 events per key inside `within`, the 5 patterns alone). Each workload runs
 *           in its own process, so its RSS is its own.
 *   role    the real `fluxgate processor` on Kafka and Redis, consuming a fresh topic filled beforehand.
 *   delay   detection delay: events produced to fg.events at a constant 10K/s with tracer events that
 *           bench/rules/marker.yaml fires on; send -> alert read from fg.alerts, p50/p99.
 * Figures: events/s, CPU µs per event (process.cpuUsage in process; /proc for the role), RSS and
 * state bytes per key. A workload that runs past its time budget stops there and says so.
 *
 *   bun bench/processor.ts [--parts engine,role,delay] [--quick] [--json] [--profile <dir>]
 * (--profile: the real processor runs under `bun --cpu-prof --cpu-prof-md`, its profile left in <dir>
 * as Chrome's .cpuprofile and as markdown).
 * role and delay need the services' FG_* variables (bash infra/local/stack env).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { createKafkaBus } from "../infra/bus/kafka.ts";
import { registerZstdCodec } from "../infra/bus/zstd-codec.ts";
import { createPartitionEngine, recordKeyOf } from "../processor/engine/index.ts";
import { FLUSH_MS } from "../processor/runtime/cadence.ts";
import { readRuleTexts } from "../rules/set/files.ts";
import { toRuleSet, validateRuleTexts, type RuleSet } from "../rules/set/rule-set.ts";
import { busKey, type Envelope } from "../schemas/envelope.ts";
import { parseRssBytes, parseStat } from "./harness/proc-stat.ts";
import { renderProcessorBench, type DelayFigures, type EngineFigures, type EngineWorkload, type ProcessorBench, type RoleFigures } from "./harness/processor-report.ts";
import { mulberry32 } from "./harness/random.ts";
import { percentiles } from "./harness/percentiles.ts";
import { deleteRunLeftovers } from "./harness/topics.ts";

const RULES_DIR = join(import.meta.dir, "processor-rules");
const MARKER_RULE = join(import.meta.dir, "rules", "marker.yaml");
const ROOT = join(import.meta.dir, "..");
const TYPES = ["view", "click", "search", "add", "buy", "fail", "login", "error", "signup", "checkout"] as const;
const STEP_MS = 2;
/** The patterns' `within`, 10 minutes: at 2 ms per event, 300,000 events fit in it. */
const WITHIN_EVENTS = 600_000 / STEP_MS;
const BATCH = 1_000;
/**
 * The runtime flushes a partition's engine every FLUSH_MS (200 ms) into the delta of its next
 * checkpoint (one Redis save every FG_PROCESSOR_CHECKPOINT_MS), and checkpoints once 64 batches
 * wait for one: the engine part flushes on the same cadence, counting the engine's own time.
 */
const CHECKPOINT_BATCHES = 64;

const BASE_TS = Date.UTC(2026, 0, 5, 10);
/** Detection delay: one tracer per this many events of the load. */
const TRACER_EVERY = 200;

/** Events `from`..`from + count` of a workload: random key and type, event time +2 ms per event. */
export function makeEvents(rand: () => number, keys: number, from: number, count: number, oneTypePerKey = false, baseTs = BASE_TS): Envelope[] {
  const out: Envelope[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = from + i;
    const k = Math.floor(rand() * keys);
    const user = `u${k}`;
    const type = TYPES[oneTypePerKey ? k % TYPES.length : Math.floor(rand() * TYPES.length)]!;
    const ts = baseTs + n * STEP_MS;
    out[i] = { event_id: Bun.randomUUIDv7(), app_id: "shop", type, ts, received_at: ts, key: user, user_id: user, source: "http", props: { amount: Math.floor(rand() * 1000), country: "DE" } };
  }
  return out;
}

function benchRuleSet(which: EngineWorkload["rules"]): RuleSet {
  const valid = validateRuleTexts(readRuleTexts(RULES_DIR));
  if (!valid.ok) throw new Error(`bench rules do not validate: ${JSON.stringify(valid.problems)}`);
  const rules = which === "all" ? valid.rules : valid.rules.filter((r) => r.compiled.kind === (which === "patterns" ? "pattern" : "window"));
  return toRuleSet("bench", rules);
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

/** One engine workload, in this process. */
export function runEngineWorkload(w: EngineWorkload): EngineFigures {
  const engine = createPartitionEngine({ ruleSet: benchRuleSet(w.rules) });
  const rand = mulberry32(42);
  Bun.gc(true);
  const rssBase = process.memoryUsage.rss();
  let rssMax = rssBase;
  let wallMs = 0;
  let cpuUs = 0;
  let processed = 0;
  let sinceFlushMs = 0;
  let sinceFlushBatches = 0;
  const budgetMs = w.budgetS * 1000;
  while (processed < w.events && wallMs < budgetMs) {
    const batch = makeEvents(rand, w.keys, processed, Math.min(BATCH, w.events - processed), w.oneTypePerKey);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    engine.process(batch);
    const last = processed + batch.length >= w.events;
    sinceFlushBatches += 1;
    if (last || sinceFlushMs + (performance.now() - t0) >= FLUSH_MS || sinceFlushBatches >= CHECKPOINT_BATCHES) {
      engine.flush();
      sinceFlushMs = 0;
      sinceFlushBatches = 0;
    } else sinceFlushMs += performance.now() - t0;
    wallMs += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuUs += cpu.user + cpu.system;
    processed += batch.length;
    if ((processed / BATCH) % 10 === 0) rssMax = Math.max(rssMax, process.memoryUsage.rss());
  }
  rssMax = Math.max(rssMax, process.memoryUsage.rss());
  const records = engine.snapshot();
  const stateKeys = new Set<string>();
  let stateBytes = 0;
  for (const [name, text] of Object.entries(records)) {
    // A pattern's event and start-group records (p:<rule>:v|s:<seq>:<key>) count toward their key, not as keys.
    const key = recordKeyOf(name);
    if (key === null) continue;
    stateKeys.add(key);
    stateBytes += name.length + text.length;
  }
  return {
    workload: w,
    processed,
    complete: processed === w.events,
    events_per_s: Math.round((processed / wallMs) * 1000),
    cpu_us_per_event: Math.round((cpuUs / processed) * 100) / 100,
    rss_base_mb: mb(rssBase),
    rss_max_mb: mb(rssMax),
    state_keys: stateKeys.size,
    state_bytes_per_key: stateKeys.size ? Math.round(stateBytes / stateKeys.size) : 0,
  };
}

export function engineWorkloads(quick: boolean): EngineWorkload[] {
  const budgetS = quick ? 20 : 60;
  const sweepEvents = quick ? 150_000 : 600_000;
  // Hot keys: every key's events stay inside one `within` (at most WITHIN_EVENTS events in all).
  const hotEvents = Math.min(WITHIN_EVENTS, quick ? 60_000 : 300_000);
  return [
    ...[1_000, 100_000, 1_000_000].map((keys) => ({ name: `${keys.toLocaleString("en-US")} keys${keys === 100_000 ? " (issue-4 shape)" : ""}`, sweep: "keys" as const, keys, events: sweepEvents, rules: "all" as const, oneTypePerKey: false, budgetS })),
    ...[10, 100, 1_000].map((perKey) => ({ name: `${perKey.toLocaleString("en-US")} events per key inside within, one type per key`, sweep: "hot keys" as const, keys: hotEvents / perKey, events: hotEvents, rules: "patterns" as const, oneTypePerKey: true, budgetS })),
  ];
}

/** Each workload in a process of its own: RSS and JIT state of one never leak into the next. */
async function runEngine(quick: boolean, say: (m: string) => void): Promise<EngineFigures[]> {
  const out: EngineFigures[] = [];
  for (const w of engineWorkloads(quick)) {
    say(`engine: ${w.name}, ${w.events.toLocaleString("en-US")} events`);
    const proc = Bun.spawn([process.execPath, import.meta.path, "--workload", JSON.stringify(w)], { stdout: "pipe", stderr: "inherit" });
    const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    if (code !== 0) throw new Error(`engine workload ${w.name} exited ${code}`);
    out.push(JSON.parse(text.trim().split("\n").at(-1)!) as EngineFigures);
  }
  return out;
}

// ---- the real role on Kafka and Redis ----

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (bash infra/local/stack env)`);
  return v;
}

function procTimes(pid: number): { cpuUs: number; rss: number } {
  const ticks = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8")).ticks;
  return { cpuUs: ticks * 10_000, rss: parseRssBytes(readFileSync(`/proc/${pid}/status`, "utf8")) };
}

interface RoleRun {
  prefix: string;
  group: string;
  proc: ReturnType<typeof Bun.spawn>;
  stop(): Promise<void>;
}

/** With --profile <dir>, the processor runs under `bun --cpu-prof --cpu-prof-md` and leaves its profile there on exit. */
let profileDir: string | undefined;

function startProcessor(run: string, rulesDir: string, logFile: string): RoleRun {
  const prefix = `${run}.`;
  const group = `${run}-processor`;
  const env = { ...process.env, FG_TOPIC_PREFIX: prefix, FG_PROCESSOR_GROUP: group, FG_RULES_DIR: rulesDir, FG_LOG_LEVEL: "warn" };
  const proc = Bun.spawn([process.execPath, ...(profileDir ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${profileDir}`] : []), join(ROOT, "infra/app/main.ts"), "processor"], { cwd: ROOT, env, stdout: Bun.file(logFile), stderr: Bun.file(`${logFile}.err`) });
  return {
    prefix,
    group,
    proc,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const killed = await Promise.race([proc.exited.then(() => false), Bun.sleep(20_000).then(() => true)]);
      if (killed) proc.kill("SIGKILL");
    },
  };
}

const kafkaAdmin = () => new Kafka({ clientId: "bench-processor", brokers: need("FG_KAFKA_BROKERS").split(","), logLevel: logLevel.NOTHING });

async function committed(admin: ReturnType<Kafka["admin"]>, group: string, topic: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] }).catch(() => []);
  return offsets.flatMap((t) => t.partitions).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

async function runRole(quick: boolean, say: (m: string) => void, logs: string): Promise<RoleFigures> {
  const run = `bench-proc-role-${Date.now().toString(36)}`;
  const events = quick ? 200_000 : 500_000;
  const bus = createKafkaBus({ brokers: need("FG_KAFKA_BROKERS").split(","), clientId: "bench-processor" });
  const admin = kafkaAdmin().admin();
  await admin.connect();
  let role: RoleRun | undefined;
  try {
    const topic = `${run}.fg.events`;
    await bus.ensureTopics([{ name: topic, partitions: 4 }]);
    say(`role: filling ${topic} with ${events.toLocaleString("en-US")} events (100,000 keys)`);
    const pub = await bus.publisher();
    const rand = mulberry32(7);
    for (let i = 0; i < events; i += 5_000) {
      const batch = makeEvents(rand, 100_000, i, Math.min(5_000, events - i));
      await pub.send(topic, batch.map((e) => ({ key: busKey(e), value: JSON.stringify(e) })));
    }
    await pub.close();
    say("role: processor consuming");
    role = startProcessor(run, RULES_DIR, join(logs, "processor-role.log"));
    // Measured from the first commit (group joined, partitions restored) to the last.
    let first: { at: number; done: number; cpuUs: number } | undefined;
    let rssMax = 0;
    const deadline = Date.now() + (quick ? 60_000 : 180_000);
    for (;;) {
      if (role.proc.exitCode !== null) throw new Error(`the processor exited with ${role.proc.exitCode} (see ${logs})`);
      const done = await committed(admin, role.group, topic);
      const t = procTimes(role.proc.pid);
      rssMax = Math.max(rssMax, t.rss);
      if (!first && done > 0) first = { at: performance.now(), done, cpuUs: t.cpuUs };
      const over = Date.now() > deadline;
      if (over && !first) throw new Error("the processor committed nothing within the time budget");
      if (first && (done >= events || over)) {
        const seconds = (performance.now() - first.at) / 1000;
        const n = done - first.done;
        return { events, processed: done, events_per_s: Math.round(n / seconds), cpu_us_per_event: Math.round((t.cpuUs - first.cpuUs) / n), rss_max_mb: mb(rssMax), seconds: Math.round(seconds * 10) / 10 };
      }
      await Bun.sleep(100);
    }
  } finally {
    await role?.stop();
    await admin.disconnect();
    await bus.close();
    await deleteRunLeftovers(run).catch(() => {});
  }
}

// ---- detection delay ----

async function runDelay(quick: boolean, say: (m: string) => void, logs: string): Promise<DelayFigures> {
  const run = `bench-proc-delay-${Date.now().toString(36)}`;
  const rate = 10_000;
  const seconds = quick ? 10 : 30;
  const rulesDir = mkdtempSync(join(tmpdir(), "fg-bench-rules-"));
  cpSync(join(RULES_DIR, "issue-4.yaml"), join(rulesDir, "issue-4.yaml"));
  cpSync(MARKER_RULE, join(rulesDir, "marker.yaml"));
  const bus = createKafkaBus({ brokers: need("FG_KAFKA_BROKERS").split(","), clientId: "bench-processor" });
  registerZstdCodec();
  const kafka = kafkaAdmin();
  const alerts = kafka.consumer({ groupId: `${run}-reader`, maxWaitTimeInMs: 50 });
  let role: RoleRun | undefined;
  try {
    role = startProcessor(run, rulesDir, join(logs, "processor-delay.log"));
    const topic = `${role.prefix}fg.events`;
    await bus.ensureTopics([{ name: topic, partitions: 4 }, { name: `${role.prefix}fg.alerts`, partitions: 4 }]);
    const pub = await bus.publisher();
    // Tracers on a producer of their own: on the load's, each would wait behind the bulk sends
    // queued before it (an idempotent producer has one request in flight), and the figure would
    // be this harness's queue, not the pipeline's delay.
    const tracerPub = await bus.publisher();
    const sentAt = new Map<string, number>();
    const delays: number[] = [];
    let warm: (() => void) | undefined;
    await alerts.connect();
    await alerts.subscribe({ topic: `${role.prefix}fg.alerts`, fromBeginning: true });
    await alerts.run({
      eachMessage: async ({ message }) => {
        const now = performance.now();
        const alert = JSON.parse(message.value!.toString()) as { rule_id: string; events?: { event_id: string }[] };
        if (alert.rule_id !== "bench.marker") return;
        for (const e of alert.events ?? []) {
          const at = sentAt.get(e.event_id);
          if (at === undefined) continue;
          sentAt.delete(e.event_id);
          if (warm) warm();
          else delays.push(now - at);
        }
      },
    });
    let tracerNo = 0;
    const tracer = (): Envelope => {
      const now = Date.now();
      const user = `tracer-${tracerNo++}`;
      return { event_id: Bun.randomUUIDv7(), app_id: "bench", type: "signup", ts: now, received_at: now, key: user, user_id: user, source: "http", props: { plan: "bench-marker" } };
    };
    // Warm-up: the processor has joined, restored and loaded its rules once a tracer comes back.
    say("delay: waiting for the processor to answer a tracer");
    const ready = new Promise<void>((resolve) => (warm = resolve));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const t = tracer();
      sentAt.set(t.event_id, performance.now());
      await tracerPub.send(topic, [{ key: busKey(t), value: JSON.stringify(t) }]);
      if (await Promise.race([ready.then(() => true), Bun.sleep(1_000).then(() => false)])) break;
    }
    warm = undefined;
    sentAt.clear();
    say(`delay: ${rate} events/s for ${seconds} s, ${rate / TRACER_EVERY} tracers/s among them`);
    const rand = mulberry32(11);
    const t0 = performance.now();
    const cpu0 = procTimes(role.proc.pid).cpuUs;
    let rssMax = 0;
    let sent = 0;
    const sends: Promise<void>[] = [];
    while (performance.now() - t0 < seconds * 1000) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      if (due > sent) {
        const batch = makeEvents(rand, 100_000, sent, due - sent);
        for (const e of batch) e.ts = e.received_at = Date.now();
        // A tracer every 200 events: 50 a second, so that a p99 rests on 500 samples even in --quick.
        const tracers = Math.floor(due / TRACER_EVERY) - Math.floor(sent / TRACER_EVERY);
        const records = batch.map((e) => ({ key: busKey(e), value: JSON.stringify(e) }));
        sends.push(pub.send(topic, records));
        for (let i = 0; i < tracers; i++) {
          const t = tracer();
          sentAt.set(t.event_id, performance.now());
          sends.push(tracerPub.send(topic, [{ key: busKey(t), value: JSON.stringify(t) }]));
        }
        sent = due;
        if (sends.length % 100 === 0) rssMax = Math.max(rssMax, procTimes(role.proc.pid).rss);
      }
      await Bun.sleep(5);
    }
    await Promise.all(sends);
    const cpuUs = procTimes(role.proc.pid).cpuUs - cpu0;
    const wait = Date.now() + 10_000;
    while (sentAt.size > 0 && Date.now() < wait) await Bun.sleep(100);
    await Promise.all([pub.close(), tracerPub.close()]);
    const p = percentiles(delays);
    const sorted = [...delays].sort((a, b) => a - b);
    const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))]! : NaN;
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      rate_per_s: rate,
      seconds,
      sent,
      detection_ms: { samples: p.samples, p50: round(p.p50), p95: round(p.p95), p99: round(p99), max: round(p.max) },
      cpu_us_per_event: Math.round(cpuUs / sent),
      rss_max_mb: mb(rssMax),
    };
  } finally {
    await alerts.disconnect().catch(() => {});
    await role?.stop();
    await bus.close();
    rmSync(rulesDir, { recursive: true, force: true });
    await deleteRunLeftovers(run).catch(() => {});
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      parts: { type: "string", default: "engine,role,delay" },
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      workload: { type: "string" },
      logs: { type: "string" },
      profile: { type: "string" },
    },
  });
  profileDir = values.profile;
  if (values.workload) {
    console.log(JSON.stringify(runEngineWorkload(JSON.parse(values.workload) as EngineWorkload)));
    return;
  }
  const say = (m: string) => console.error(`[bench processor ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const parts = new Set(values.parts.split(","));
  const logs = values.logs ?? mkdtempSync(join(tmpdir(), "fg-bench-processor-"));
  const result: ProcessorBench = { quick: values.quick, engine: [], not_run: [] };
  const attempt = async (name: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (err) {
      result.not_run.push({ name, reason: String((err as Error).message ?? err).split("\n")[0]! });
    }
  };
  if (parts.has("engine")) await attempt("engine", async () => void (result.engine = await runEngine(values.quick, say)));
  if (parts.has("role")) await attempt("real role", async () => void (result.role = await runRole(values.quick, say, logs)));
  if (parts.has("delay")) await attempt("detection delay", async () => void (result.delay = await runDelay(values.quick, say, logs)));
  console.log(values.json ? JSON.stringify(result) : renderProcessorBench(result).join("\n"));
}

if (import.meta.main) {
  await main();
  process.exit(0);
}
