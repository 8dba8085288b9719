import { afterEach, expect, test } from "bun:test";
import { createMemoryBus } from "../../infra/bus/memory.ts";
import type { Bus, IncomingRecord } from "../../infra/bus/port.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { readTopic } from "../../test/support/read-topic.ts";
import { ev, ruleSetOf } from "../engine/test-kit.ts";
import { createMemoryStateStore } from "../state/memory.ts";
import type { StateStore } from "../state/port.ts";
import { processorMetrics } from "./metrics.ts";
import { createProcessorRuntime, type ProcessorRuntime } from "./runtime.ts";

const topics = topicNames("");
// A window and a pattern grouped by key (local), and a window per app (repartitioned): a resent
// fail would push each over its threshold.
const rules = ruleSetOf(`rules:
  - id: fails.per-key
    app: shop
    description: d
    severity: warning
    group_by: key
    filter: { type: fail }
    window: { type: tumbling, size: 1m, threshold: { gt: 1 } }
  - id: fails-then-buy
    app: shop
    description: d
    severity: critical
    group_by: key
    filter: { type: [fail, buy] }
    pattern:
      within: 5m
      steps:
        - { name: fails, filter: { type: fail }, times: { min: 2 } }
        - { name: buy, filter: { type: buy } }
  - id: fails.per-app
    app: shop
    description: d
    severity: warning
    group_by: app_id
    filter: { type: fail }
    window: { type: tumbling, size: 1m, threshold: { gt: 3 } }
`);
const logger = createLogger("error");
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const [a, b, c, d, e, z] = [ev("a", 0, "fail", "u1"), ev("b", 10_000, "fail", "u1"), ev("c", 20_000, "buy", "u1"), ev("d", 30_000, "fail", "u2"), ev("e", 40_000, "buy", "u2"), ev("z", 130_000, "view", "u3")];

/** The store, noting the next offset each save of an fg.events partition reaches (without claiming it). */
function observedStore(): { store: StateStore; eventsOffset: () => string | undefined } {
  const base = createMemoryStateStore();
  let offset: string | undefined;
  const store: StateStore = {
    ...base,
    async save(lease, delta, nextOffset) {
      await base.save(lease, delta, nextOffset);
      if (lease.partition.topic === topics.events) offset = nextOffset;
    },
  };
  return { store, eventsOffset: () => offset };
}

async function collect(bus: Bus, topic: string): Promise<IncomingRecord[]> {
  const { records, stop } = await readTopic(bus, topic);
  stops.push(stop);
  return records;
}

/** Sends each batch in turn to a processor (a fresh one after each batch with `restart`), and returns its windows and alerts. */
async function run(batches: Envelope[][], restart: boolean) {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([topics.events, topics.windows, topics.alerts].map((name) => ({ name, partitions: 1 })));
  const pub = await bus.publisher();
  const { store, eventsOffset } = observedStore();
  const windows = await collect(bus, topics.windows);
  const alerts = await collect(bus, topics.alerts);
  let runtime: ProcessorRuntime | undefined;
  let sent = 0;
  for (const batch of batches) {
    if (!runtime || restart) {
      await runtime?.stop();
      const r = createProcessorRuntime({ bus, topics, groupId: "g", store, logger, outOfOrdernessMs: 0, eventPartitions: 1, repartitionPartitions: 2, idleMs: 60_000 });
      stops.push(() => r.stop());
      r.setRules(rules);
      await r.start();
      runtime = r;
    }
    await pub.send(topics.events, batch.map((x) => ({ key: `shop:${x.key}`, value: JSON.stringify(x) })));
    sent += batch.length;
    await waitFor(() => eventsOffset(), (o) => o === String(sent), { what: `the checkpoint at offset ${sent}` });
  }
  // The last event closes every window; stage 2's per-app window comes last.
  await waitFor(() => windows.some((w) => w.value.toString().includes("fails.per-app")), (found) => found, { what: "the per-app window" });
  await Bun.sleep(50);
  const parsed = windows.map((w) => JSON.parse(w.value.toString()));
  return {
    windows: parsed.map((w) => [w.id, w.revision, w.values.value, w.values.events]).sort(),
    alerts: alerts.map((x) => JSON.parse(x.value.toString()).id).sort(),
  };
}

test("events resent with the same event_id, in the same batch and after a restart, give the results of sending them once", async () => {
  const once = await run([[a, b, c, d, e, z]], false);
  expect(once.windows).toEqual([
    ['fails.per-app|["shop"]|0', 1, 3, 3],
    ['fails.per-key|["shop","u1"]|0', 1, 2, 2],
    ['fails.per-key|["shop","u2"]|0', 1, 1, 1],
  ]);
  // fails.per-key for u1 (2 > 1) and the pattern for u1 (two fails then a buy); not u2, not the app (3).
  expect(once.alerts.length).toBe(2);

  // d resent at once (same batch), then a and d again after a restart (the saved state knows them).
  const duplicates = async () => (await processorMetrics.duplicates.get()).values[0]?.value ?? 0;
  const before = await duplicates();
  const resent = await run([[a, b, c, d, d, e], [a, d, z]], true);
  expect(resent).toEqual(once);
  expect((await duplicates()) - before).toBe(3);
});

