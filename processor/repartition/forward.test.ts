import { expect, test } from "bun:test";
import { createMemoryBus } from "../../infra/bus/memory.ts";
import { ev, ruleSetOf } from "../engine/test-kit.ts";
import { createForwarder, type Forwarding } from "./forward.ts";
import { markerKeys } from "./marker-keys.ts";
import { repartitionedRules } from "./placement.ts";

const rules = ruleSetOf(`rules:
  - { id: per-app, app: "*", description: d, severity: info, group_by: app_id, filter: { type: fail }, window: { type: tumbling, size: 1m, threshold: { gt: 1 } } }
  - { id: per-key, app: "*", description: d, severity: info, group_by: key, filter: { type: fail }, window: { type: tumbling, size: 1m, threshold: { gt: 1 } } }
  - { id: per-country, app: "*", description: d, severity: info, group_by: props.country, window: { type: tumbling, size: 1m, threshold: { gt: 1 } } }
`);

test("only rules grouped other than by the partition key are repartitioned", () => {
  expect(repartitionedRules(rules).rules.map((r) => r.id)).toEqual(["per-app", "per-country"]);
});

test("each taken event carries the source's watermark after it; a marker per partition ends the batch", () => {
  const f = createForwarder(repartitionedRules(rules), { outOfOrdernessMs: 100, markerKeys: ["k0", "k1"] });
  const events = [ev("a", 1_000, "fail", "u1", { country: "fr" }), ev("b", 800, "view", "u2"), ev("c", 1_500, "view", "u1", { country: "de" })];
  const out = f.forward(3, events.map((event, i) => ({ event, offset: String(40 + i), value: new TextEncoder().encode(event.event_id) })), { watermark: 950, apps: new Map([["shop", 950]]) });
  const at = (offset: string, watermark: string) => ({ "fg-source-partition": "3", "fg-source-offset": offset, "fg-app": "shop", "fg-source-watermark": watermark });
  expect(out.records.map((r) => [r.key, r.headers])).toEqual([
    ['per-app|["shop"]', { "fg-rule": "per-app", ...at("40", "950") }],
    ['per-country|["shop","fr"]', { "fg-rule": "per-country", ...at("40", "950") }],
    // b has no country: skipped, as the rule format says; c moves the watermark to 1500 - 100.
    ['per-country|["shop","de"]', { "fg-rule": "per-country", ...at("42", "1400") }],
    ["k0", { "fg-source-partition": "3", "fg-source-watermark": "1400", "fg-source-app-watermarks": '{"shop":1400}' }],
    ["k1", { "fg-source-partition": "3", "fg-source-watermark": "1400", "fg-source-app-watermarks": '{"shop":1400}' }],
  ]);
  expect(Object.fromEntries(out.perRule)).toEqual({ "per-app": 1, "per-country": 2 });
});

test("an event carries its app's watermark on the source, not the partition's over all apps (issue 19 #7)", () => {
  const f = createForwarder(repartitionedRules(rules), { outOfOrdernessMs: 0, markerKeys: ["k0"] });
  const bank = { ...ev("b", 1_000, "fail", "u1"), app_id: "bank" };
  const out = f.forward(0, [ev("s", 9e12, "view", "u2"), bank].map((event, i) => ({ event, offset: String(i), value: new Uint8Array() })), { watermark: 500, apps: new Map([["bank", 500]]) });
  expect(out.records.map((r) => [r.key, r.headers?.["fg-source-watermark"], r.headers?.["fg-source-app-watermarks"]])).toEqual([
    ['per-app|["bank"]', "1000", undefined],
    ["k0", "9000000000000", '{"shop":9000000000000,"bank":1000}'],
  ]);
});

test("an app without an event for idleMs on a partition is declared idle once, in the next marker; an event of it re-arms it", () => {
  let now = 0;
  const f = createForwarder(repartitionedRules(rules), { outOfOrdernessMs: 0, markerKeys: ["k0"], idleMs: 1_000, now: () => now });
  const batch = (...events: ReturnType<typeof ev>[]) => events.map((event, i) => ({ event, offset: String(i), value: new Uint8Array() }));
  const idleApps = (out: Forwarding) => out.records.at(-1)!.headers?.["fg-source-idle-apps"];
  const bank = (ts: number) => ({ ...ev(`b${ts}`, ts, "view", "u1"), app_id: "bank" });
  // Bank is known to the partition (a clock saved before this forwarder), shop has events.
  const clocks = { watermark: 10, apps: new Map([["bank", 10]]) };
  expect(idleApps(f.forward(0, batch(ev("s1", 20, "view", "u2")), clocks))).toBeUndefined();
  now = 1_500;
  expect(idleApps(f.forward(0, batch(ev("s2", 30, "view", "u2")), clocks))).toBe('["bank"]');
  now = 3_000;
  expect(idleApps(f.forward(0, batch(ev("s3", 40, "view", "u2")), clocks))).toBeUndefined();
  f.forward(0, batch(bank(50)), clocks);
  now = 4_500;
  expect(idleApps(f.forward(0, batch(ev("s4", 60, "view", "u2")), clocks))).toBe('["bank"]');
});

test("marker keys land one on each partition of the embedded bus", async () => {
  const bus = createMemoryBus({ defaultPartitions: 1 });
  await bus.ensureTopics([{ name: "t", partitions: 5 }]);
  const pub = await bus.publisher();
  await pub.send("t", markerKeys("memory", 5).map((key) => ({ key, value: key })));
  const seen: [string, number][] = [];
  const sub = await bus.subscribe({ groupId: "g", topics: ["t"], fromBeginning: true }, async (b) => void seen.push(...b.records.map((r): [string, number] => [r.key!, r.partition])));
  while (seen.length < 5) await Bun.sleep(5);
  await sub.stop();
  expect(seen.sort((a, b) => a[1] - b[1]).map(([, p]) => p)).toEqual([0, 1, 2, 3, 4]);
  expect(markerKeys("kafka", 5)).toHaveLength(5);
});
