import { afterEach, expect, test } from "bun:test";
import { createMemoryBus } from "../../infra/bus/memory.ts";
import type { Bus, IncomingRecord } from "../../infra/bus/port.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { readTopic } from "../../test/support/read-topic.ts";
import { ev, ruleSetOf } from "../engine/test-kit.ts";
import { createMemoryStateStore } from "../state/memory.ts";
import type { StateStore } from "../state/port.ts";
import { createProcessorRuntime, type ProcessorRuntime } from "./runtime.ts";

const topics = topicNames("");
const rules = ruleSetOf(`rules:
  - id: fails
    app: shop
    description: d
    severity: warning
    group_by: key
    filter: { type: fail }
    window: { type: tumbling, size: 1m, threshold: { gt: 1 } }
`);
const logger = createLogger("error");
const running: ProcessorRuntime[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

async function start(bus: Bus, store: StateStore, groupId: string): Promise<ProcessorRuntime> {
  const runtime = createProcessorRuntime({ bus, topics, groupId, store, logger, outOfOrdernessMs: 0, eventPartitions: 1 });
  running.push(runtime);
  runtime.setRules(rules);
  await runtime.start();
  return runtime;
}

async function collect(bus: Bus, topic: string): Promise<IncomingRecord[]> {
  const { records, stop } = await readTopic(bus, topic);
  running.push({ setRules() {}, start: async () => {}, stop });
  return records;
}

test("results, alerts, late events and bad records each reach their topic; a replay from offset 0 is skipped, not recounted", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 1 }]);
  const pub = await bus.publisher();
  const events = [ev("1", 0, "fail", "u1"), ev("2", 1_000, "fail", "u1"), ev("3", 60_000, "fail", "u2"), ev("4", 500, "fail", "u1")];
  await pub.send(topics.events, [
    ...events.map((e) => ({ key: `shop:${e.user_id}`, value: JSON.stringify(e) })),
    { key: "shop:x", value: "{not json" },
  ]);
  const store = createMemoryStateStore();
  const first = await start(bus, store, "g1");
  const windows = await collect(bus, topics.windows);
  const alerts = await collect(bus, topics.alerts);
  const late = await collect(bus, topics.late);
  const dlq = await collect(bus, topics.dlq);
  await waitFor(() => dlq.length, (n) => n === 1, { what: "the bad record on the DLQ" });
  expect(windows.map((r) => JSON.parse(r.value.toString())).map((w) => [w.id, w.values.value])).toEqual([['fails|["shop","u1"]|0', 2]]);
  expect(windows[0]?.key).toBe('fails:["shop","u1"]');
  expect(alerts.map((r) => JSON.parse(r.value.toString())).map((a) => [a.rule_id, a.group_key, a.window.value])).toEqual([["fails", "u1", 2]]);
  expect(late.map((r) => JSON.parse(r.value.toString()).event.event_id)).toEqual(["4"]);
  expect(dlq[0]?.headers["fg-error"]).toContain("not JSON");

  // A new consumer group sees every record again; the checkpoint says they are all included.
  await first.stop();
  running.splice(running.indexOf(first), 1);
  const claimed = await store.claim({ topic: topics.events, partition: 0 });
  expect(claimed.checkpoint.nextOffset).toBe("5");
  await start(bus, store, "g2");
  await pub.send(topics.events, [{ key: "shop:u2", value: JSON.stringify(ev("5", 120_000, "fail", "u2")) }]);
  await waitFor(() => windows.length, (n) => n === 2, { what: "the window the new event closes" });
  expect(JSON.parse(windows[1]!.value.toString())).toMatchObject({ id: 'fails|["shop","u2"]|60000', values: { value: 1, events: 1 } });
  expect(alerts.length).toBe(1);
});

test("a partition count that differs from the topic's refuses to start, naming the variable", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 2 }]);
  const runtime = createProcessorRuntime({ bus, topics, groupId: "g", store: createMemoryStateStore(), logger, outOfOrdernessMs: 0, eventPartitions: 4 });
  running.push(runtime);
  await expect(runtime.start()).rejects.toThrow("FG_PROCESSOR_EVENT_PARTITIONS is 4, but fg.events has 2 partitions: set it to 2");
});

test("a throttle period that was running when the processor stopped still holds after it restarts", async () => {
  const throttled = ruleSetOf(`rules:
  - id: busy
    app: shop
    description: d
    severity: warning
    group_by: key
    filter: { type: fail }
    window: { type: tumbling, size: 1m, threshold: { gt: 0 } }
    alert: { throttle: 10m }
`);
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 1 }]);
  const pub = await bus.publisher();
  const send = (e: ReturnType<typeof ev>) => pub.send(topics.events, [{ key: `shop:${e.user_id}`, value: JSON.stringify(e) }]);
  const store = createMemoryStateStore();
  const startWith = async (groupId: string) => {
    const runtime = createProcessorRuntime({ bus, topics, groupId, store, logger, outOfOrdernessMs: 0, eventPartitions: 1 });
    running.push(runtime);
    runtime.setRules(throttled);
    await runtime.start();
    return runtime;
  };
  const first = await startWith("g1");
  const windows = await collect(bus, topics.windows);
  const alerts = await collect(bus, topics.alerts);
  await send(ev("1", 0, "fail", "u1"));
  await send(ev("2", 60_000, "fail", "u1"));
  await waitFor(() => alerts.length, (n) => n === 1, { what: "the first window's alert" });

  await first.stop();
  running.splice(running.indexOf(first), 1);
  await startWith("g2");
  // Closes the second window, 2 minutes into the 10-minute throttle period of the first alert.
  await send(ev("3", 120_000, "fail", "u1"));
  await waitFor(() => windows.length, (n) => n === 2, { what: "the second window's result" });
  await Bun.sleep(50);
  expect(alerts.length).toBe(1);
});

test("window results, alerts and late events carry the traceparent of the event that caused them", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 1 }]);
  const pub = await bus.publisher();
  const trace = (n: string) => `00-${n.repeat(32)}-${"b".repeat(16)}-01`;
  const events = [ev("1", 0, "fail", "u1"), ev("2", 1_000, "fail", "u1"), ev("3", 60_000, "fail", "u2"), ev("4", 500, "fail", "u1")];
  await pub.send(topics.events, events.map((e, i) => ({ key: `shop:${e.user_id}`, value: JSON.stringify(e), headers: { traceparent: trace(String(i + 1)) } })));
  await start(bus, createMemoryStateStore(), "g-trace");
  const windows = await collect(bus, topics.windows);
  const alerts = await collect(bus, topics.alerts);
  const late = await collect(bus, topics.late);
  await waitFor(() => [windows.length, alerts.length, late.length], (n) => n.every((x) => x === 1), { what: "a window, an alert, a late event" });
  // The window [0, 1 min) of u1 was last updated by event 2; the alert is on that window; event 4 is late.
  expect(windows[0]!.headers.traceparent).toBe(trace("2"));
  // Nothing else: the id is in the value, and a header of its own cost a buffer per result to publish.
  expect(Object.keys(windows[0]!.headers)).toEqual(["traceparent"]);
  expect(alerts[0]!.headers.traceparent).toBe(trace("2"));
  expect(JSON.parse(alerts[0]!.value.toString()).traceparent).toBe(trace("2"));
  expect(late[0]!.headers.traceparent).toBe(trace("4"));
});