test("one app's clock far ahead does not evict another app's ids: its resend is still skipped (issue 19 #7)", async () => {
  const perKey = ruleSetOf(`rules:
  - id: bank.fails.per-key
    app: bank
    description: d
    severity: warning
    group_by: key
    filter: { type: fail }
    window: { type: tumbling, size: 1m, threshold: { gt: 1 } }
`);
  const T = Date.UTC(2026, 0, 5, 10);
  const of = (app: string, e: Envelope): Envelope => ({ ...e, app_id: app });
  const first = of("bank", ev("b1", T, "fail", "u1"));
  // Shop a day ahead on the same partition, then bank's client resends b1, then time goes on for bank.
  const data = [first, of("shop", ev("s1", T + 86_400_000, "view", "u9")), first, of("bank", ev("b2", T + 120_000, "view", "u1"))];
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([topics.events, topics.windows, topics.alerts].map((name) => ({ name, partitions: 1 })));
  const windows = await collect(bus, topics.windows);
  const alerts = await collect(bus, topics.alerts);
  const r = createProcessorRuntime({ bus, topics, groupId: "g-apps", store: createMemoryStateStore(), logger, outOfOrdernessMs: 0, eventPartitions: 1, repartitionPartitions: 2, idleMs: 60_000 });
  stops.push(() => r.stop());
  r.setRules(perKey);
  await r.start();
  const pub = await bus.publisher();
  await pub.send(topics.events, data.map((x) => ({ key: `${x.app_id}:${x.key}`, value: JSON.stringify(x) })));
  await waitFor(() => windows.length, (n) => n > 0, { what: "bank's window" });
  await Bun.sleep(50);
  expect(windows.map((w) => JSON.parse(w.value.toString())).map((w) => [w.id, w.values.value])).toEqual([['bank.fails.per-key|["bank","u1"]|' + T, 1]]);
  expect(alerts).toEqual([]);
});

test("two apps that send the same event_id on one partition both count; each app's own resend is still skipped (issue 19)", async () => {
  const perKey = ruleSetOf(
    ["shop", "bank"]
      .map(
        (app) => `
  - id: ${app}.fails.per-key
    app: ${app}
    description: d
    severity: warning
    group_by: key
    filter: { type: fail }
    window: { type: tumbling, size: 1m, threshold: { gt: 1 } }`,
      )
      .join("")
      .replace(/^/, "rules:"),
  );
  const T = Date.UTC(2026, 0, 5, 10);
  const of = (app: string, e: Envelope): Envelope => ({ ...e, app_id: app });
  // The same id from both apps, each resent by its own client, then time goes on for both.
  const [shop, bank] = [of("shop", ev("same-id", T, "fail", "u1")), of("bank", ev("same-id", T + 1_000, "fail", "u1"))];
  const data = [shop, bank, shop, bank, of("shop", ev("s2", T + 120_000, "view", "u1")), of("bank", ev("b2", T + 120_000, "view", "u1"))];
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([topics.events, topics.windows, topics.alerts].map((name) => ({ name, partitions: 1 })));
  const windows = await collect(bus, topics.windows);
  const r = createProcessorRuntime({ bus, topics, groupId: "g-same-id", store: createMemoryStateStore(), logger, outOfOrdernessMs: 0, eventPartitions: 1, repartitionPartitions: 2, idleMs: 60_000 });
  stops.push(() => r.stop());
  r.setRules(perKey);
  await r.start();
  const duplicates = async () => (await processorMetrics.duplicates.get()).values[0]?.value ?? 0;
  const before = await duplicates();
  const pub = await bus.publisher();
  await pub.send(topics.events, data.map((x) => ({ key: `${x.app_id}:${x.key}`, value: JSON.stringify(x) })));
  // Within the test's own timeout, so that a missing window fails with the windows seen.
  await waitFor(() => windows.map((w) => JSON.parse(w.value.toString()).id), (ids) => ids.length >= 2, { what: "both apps' windows", timeoutMs: 3_000 });
  await Bun.sleep(50);
  const got = windows.map((w) => JSON.parse(w.value.toString())).map((w) => [w.id, w.values.value]);
  expect(got.sort()).toEqual([
    ['bank.fails.per-key|["bank","u1"]|' + T, 1],
    ['shop.fails.per-key|["shop","u1"]|' + T, 1],
  ]);
  expect((await duplicates()) - before).toBe(2);
});
