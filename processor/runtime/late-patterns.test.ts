/**
 * Issue 21: events replayed into a running processor (from the archive, or resent by a client
 * after the dedup horizon) are behind the watermark; a pattern must treat them as a window does:
 * late output, counted, no match, no alert.
 */
import { afterEach, expect, test } from "bun:test";
import { createMemoryBus } from "../../infra/bus/memory.ts";
import type { Bus, IncomingRecord } from "../../infra/bus/port.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { registry } from "../../infra/telemetry/metrics.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { readTopic } from "../../test/support/read-topic.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { ev, ruleSetOf } from "../engine/test-kit.ts";
import { createMemoryStateStore } from "../state/memory.ts";
import { createProcessorRuntime } from "./runtime.ts";

const RULE = "funnel.signup-without-checkout";
const topics = topicNames("");
const rules = ruleSetOf(`rules:
  - id: ${RULE}
    app: shop
    description: signed up, no checkout within 30 minutes
    severity: info
    group_by: key
    filter: { type: [signup, checkout_completed] }
    pattern:
      within: 30m
      steps:
        - { name: signup, filter: { type: signup } }
        - { name: checkout, contiguity: notFollowedBy, filter: { type: checkout_completed } }
`);
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function collect(bus: Bus, topic: string): Promise<IncomingRecord[]> {
  const { records, stop } = await readTopic(bus, topic);
  stops.push(stop);
  return records;
}

const lateCount = async () => (await registry.getSingleMetric("fluxgate_processor_late_events_total")!.get()).values.find((v) => v.labels.rule === RULE)?.value ?? 0;

test("a replay of events behind the watermark into a running processor goes to the late output and fires no alert", async () => {
  const T = Date.UTC(2026, 0, 5, 10);
  const MIN = 60_000;
  // Every user signs up and checks out 1 minute later: no alert is due, ever.
  const users = ["u1", "u2", "u3"];
  const first = users.flatMap((u, i) => [ev(`s-${u}`, T + i * MIN, "signup", u), ev(`c-${u}`, T + (i + 1) * MIN, "checkout_completed", u)]);
  // Newer events of the same users move the watermark an hour on (past the dedup horizon of 10 min).
  const later = users.flatMap((u, i) => [ev(`s2-${u}`, T + 60 * MIN + i * MIN, "signup", u), ev(`c2-${u}`, T + 61 * MIN + i * MIN, "checkout_completed", u)]);
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: topics.events, partitions: 1 }]);
  const pub = await bus.publisher();
  const send = (es: Envelope[]) => pub.send(topics.events, es.map((e) => ({ key: `shop:${e.key}`, value: JSON.stringify(e) })));
  const runtime = createProcessorRuntime({ bus, topics, groupId: "g", store: createMemoryStateStore(), logger: createLogger("error"), outOfOrdernessMs: 0, eventPartitions: 1 });
  stops.push(() => runtime.stop());
  runtime.setRules(rules);
  await runtime.start();
  const late = await collect(bus, topics.late);
  const alerts = await collect(bus, topics.alerts);
  const before = await lateCount();

  await send([...first, ...later]);
  // The replay: the first hour again, checkouts before signups as an archive read by key might give them.
  const replay = [...first].reverse();
  await send(replay);
  await waitFor(() => late.length, (n) => n >= replay.length, { what: "the replayed events on the late output" });
  // Events after the replay close whatever the replay could have opened: a signup taken without its checkout would fire here.
  await send([ev("s-u9", T + 200 * MIN, "signup", "u9"), ev("c-u9", T + 201 * MIN, "checkout_completed", "u9")]);
  await waitFor(async () => (await lateCount()) - before, (n) => n >= replay.length, { what: "the late events counted" });
  await Bun.sleep(100);

  expect(late.map((r) => JSON.parse(r.value.toString()) as { rule_id: string; event: Envelope; missed: unknown[] }).map((l) => [l.rule_id, l.event.event_id, l.missed])).toEqual(
    replay.map((e) => [RULE, e.event_id, []]),
  );
  expect(alerts).toEqual([]);
  expect((await lateCount()) - before).toBe(replay.length);
});
