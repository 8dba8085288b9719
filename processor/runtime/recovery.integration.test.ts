/**
 * Exact recovery, end to end: a fixed, seeded stream of 100K events on the real Kafka goes through
 * `fluxgate processor` (a child process, state in the real Redis) once without interruption, and
 * once more on fresh state while being killed with SIGKILL at seeded points and restarted. The
 * window results (newest revision per id) and the alerts (per id) of both runs must be identical,
 * for the rules run on fg.events' partitions and for those run after the repartition (a country
 * spans every partition), whose events the kills also catch between the two stages.
 *
 * Each restart joins under a new consumer group (and starts from the beginning of the topic): a
 * killed member stays in its group until Kafka's session timeout (30 s) runs out, which would
 * stall every restart that long. The state (FG_PROCESSOR_STATE_PREFIX) is the same across them,
 * so every restart re-reads events the checkpoint already includes and must skip them all.
 */
import { afterAll, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { createClient } from "redis";
import type { Subprocess } from "bun";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";

const EVENTS = 100_000;
const USERS = 1_000;
const PARTITIONS = 4;
const KILLS = 5;
const COUNTRIES = ["fr", "de", "es", "it"];
const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
const redisUrl = requireEnv("FG_REDIS_URL");
const run = uniqueName("recovery");
const rulesDir = new URL("./recovery-rules", import.meta.url).pathname;

const kafka = new Kafka({ brokers, clientId: run, logLevel: logLevel.NOTHING });
const redis = createClient({ url: redisUrl });
await redis.connect();
const children: Subprocess<"ignore", "inherit", "pipe">[] = [];
afterAll(async () => {
  for (const c of children) c.kill(9);
  for await (const keys of redis.scanIterator({ MATCH: `fg:test:${run}:*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
  await redis.quit();
});

/** A linear congruential generator: the same stream on every run and machine. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function events(): { key: string; value: string }[] {
  const rand = random(20261123);
  const types = ["view", "view", "view", "login", "add", "buy", "fail"];
  const t0 = Date.UTC(2026, 0, 5, 10);
  return Array.from({ length: EVENTS }, (_, i) => {
    const n = Math.floor(rand() * USERS);
    const user = `u${n}`;
    // ~33 minutes of event time, up to 3 s out of order: some events are late, some corrections.
    const e = { event_id: `ev-${i}`, app_id: "shop", type: types[Math.floor(rand() * types.length)], ts: t0 + i * 20 - Math.floor(rand() * 3_000), received_at: t0 + i * 20, key: user, user_id: user, props: { amount: Math.floor(rand() * 200), country: COUNTRIES[n % COUNTRIES.length] }, source: "http" };
    return { key: `shop:${user}`, value: JSON.stringify(e) };
  });
}

interface Run {
  prefix: string;
  statePrefix: string;
}

const newRun = (name: string): Run => ({ prefix: `${run}.${name}.`, statePrefix: `fg:test:${run}:${name}:` });

interface Child {
  process: Subprocess<"ignore", "inherit", "pipe">;
  /** Resolves once the processor has started (rules loaded, subscribed). */
  started: Promise<void>;
}

function spawnProcessor(r: Run, group: string): Child {
  const child = Bun.spawn(["bun", "infra/app/main.ts", "processor"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: {
      ...process.env,
      FG_TOPIC_PREFIX: r.prefix,
      FG_PROCESSOR_GROUP: group,
      FG_PROCESSOR_STATE_PREFIX: r.statePrefix,
      FG_PROCESSOR_OUT_OF_ORDERNESS_MS: "1000",
      // Idleness is the one processing-time input: kills and rebalances here leave partitions without
      // a batch for seconds, and an idle marker then could make a later event late in one run only.
      FG_PROCESSOR_IDLE_MS: "600000",
      FG_RULES_DIR: rulesDir,
      FG_LOG_LEVEL: "info",
    },
    stdin: "ignore",
    stdout: "inherit",
    stderr: "pipe",
  });
  children.push(child);
  // Info lines tell when it started; warnings and errors are shown.
  const started = (async () => {
    let ready = false;
    let resolve!: () => void;
    const seen = new Promise<void>((r) => (resolve = r));
    void (async () => {
      for await (const line of child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(lines())) {
        if (!ready && line.includes('"processor started"')) {
          ready = true;
          resolve();
        }
        if (/"level":"(warn|error)"/.test(line) && !line.includes("kafkajs")) console.error(line);
      }
    })();
    await seen;
  })();
  return { process: child, started };
}

function lines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) controller.enqueue(p);
    },
  });
}

/** Events the run's checkpoints include, over all partitions. */
async function included(r: Run): Promise<number> {
  const topic = topicNames(r.prefix).events;
  const offsets = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => redis.get(`${r.statePrefix}{${topic}:${p}}:offset`)));
  return offsets.reduce((sum, o) => sum + Number(o ?? 0), 0);
}

/** Records of fg.repartition the stage-2 checkpoints include, and how many the topic holds. */
async function repartitioned(r: Run): Promise<{ included: number; written: number }> {
  const topic = topicNames(r.prefix).repartition;
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const offsets = await Promise.all(ends.map((e) => redis.get(`${r.statePrefix}{${topic}:${e.partition}}:offset`)));
  return { included: offsets.reduce((sum, o) => sum + Number(o ?? 0), 0), written: ends.reduce((sum, e) => sum + Number(e.high), 0) };
}

/** Both stages done: every event checkpointed by stage 1, then everything it forwarded by stage 2. */
async function untilAllIncluded(r: Run): Promise<void> {
  await waitFor(() => included(r), (n) => n === EVENTS, { timeoutMs: 120_000, intervalMs: 200, what: `${r.prefix}: every event checkpointed` });
  await waitFor(() => repartitioned(r), (n) => n.included === n.written, { timeoutMs: 120_000, intervalMs: 200, what: `${r.prefix}: every forwarded record checkpointed` });
}

/** Every record of the run's output topics, read to their current ends. */
interface Outputs {
  windows: Map<string, unknown>;
  alerts: Map<string, unknown>;
  late: Set<string>;
  windowRecords: number;
  alertRecords: number;
  /** Event records stage 1 forwarded to fg.repartition (re-publications included), and the distinct (source, offset, rule) among them. */
  forwarded: { records: number; distinct: Set<string> };
}

async function outputs(r: Run): Promise<Outputs> {
  const { windows: wt, alerts: at, late: lt, repartition: rt } = topicNames(r.prefix);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  for (const topic of [wt, at, lt, rt]) for (const p of await admin.fetchTopicOffsets(topic)) if (p.high !== "0") ends.set(`${topic}:${p.partition}`, BigInt(p.high));
  await admin.disconnect();
  const windows = new Map<string, { revision: number }>();
  const alerts = new Map<string, unknown>();
  const late = new Set<string>();
  let windowRecords = 0;
  let alertRecords = 0;
  const forwarded = { records: 0, distinct: new Set<string>() };
  const consumer = kafka.consumer({ groupId: uniqueName("reader") });
  await consumer.connect();
  await consumer.subscribe({ topics: [wt, at, lt, rt], fromBeginning: true });
  const left = new Set(ends.keys());
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const done = () => BigInt(m.offset) + 1n >= (ends.get(`${batch.topic}:${batch.partition}`) ?? 0n) && left.delete(`${batch.topic}:${batch.partition}`);
        if (batch.topic === rt) {
          const h = (name: string) => m.headers?.[name]?.toString();
          if (h("fg-rule") !== undefined) {
            forwarded.records++;
            forwarded.distinct.add(`${h("fg-source-partition")}:${h("fg-source-offset")}:${h("fg-rule")}`);
          }
          done();
          continue;
        }
        const value = JSON.parse(m.value!.toString());
        if (batch.topic === lt) late.add(`${value.rule_id}|${value.event.event_id}|${JSON.stringify(value.missed)}`);
        else if (batch.topic === wt) {
          windowRecords++;
          const seen = windows.get(value.id);
          if (seen && seen.revision === value.revision) expect(value).toEqual(seen);
          if (!seen || seen.revision <= value.revision) windows.set(value.id, value);
        } else {
          alertRecords++;
          const seen = alerts.get(value.id);
          if (seen) expect(value).toEqual(seen);
          alerts.set(value.id, value);
        }
        done();
      }
    },
  });
  await waitFor(() => left.size, (n) => n === 0, { timeoutMs: 60_000, what: "output topics read to their ends" });
  await consumer.disconnect();
  return { windows, alerts, late, windowRecords, alertRecords, forwarded };
}

test(
  "a processor killed with SIGKILL several times produces exactly the results of one that was not",
  async () => {
    const started = performance.now();
    const clean = newRun("clean");
    const killed = newRun("killed");
    const bus = createKafkaBus({ brokers, clientId: run });
    const stream = events();
    /** With `lead`, the producer stays at most that many events ahead of what the run's checkpoints include. */
    const produce = async (r: Run, chunk: number, pauseMs: number, lead = Infinity) => {
      const pub = await bus.publisher();
      for (let i = 0; i < stream.length; i += chunk) {
        while (i - (await included(r)) > lead) await Bun.sleep(20);
        await pub.send(topicNames(r.prefix).events, stream.slice(i, i + chunk));
        if (pauseMs) await Bun.sleep(pauseMs);
      }
      await pub.close();
    };
    for (const r of [clean, killed]) await bus.ensureTopics([{ name: topicNames(r.prefix).events, partitions: PARTITIONS }]);
    await produce(clean, 10_000, 0);
    const produced = performance.now();

    // The reference: one run, start to finish, stopped gracefully.
    const reference = spawnProcessor(clean, `${run}-clean`);
    await reference.started;
    await untilAllIncluded(clean);
    reference.process.kill("SIGTERM");
    expect(await reference.process.exited).toBe(0);
    const cleanDone = performance.now();

    // Killed at seeded points of its progress, restarted each time on the state it left. Its events
    // arrive while it runs, as in production, so batches are small and kills land inside the stream:
    // the producer keeps at most 8,000 events ahead of what the checkpoints include, so however long
    // a restart takes on a loaded machine, the stream is not over before the next kill. (Progress
    // moves once per FG_PROCESSOR_CHECKPOINT_MS; with the producer free-running, a restart would
    // catch up with the whole stream within a few checkpoints and the later kills land after it.)
    const producing = produce(killed, 400, 40, 8_000);
    const rand = random(4242);
    const killAt = Array.from({ length: KILLS }, () => Math.floor((0.1 + rand() * 0.8) * EVENTS)).sort((a, b) => a - b);
    const progressAtKill: number[] = [];
    for (const [i, at] of killAt.entries()) {
      const child = spawnProcessor(killed, `${run}-killed-${i}`);
      // Past the seeded point and past the last kill's progress: a restart (which now joins two
      // consumer groups) must checkpoint something before it is killed, or kills would pile up at
      // one point of the stream.
      const target = Math.min(EVENTS, Math.max(at, (progressAtKill.at(-1) ?? 0) + 1));
      await waitFor(() => included(killed), (n) => n >= target, { timeoutMs: 120_000, intervalMs: 10, what: `progress ${target} before kill ${i}` });
      // A seeded pause, so that kills also land inside a batch: after publishing, before the checkpoint.
      await Bun.sleep(Math.floor(rand() * 400));
      child.process.kill(9);
      await child.process.exited;
      progressAtKill.push(await included(killed));
    }
    // The producer waits for progress, so the last restart comes before its end.
    const last = spawnProcessor(killed, `${run}-killed-${KILLS}`);
    await producing;
    await bus.close();
    await last.started;
    await untilAllIncluded(killed);
    last.process.kill("SIGTERM");
    expect(await last.process.exited).toBe(0);
    const killedDone = performance.now();

    const [want, got] = [await outputs(clean), await outputs(killed)];
    // The stream must exercise every rule: tumbling, hopping, session windows, sequence and absence alerts.
    const rulesOf = (m: Map<string, unknown>) => new Set([...m.values()].map((v) => (v as { rule_id: string }).rule_id));
    expect([...rulesOf(want.windows)].sort()).toEqual(["buys.per-country", "logins.tumbling", "spend.hopping", "visits.session"]);
    expect([...rulesOf(want.alerts)].sort()).toEqual(["buys.per-country", "cart.abandoned", "fraud.fails-then-buy", "logins.tumbling", "spend.hopping", "visits.session"]);
    // The repartitioned window has one result per country and minute: never split per partition.
    const perCountry = [...want.windows.values()].filter((w) => (w as { rule_id: string }).rule_id === "buys.per-country");
    expect(perCountry.length).toBeGreaterThan(100);
    expect(new Set(perCountry.map((w) => (w as { group_key: string }).group_key)).size).toBe(COUNTRIES.length);
    // Every buy of a country is in its window's newest result or on the late output, once: results
    // split per fg.events partition would hold about a quarter. Up to a cut-off well behind the end
    // of the stream, whose last events may still wait for the other partitions' watermarks.
    const buys = stream.map((m) => JSON.parse(m.value) as { event_id: string; type: string; ts: number; props: { country: string } }).filter((e) => e.type === "buy");
    const lateIds = new Set([...want.late].filter((l) => l.startsWith("buys.per-country|")).map((l) => l.split("|")[1]));
    for (const country of COUNTRIES) {
      const results = perCountry.filter((w) => (w as { group_key: string }).group_key === JSON.stringify(["shop", country])) as { window_end: number; values: { events: number } }[];
      const cutoff = Math.max(...results.map((w) => w.window_end)) - 2 * 60_000;
      const counted = results.filter((w) => w.window_end <= cutoff).reduce((n, w) => n + w.values.events, 0);
      const mine = buys.filter((e) => e.props.country === country && e.ts < cutoff);
      expect({ country, counted: counted + mine.filter((e) => lateIds.has(e.event_id)).length }).toEqual({ country, counted: mine.length });
    }
    expect(got.windows.size).toBe(want.windows.size);
    expect(got.alerts.size).toBe(want.alerts.size);
    expect(Object.fromEntries(got.windows)).toEqual(Object.fromEntries(want.windows));
    expect(Object.fromEntries(got.alerts)).toEqual(Object.fromEntries(want.alerts));
    expect(want.late.size).toBeGreaterThan(0);
    // Stage 1 forwarded the same events for the same rules in both runs (re-publications aside).
    expect(want.forwarded.records).toBe(want.forwarded.distinct.size);
    expect(got.forwarded.distinct.size).toBe(want.forwarded.distinct.size);
    expect([...got.forwarded.distinct].sort()).toEqual([...want.forwarded.distinct].sort());
    expect([...got.late].sort()).toEqual([...want.late].sort());
    // Kills must have hit the stream at several points before its end.
    const midStream = new Set(progressAtKill.filter((n) => n > 0 && n < EVENTS));
    expect({ progressAtKill, atLeastThree: midStream.size >= 3 }).toEqual({ progressAtKill, atLeastThree: true });

    console.log(JSON.stringify({
      events: EVENTS,
      windows: want.windows.size,
      alerts: want.alerts.size,
      late: want.late.size,
      perCountry: { windows: perCountry.length, alerts: [...want.alerts.values()].filter((a) => (a as { rule_id: string }).rule_id === "buys.per-country").length },
      forwarded: { events: want.forwarded.distinct.size, republishedAfterKills: got.forwarded.records - got.forwarded.distinct.size },
      records: { clean: [want.windowRecords, want.alertRecords], killed: [got.windowRecords, got.alertRecords] },
      killAt,
      progressAtKill,
      seconds: {
        produce: Math.round(produced - started) / 1000,
        clean: Math.round(cleanDone - produced) / 1000,
        killed: Math.round(killedDone - cleanDone) / 1000,
        total: Math.round(performance.now() - started) / 1000,
      },
    }));
  },
  240_000,
);
