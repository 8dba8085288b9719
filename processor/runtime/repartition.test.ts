import { afterEach, expect, test } from "bun:test";
import { createMemoryBus } from "../../infra/bus/memory.ts";
import type { Bus, IncomingRecord } from "../../infra/bus/port.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { readTopic } from "../../test/support/read-topic.ts";
import { createPartitionEngine } from "../engine/index.ts";
import { ERROR_BURST_RULE, ruleSetOf } from "../engine/test-kit.ts";
import { createMemoryStateStore } from "../state/memory.ts";
import { createProcessorRuntime, type ProcessorRuntime } from "./runtime.ts";

const topics = topicNames("");
// Neither grouping follows fg.events' key (app:user): both rules span its partitions.
const rules = ruleSetOf(`rules:
  - id: errors.per-app
    app: "*"
    description: error bursts per app
    severity: critical
    group_by: app_id
    filter: { type: error }
    window: { type: tumbling, size: 1m, threshold: { gt: 5 } }
  - id: login-then-buy.per-country
    app: "*"
    description: a login then a buy in one country
    severity: info
    group_by: props.country
    pattern:
      within: 30s
      steps:
        - { name: login, filter: { type: login } }
        - { name: buy, filter: { type: buy } }
`);
const logger = createLogger("error");
const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Unique, rising event times (so one partition and two order them alike), many users on two apps. */
function stream(n: number): Envelope[] {
  const rand = random(7);
  const types = ["error", "error", "login", "buy", "view"];
  return Array.from({ length: n }, (_, i) => {
    const user = `u${Math.floor(rand() * 40)}`;
    const app = rand() < 0.6 ? "shop" : "billing";
    const ts = 1_000 * i + 1;
    return { event_id: `e${i}`, app_id: app, type: types[Math.floor(rand() * types.length)]!, ts, received_at: ts, key: user, user_id: user, props: { country: rand() < 0.5 ? "fr" : "de" }, source: "http" };
  });
}

async function collect(bus: Bus, topic: string): Promise<IncomingRecord[]> {
  const { records, stop } = await readTopic(bus, topic);
  running.push(stop);
  return records;
}

test("rules grouped across two fg.events partitions give exactly the single-partition results", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 2 }]);
  const data = stream(600);
  const pub = await bus.publisher();
  const send = (es: Envelope[]) => pub.send(topics.events, es.map((e) => ({ key: `${e.app_id}:${e.key}`, value: JSON.stringify(e) })));
  for (let i = 0; i < data.length; i += 50) await send(data.slice(i, i + 50));
  const events = await collect(bus, topics.events);
  await waitFor(() => events.length, (n) => n === data.length, { what: "the events read back" });
  // A last event per partition and app (same app and user as one already there), taken by no
  // rule, moves both sources' watermarks, and each app's clock, past the data.
  const ends = [0, 1].flatMap((p) =>
    ["shop", "billing"].map((app): Envelope => {
      const like = events.find((r) => r.partition === p && (JSON.parse(r.value.toString()) as Envelope).app_id === app)!;
      return { ...(JSON.parse(like.value.toString()) as Envelope), event_id: `end-${p}-${app}`, type: "end", ts: 10_000_000 };
    }),
  );
  await send(ends);
  await waitFor(() => events.length, (n) => n === data.length + 4, { what: "the last events read back" });
  expect(events.filter((r) => r.value.toString().includes('"end-')).map((r) => r.partition).sort()).toEqual([0, 0, 1, 1]);
  // The stream does span the partitions: each app's errors are on both.
  for (const app of ["shop", "billing"])
    expect(new Set(events.filter((r) => JSON.parse(r.value.toString()).app_id === app).map((r) => r.partition))).toEqual(new Set([0, 1]));

  const runtime: ProcessorRuntime = createProcessorRuntime({ bus, topics, groupId: "g", store: createMemoryStateStore(), logger, outOfOrdernessMs: 0, eventPartitions: 2, repartitionPartitions: 3, idleMs: 60_000 });
  running.push(() => runtime.stop());
  runtime.setRules(rules);
  await runtime.start();
  const windows = await collect(bus, topics.windows);
  const alerts = await collect(bus, topics.alerts);

  // The last events are all at the same time: stage 2's watermark reaches it, and so does each
  // app's clock on one partition, with one of them per app.
  const reference = createPartitionEngine({ ruleSet: rules }).process([...data, ends[0]!, ends[1]!]);
  const want = {
    windows: reference.windows.map((w) => JSON.stringify(w)).sort(),
    alerts: reference.alerts.map((a) => a.alert.id).sort(),
  };
  expect(want.windows.length).toBeGreaterThan(10);
  expect(new Set(reference.alerts.map((a) => a.alert.rule_id))).toEqual(new Set(["errors.per-app", "login-then-buy.per-country"]));
  await waitFor(() => windows.length + alerts.length, (n) => n >= want.windows.length + want.alerts.length, { what: "every result" });
  await Bun.sleep(50);
  expect(windows.map((r) => r.value.toString()).sort()).toEqual(want.windows);
  expect(alerts.map((r) => JSON.parse(r.value.toString()).id).sort()).toEqual(want.alerts);
});

