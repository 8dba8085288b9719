/**
 * Partition handover on real Kafka and Redis: a second processor joins the group while the first
 * is consuming, then the first leaves. Each partition's state moves with it (restored from Redis by
 * its new owner), so the results equal those of a single processor that owned every partition.
 * One rule runs on fg.events' partitions (grouped by key), the other after the repartition
 * (grouped by user_id): the partitions of fg.repartition change hands with their merge state too.
 */
import { afterAll, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { createClient } from "redis";
import { createKafkaBus } from "../../infra/bus/kafka.ts";
import type { Bus, IncomingRecord } from "../../infra/bus/port.ts";
import { topicNames, type Topics } from "../../infra/bus/topics.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { ev, ruleSetOf } from "../engine/test-kit.ts";
import { createRedisStateStore } from "../state/redis.ts";
import type { StateStore } from "../state/port.ts";
import { createProcessorRuntime, type ProcessorRuntime } from "./runtime.ts";

const EVENTS = 12_000;
const PARTITIONS = 4;
const brokers = requireEnv("FG_KAFKA_BROKERS").split(",");
const redisUrl = requireEnv("FG_REDIS_URL");
const run = uniqueName("rebalance");
const logger = createLogger("error");
const rules = ruleSetOf(`rules:
  - { id: counts, app: shop, description: d, severity: info, group_by: key, window: { type: tumbling, size: 10s, threshold: { gt: 4 } } }
  - id: seq
    app: shop
    description: d
    severity: info
    group_by: user_id
    pattern: { within: 30s, steps: [{ name: a, filter: { type: add } }, { name: b, filter: { type: buy } }] }
`);

const redis = createClient({ url: redisUrl });
await redis.connect();
const kafka = new Kafka({ brokers, clientId: run, logLevel: logLevel.NOTHING });
const buses: Bus[] = [];
const stores: StateStore[] = [];
afterAll(async () => {
  for (const b of buses) await b.close();
  for (const s of stores) await s.close();
  for await (const keys of redis.scanIterator({ MATCH: `fg:test:${run}:*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
  await redis.quit();
});

const stream = Array.from({ length: EVENTS }, (_, i) => {
  const user = `u${(i * 7919) % 200}`;
  const e = ev(`e${i}`, 1_000_000 + i * 50, ["view", "add", "buy"][(i * 31) % 3]!, user);
  return { key: `shop:${user}`, value: JSON.stringify(e) };
});

function bus(): Bus {
  const b = createKafkaBus({ brokers, clientId: run });
  buses.push(b);
  return b;
}

async function processor(topics: Topics, statePrefix: string): Promise<ProcessorRuntime> {
  const store = await createRedisStateStore({ url: redisUrl, keyPrefix: statePrefix });
  stores.push(store);
  // Handovers leave partitions without a batch for seconds: with the default idle timeout one could
  // be declared idle in one run and not the other, and the results must not depend on timing here.
  const runtime = createProcessorRuntime({ bus: bus(), topics, groupId: `${statePrefix}group`, store, logger, outOfOrdernessMs: 0, idleMs: 600_000 });
  runtime.setRules(rules);
  await runtime.start();
  return runtime;
}

async function included(topics: Topics, statePrefix: string): Promise<number> {
  const offsets = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => redis.get(`${statePrefix}{${topics.events}:${p}}:offset`)));
  return offsets.reduce((sum, o) => sum + Number(o ?? 0), 0);
}

/** Stage 2 caught up: its checkpoints include every record stage 1 forwarded to fg.repartition. */
async function repartitionCaughtUp(topics: Topics, statePrefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        const ends = await admin.fetchTopicOffsets(topics.repartition);
        const offsets = await Promise.all(ends.map((e) => redis.get(`${statePrefix}{${topics.repartition}:${e.partition}}:offset`)));
        return { written: ends.reduce((n, e) => n + Number(e.high), 0), included: offsets.reduce((n, o) => n + Number(o ?? 0), 0) };
      },
      (n) => n.written > 0 && n.included === n.written,
      { timeoutMs: 60_000, intervalMs: 200, what: "fg.repartition checkpointed to its end" },
    );
  } finally {
    await admin.disconnect();
  }
}

/** Claims so far over all partitions: each owner change is one. */
async function claims(topics: Topics, statePrefix: string, topic = topics.events): Promise<number> {
  const epochs = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => redis.get(`${statePrefix}{${topic}:${p}}:epoch`)));
  return epochs.reduce((sum, e) => sum + Number(e ?? 0), 0);
}

/** Newest record per id of fg.windows and fg.alerts. */
async function results(topics: Topics, expected: { windows: number; alerts: number } | null) {
  const records = { windows: new Map<string, unknown>(), alerts: new Map<string, unknown>() };
  const seen: IncomingRecord[] = [];
  const sub = await bus().subscribe({ groupId: uniqueName("reader"), topics: [topics.windows, topics.alerts], fromBeginning: true }, async (b) => void seen.push(...b.records));
  const count = () => {
    for (const r of seen.splice(0)) {
      const v = JSON.parse(r.value.toString());
      const into = r.topic === topics.windows ? records.windows : records.alerts;
      const old = into.get(v.id) as { revision?: number } | undefined;
      if (!old || (old.revision ?? 0) <= (v.revision ?? 0)) into.set(v.id, v);
    }
    return { windows: records.windows.size, alerts: records.alerts.size };
  };
  if (expected) await waitFor(count, (n) => n.windows === expected.windows && n.alerts === expected.alerts, { timeoutMs: 30_000, what: "every result read back" });
  else {
    // The reference: read until two reads a second apart agree.
    let last = "";
    await waitFor(async () => { const now = JSON.stringify(count()); const same = now === last && now !== '{"windows":0,"alerts":0}'; last = now; await Bun.sleep(1_000); return same; }, Boolean, { timeoutMs: 30_000, what: "results settle" });
  }
  await sub.stop();
  return records;
}

test("a joining and a leaving processor hand partitions over with their state", async () => {
  const admin = bus();
  const reference = topicNames(`${run}.ref.`);
  const shared = topicNames(`${run}.shared.`);
  for (const t of [reference, shared]) await admin.ensureTopics([{ name: t.events, partitions: PARTITIONS }]);
  const pub = await admin.publisher();
  await pub.send(reference.events, stream);

  const single = await processor(reference, `fg:test:${run}:ref:`);
  await waitFor(() => included(reference, `fg:test:${run}:ref:`), (n) => n === EVENTS, { timeoutMs: 60_000, what: "reference run" });
  await repartitionCaughtUp(reference, `fg:test:${run}:ref:`);
  await single.stop();
  const want = await results(reference, null);

  // Events arrive in four parts: before the second processor joins, while it joins, and after the first left.
  const prefix = `fg:test:${run}:shared:`;
  const part = EVENTS / 4;
  await pub.send(shared.events, stream.slice(0, part));
  const first = await processor(shared, prefix);
  await waitFor(() => included(shared, prefix), (n) => n === part, { timeoutMs: 60_000, what: "first part" });
  expect(await claims(shared, prefix)).toBe(PARTITIONS);
  const second = await processor(shared, prefix);
  // The join moved partitions (with their state) to the second processor.
  await waitFor(() => claims(shared, prefix), (n) => n > PARTITIONS, { timeoutMs: 60_000, what: "the second processor claims partitions" });
  await pub.send(shared.events, stream.slice(part, 2 * part));
  await waitFor(() => included(shared, prefix), (n) => n === 2 * part, { timeoutMs: 60_000, what: "second part" });
  await pub.send(shared.events, stream.slice(2 * part, 3 * part));
  await waitFor(() => included(shared, prefix), (n) => n === 3 * part, { timeoutMs: 60_000, what: "third part" });
  const beforeLeave = await claims(shared, prefix);
  await first.stop();
  await waitFor(() => claims(shared, prefix), (n) => n > beforeLeave, { timeoutMs: 60_000, what: "the first processor's partitions taken over" });
  await pub.send(shared.events, stream.slice(3 * part));
  await waitFor(() => included(shared, prefix), (n) => n === EVENTS, { timeoutMs: 60_000, what: "fourth part, after the first left" });
  await repartitionCaughtUp(shared, prefix);
  await second.stop();
  await pub.close();

  expect(want.windows.size).toBeGreaterThan(100);
  expect(want.alerts.size).toBeGreaterThan(10);
  // Windows come from the local rule, alerts from the repartitioned one.
  const ruleIds = (m: Map<string, unknown>) => new Set([...m.values()].map((v) => (v as { rule_id: string }).rule_id));
  expect(ruleIds(want.windows)).toEqual(new Set(["counts"]));
  expect(ruleIds(want.alerts)).toEqual(new Set(["seq"]));
  // fg.repartition's partitions (4 by default) changed hands too.
  expect(await claims(shared, prefix, shared.repartition)).toBeGreaterThan(PARTITIONS);
  const got = await results(shared, { windows: want.windows.size, alerts: want.alerts.size });
  expect(Object.fromEntries(got.windows)).toEqual(Object.fromEntries(want.windows));
  expect(Object.fromEntries(got.alerts)).toEqual(Object.fromEntries(want.alerts));
}, 180_000);