test("a partition of fg.events that never gets an event goes idle and holds back no result", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 2 }]);
  // Every event on one user's key, so on one partition; the other stays empty.
  const at = (i: number, type: string, ts: number): Envelope => ({ event_id: `q${i}`, app_id: "shop", type, ts, received_at: ts, key: "u1", user_id: "u1", props: { country: "fr" }, source: "http" });
  const data = [...Array.from({ length: 6 }, (_, i) => at(i, "error", 1_000 * (i + 1))), at(6, "login", 10_000), at(7, "buy", 12_000), at(8, "view", 70_000)];
  const pub = await bus.publisher();
  const trace = (i: number) => `00-${String(i + 1).padStart(32, "a")}-${"b".repeat(16)}-01`;
  await pub.send(topics.events, data.map((e, i) => ({ key: `${e.app_id}:${e.key}`, value: JSON.stringify(e), headers: { traceparent: trace(i) } })));
  const events = await collect(bus, topics.events);
  await waitFor(() => events.length, (n) => n === data.length, { what: "the events read back" });
  expect(new Set(events.map((r) => r.partition)).size).toBe(1);

  const started = performance.now();
  const runtime = createProcessorRuntime({ bus, topics, groupId: "g-idle", store: createMemoryStateStore(), logger, outOfOrdernessMs: 0, eventPartitions: 2, repartitionPartitions: 3, idleMs: 200 });
  running.push(() => runtime.stop());
  runtime.setRules(rules);
  await runtime.start();
  const windows = await collect(bus, topics.windows);
  const alerts = await collect(bus, topics.alerts);
  await waitFor(() => alerts.length, (n) => n === 2, { what: "the window's and the pattern's alerts", timeoutMs: 5_000 });
  expect(performance.now() - started).toBeLessThan(5_000);
  expect(alerts.map((r) => JSON.parse(r.value.toString()).rule_id).sort()).toEqual(["errors.per-app", "login-then-buy.per-country"]);
  expect(windows.map((r) => JSON.parse(r.value.toString())).map((w) => [w.id, w.values.value])).toEqual([['errors.per-app|["shop"]|0', 6]]);
  // Through fg.repartition too, each output carries its cause's trace: the pattern's its last
  // step (the buy, event 7), the window's its latest error (event 5).
  const byRule = Object.fromEntries(alerts.map((r) => [JSON.parse(r.value.toString()).rule_id, r.headers.traceparent]));
  expect(byRule).toEqual({ "errors.per-app": trace(5), "login-then-buy.per-country": trace(7) });
  expect(windows[0]!.headers.traceparent).toBe(trace(5));
});

test("one app's clock far ahead on an fg.events partition does not make another app's events late in stage 2 (issue 19 #7)", async () => {
  const burst = ruleSetOf(ERROR_BURST_RULE);
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 2 }]);
  const T = Date.UTC(2026, 0, 5, 10);
  const of = (app: string, id: string, ts: number, type: string, user: string): Envelope => ({ event_id: id, app_id: app, type, ts, received_at: ts, key: user, user_id: user, props: {}, source: "http" });
  const users = Array.from({ length: 8 }, (_, i) => `u${i}`);
  // Shop's clock a day ahead on every partition (one event per user), then bank's burst of 7
  // errors, and a bank event per user a minute later that closes bank's minute.
  const data = [
    ...users.map((u, i) => of("shop", `s${i}`, T + 86_400_000, "page_view", u)),
    ...Array.from({ length: 7 }, (_, i) => of("bank", `b${i}`, T + i * 1_000, "error_raised", users[i]!)),
    ...users.map((u, i) => of("bank", `b-next-${i}`, T + 61_000, "page_view", u)),
  ];
  const pub = await bus.publisher();
  await pub.send(topics.events, data.map((e) => ({ key: `${e.app_id}:${e.key}`, value: JSON.stringify(e) })));
  const events = await collect(bus, topics.events);
  await waitFor(() => events.length, (n) => n === data.length, { what: "the events read back" });
  // Both apps on both partitions: shop's clock is ahead on each source bank's events come from.
  for (const app of ["shop", "bank"]) expect(new Set(events.filter((r) => JSON.parse(r.value.toString()).app_id === app).map((r) => r.partition))).toEqual(new Set([0, 1]));

  const runtime = createProcessorRuntime({ bus, topics, groupId: "g-apps", store: createMemoryStateStore(), logger, outOfOrdernessMs: 0, eventPartitions: 2, repartitionPartitions: 3, idleMs: 60_000 });
  running.push(() => runtime.stop());
  runtime.setRules(burst);
  await runtime.start();
  const alerts = await collect(bus, topics.alerts);
  const late = await collect(bus, topics.late);
  await waitFor(() => alerts.length + late.length, (n) => n > 0, { what: "bank's alert (or its events late)", timeoutMs: 5_000 });
  await Bun.sleep(100);
  expect(late.map((r) => JSON.parse(r.value.toString()).event.event_id)).toEqual([]);
  expect(alerts.map((r) => JSON.parse(r.value.toString())).map((a) => [a.rule_id, a.group_key])).toEqual([["ops.error-burst", "bank"]]);
});
