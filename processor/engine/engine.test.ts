import { describe, expect, test } from "bun:test";
import type { Envelope } from "../../schemas/envelope.ts";
import { createPartitionEngine, type PartitionEngine } from "./engine.ts";
import { emptyOutput, type EngineOutput } from "./output.ts";
import { emptyDelta, mergeDelta, type Records } from "./records.ts";
import { ERROR_BURST_RULE, ev, ruleSetOf } from "./test-kit.ts";

const MIN = 60_000;
const head = (id: string) => `id: ${id}\napp: shop\ndescription: d\nseverity: warning\ngroup_by: user_id\n`;
const counts = (size = "1m", threshold = "{ gt: 2 }", lateness = "0") =>
  `${head("fails")}filter: { type: fail }\nwindow: { type: tumbling, size: ${size}, threshold: ${threshold}, allowed_lateness: ${lateness} }\n`;
const absence = `${head("cart")}pattern:
  within: 10m
  steps:
    - { name: add, filter: { type: add } }
    - { name: buy, contiguity: notFollowedBy, filter: { type: buy } }
`;

const brief = (out: EngineOutput) => ({
  windows: out.windows.map((w) => (w.kind === "result" ? `${w.id} rev${w.revision} ${JSON.stringify(w.values)}` : `retract ${w.id}`)),
  alerts: out.alerts.map((a) => `${a.alert.rule_id} ${a.alert.group_key} @${a.alert.ts}${a.alert.window ? ` =${a.alert.window.value}` : ""}`),
  late: out.late.map((l) => l.event.event_id),
});

describe("window rules", () => {
  test("tumbling counts per user close on the watermark; crossings become alerts", () => {
    const engine = createPartitionEngine({ ruleSet: ruleSetOf(counts()) });
    const out = engine.process([
      ev("1", 0, "fail", "u1"),
      ev("2", 10_000, "fail", "u1"),
      ev("3", 20_000, "fail", "u1"),
      ev("4", 30_000, "fail", "u2"),
      ev("5", 40_000, "view", "u1"),
      ev("6", MIN, "fail", "u2"),
    ]);
    expect(brief(out)).toEqual({
      windows: ['fails|["shop","u1"]|0 rev1 {"value":3,"events":3}', 'fails|["shop","u2"]|0 rev1 {"value":1,"events":1}'],
      alerts: ["fails u1 @60000 =3"],
      late: [],
    });
    expect(out.alerts[0]?.alert.window).toMatchObject({ start: 0, end: MIN, aggregate: "count", threshold: { op: "gt", value: 2 } });
  });

  test("an event past the allowed lateness goes to the late output; one within it corrects the window", () => {
    const engine = createPartitionEngine({ ruleSet: ruleSetOf(counts("1m", "{ gt: 1 }", "30s")) });
    const out = engine.process([
      ev("1", 0, "fail", "u1"),
      ev("2", MIN, "fail", "u1"), // closes [0, 1m) with 1
      ev("3", 59_000, "fail", "u1"), // within lateness: [0, 1m) is corrected to 2 and crosses
      ev("4", MIN + 40_000, "fail", "u1"), // watermark 1m40s: [0, 1m) expires
      ev("5", 30_000, "fail", "u1"), // too late
    ]);
    expect(brief(out)).toEqual({
      windows: ['fails|["shop","u1"]|0 rev1 {"value":1,"events":1}', 'fails|["shop","u1"]|0 rev2 {"value":2,"events":2}'],
      alerts: ["fails u1 @60000 =2"],
      late: ["5"],
    });
  });

  test("events without the group field are skipped, not grouped under null", () => {
    const engine = createPartitionEngine({ ruleSet: ruleSetOf(counts("1m", "{ gt: 0 }")) });
    const anonymous: Envelope = { ...ev("1", 0, "fail", "u1"), user_id: undefined as never };
    delete (anonymous as { user_id?: string }).user_id;
    const out = engine.process([anonymous, ev("2", MIN, "fail", "u2")]);
    expect(out.windows).toEqual([]);
  });
});

describe("pattern rules", () => {
  test("an absence fires when the watermark passes start + within, not before", () => {
    const engine = createPartitionEngine({ ruleSet: ruleSetOf(absence) });
    const early = engine.process([ev("a1", 0, "add", "u1"), ev("a2", MIN, "add", "u2"), ev("b2", 2 * MIN, "buy", "u2"), ev("x", 9 * MIN, "view", "u3")]);
    expect(early.alerts).toEqual([]);
    const late = engine.process([ev("y", 10 * MIN, "view", "u3")]);
    expect(brief(late).alerts).toEqual(["cart u1 @600000"]);
    expect(late.alerts[0]?.alert.match?.steps).toEqual({ add: ["a1"] });
    expect(engine.stats().keys).toEqual({ cart: 0 });
  });
});

/** Runs `events` in batches of the given sizes, persisting deltas and restarting from them between batches. */
function runWithRestarts(yaml: string, events: Envelope[], sizes: number[]): { out: EngineOutput; records: Records } {
  const ruleSet = ruleSetOf(yaml);
  let records: Records = {};
  const out = emptyOutput();
  let at = 0;
  for (let i = 0; at < events.length; i++) {
    const engine: PartitionEngine = createPartitionEngine({ ruleSet, records });
    const batch = events.slice(at, at + (sizes[i % sizes.length] ?? 1));
    at += batch.length;
    const o = engine.process(batch);
    out.windows.push(...o.windows);
    out.alerts.push(...o.alerts);
    out.late.push(...o.late);
    const delta = mergeDelta(emptyDelta(), engine.flush());
    records = { ...records, ...Object.fromEntries(delta.put) };
    for (const name of delta.del) delete records[name];
  }
  return { out, records };
}

test("results and state do not depend on batch boundaries or restarts from flushed records", () => {
  const yaml = `rules:\n${[counts("1m", "{ gt: 1 }", "20s"), absence, `${head("sess")}window: { type: session, gap: 2m, aggregate: sum, field: props.n, threshold: { gt: 5 } }\n`, `${head("hop")}window: { type: hopping, size: 2m, hop: 1m, threshold: { gt: 3 } }\n`]
    .map((r) => `  - ${r.trimEnd().replaceAll("\n", "\n    ")}`)
    .join("\n")}\n`;
  const types = ["fail", "add", "buy", "view"];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const events = Array.from({ length: 400 }, (_, i) =>
    ev(`e${i}`, i * 5_000 - Math.floor(rand() * 40_000), types[Math.floor(rand() * 4)]!, `u${Math.floor(rand() * 5)}`, { n: Math.floor(rand() * 4) }));
  const once = runWithRestarts(yaml, events, [events.length]);
  const chopped = runWithRestarts(yaml, events, [1, 7, 3, 50, 2]);
  expect(once.out.alerts.length).toBeGreaterThan(10);
  expect(once.out.late.length).toBeGreaterThan(0);
  expect(brief(chopped.out)).toEqual(brief(once.out));
  expect(chopped.records).toEqual(once.records);
});

describe("setRules", () => {
  const feed = (engine: PartitionEngine) => engine.process([ev("1", 0, "fail", "u1"), ev("2", 1_000, "fail", "u1"), ev("3", 2_000, "fail", "u1")]);

  test("a threshold edit keeps the window state; a size edit starts afresh and deletes the old records", () => {
    const engine = createPartitionEngine({ ruleSet: ruleSetOf(counts("1m", "{ gt: 5 }")) });
    feed(engine);
    engine.flush();
    engine.setRules(ruleSetOf(counts("1m", "{ gt: 2 }"), "v2"));
    const kept = engine.process([ev("4", MIN, "fail", "u2")]);
    expect(brief(kept).alerts).toEqual(["fails u1 @60000 =3"]);
    expect(kept.alerts[0]?.alert.rule_set_version).toBe("v2");

    feed(engine);
    engine.flush();
    engine.setRules(ruleSetOf(counts("2m", "{ gt: 2 }"), "v3"));
    const delta = engine.flush();
    expect(delta.del).toContain('w:fails:g:["shop","u2"]');
    expect(engine.process([ev("5", 10 * MIN, "fail", "u1")]).windows).toEqual([]);
  });

  test("restoring records saved under another version of a rule discards them and says why", () => {
    const first = createPartitionEngine({ ruleSet: ruleSetOf(counts("1m")) });
    feed(first);
    const discarded: string[] = [];
    const second = createPartitionEngine({ ruleSet: ruleSetOf(counts("5m")), records: first.snapshot(), onDiscard: (id, why) => discarded.push(`${id}: ${why}`) });
    expect(discarded).toEqual(["fails: the rule's window, pattern, filter or grouping changed"]);
    expect(second.flush().del).toContain('w:fails:g:["shop","u1"]');
    expect(second.process([ev("9", 10 * MIN, "fail", "u3")]).windows).toEqual([]);
  });
});

test("an event a rule cannot process is reported as failed; the other rules and events go on", () => {
  const engine = createPartitionEngine({ ruleSet: ruleSetOf(counts("1m", "{ gt: 0 }")) });
  // A props object whose field read throws stands in for an engine bug.
  const bad = ev("bad", 1_000, "fail", "u1");
  Object.defineProperty(bad, "type", { get: () => { throw new Error("boom"); }, enumerable: true });
  const out = engine.process([ev("1", 0, "fail", "u1"), bad, ev("2", MIN, "fail", "u2")]);
  expect(out.failed.map((f) => [f.event.event_id, f.rule_id, f.error])).toEqual([["bad", "fails", "boom"]]);
  expect(brief(out).windows).toEqual(['fails|["shop","u1"]|0 rev1 {"value":1,"events":1}']);
});

test("routed events: event time moves to each one's carried watermark, and only its rule takes it", () => {
  const both = `rules:\n  - ${counts("1m", "{ gt: 5 }").trimEnd().replaceAll("\n", "\n    ")}\n  - ${counts("1m", "{ gt: 5 }").replace("id: fails", "id: other").trimEnd().replaceAll("\n", "\n    ")}\n`;
  const engine = createPartitionEngine({ ruleSet: ruleSetOf(both) });
  const out = engine.processRouted([
    { event: ev("1", 10_000, "fail", "u1"), ruleId: "fails", watermark: 10_000 },
    { event: ev("2", 30_000, "fail", "u1"), ruleId: "other", watermark: 30_000 },
    // Its own source was already past the window's end (65 s): late, though no event here was past 30 s.
    { event: ev("3", 20_000, "fail", "u1"), ruleId: "fails", watermark: MIN + 5_000 },
    { event: ev("4", MIN + 1_000, "fail", "u1"), ruleId: "nobody", watermark: 2 * MIN },
  ]);
  expect(brief(out)).toEqual({
    windows: ['fails|["shop","u1"]|0 rev1 {"value":1,"events":1}', 'other|["shop","u1"]|0 rev1 {"value":1,"events":1}'],
    alerts: [],
    late: ["3"],
  });
  expect(engine.watermark()).toBe(2 * MIN);
  expect(engine.stats().keys).toEqual({ fails: 0, other: 0 });
});

test("routed events: extra watermark steps between batches (up to the next event's) change no result", () => {
  const yaml = `rules:\n${[counts("1m", "{ gt: 1 }", "20s"), absence, `${head("sess")}window: { type: session, gap: 2m, aggregate: sum, field: props.n, threshold: { gt: 5 } }\n`]
    .map((r) => `  - ${r.trimEnd().replaceAll("\n", "\n    ")}`)
    .join("\n")}\n`;
  const types = ["fail", "add", "buy", "view"];
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const ids = ["fails", "cart", "sess"];
  let w = 0;
  const routed = Array.from({ length: 400 }, (_, i) => {
    const event = ev(`e${i}`, i * 5_000 - Math.floor(rand() * 40_000), types[Math.floor(rand() * 4)]!, `u${Math.floor(rand() * 5)}`, { n: Math.floor(rand() * 4) });
    w = Math.max(w, event.ts);
    // As a source with 10 s of out-of-orderness carries it: many events are on time for the
    // pattern (which takes none behind the watermark), some are late for the windows.
    return { event, ruleId: ids[Math.floor(rand() * 3)]!, watermark: w - 10_000 };
  });
  const end = w + 10 * MIN;
  const once = createPartitionEngine({ ruleSet: ruleSetOf(yaml) });
  const all = once.processRouted(routed, end);
  const stepped = createPartitionEngine({ ruleSet: ruleSetOf(yaml) });
  const outs: EngineOutput[] = [];
  for (let i = 0; i < routed.length; ) {
    const n = 1 + Math.floor(rand() * 30);
    const chunk = routed.slice(i, i + n);
    i += n;
    // As stage 2 does: a step to some watermark no later event undercuts.
    const next = routed[i]?.watermark ?? end;
    const last = chunk.at(-1)!.watermark;
    outs.push(stepped.processRouted(chunk, last + Math.floor(rand() * (next - last + 1))));
  }
  outs.push(stepped.processRouted([], end));
  const merged = outs.reduce((into, o) => ({ ...into, windows: [...into.windows, ...o.windows], alerts: [...into.alerts, ...o.alerts], late: [...into.late, ...o.late] }), emptyOutput());
  const sorted = (o: EngineOutput) => Object.fromEntries(Object.entries(brief(o)).map(([k, v]) => [k, [...v].sort()]));
  expect(all.alerts.filter((a) => a.alert.rule_id === "cart").length).toBeGreaterThan(3);
  expect(all.late.length).toBeGreaterThan(0);
  expect(sorted(merged)).toEqual(sorted(all));
  expect(stepped.snapshot()).toEqual(once.snapshot());
});

describe("event time is kept per app (issue 19 #7)", () => {
  // The issue's rule: an error burst per app, any app.
  const burst = ERROR_BURST_RULE;
  const T = Date.UTC(2026, 0, 5, 10);
  const of = (app: string, id: string, ts: number, type = "error_raised"): Envelope => ({ ...ev(id, ts, type, "u1"), app_id: app });
  const bankBurst = [...Array.from({ length: 7 }, (_, i) => of("bank", `b${i}`, T + i * 1_000)), of("bank", "b-next", T + MIN)];

  test("one app's event far in the future does not make another app's events late, and its alert fires", () => {
    const engine = createPartitionEngine({ ruleSet: ruleSetOf(burst) });
    const out = engine.process([of("shop", "s1", 9e15, "page_view"), ...bankBurst]);
    expect(out.late).toEqual([]);
    expect(brief(out).alerts).toEqual([`ops.error-burst bank @${T + MIN} =7`]);
  });

  test("the apps' clocks are saved with the state and restored", () => {
    const first = createPartitionEngine({ ruleSet: ruleSetOf(burst) });
    first.process([of("shop", "s1", 9e15, "page_view"), ...bankBurst.slice(0, 3)]);
    const records = first.flush().put;
    const second = createPartitionEngine({ ruleSet: ruleSetOf(burst), records: Object.fromEntries(records) });
    // An event of shop's behind shop's restored clock is still late for shop...
    const out = second.process([of("shop", "s-old", T, "error_raised"), ...bankBurst.slice(3)]);
    expect(brief(out).late).toEqual(["s-old"]);
    // ...while bank's clock went on from bank's own events.
    expect(brief(out).alerts).toEqual([`ops.error-burst bank @${T + MIN} =7`]);
  });
});

describe("a pattern keeps events behind the watermark out, as a window does (issue 21)", () => {
  const funnel = `id: funnel.signup-without-checkout
app: shop
description: signed up, no checkout within 30 minutes
severity: info
group_by: user_id
filter: { type: [signup, checkout_completed, page_view] }
pattern:
  within: 30m
  steps:
    - { name: signup, filter: { type: signup } }
    - { name: checkout, contiguity: notFollowedBy, filter: { type: checkout_completed } }
`;
  const NOW = Date.UTC(2026, 0, 5, 12);

  test("a signup and a checkout stamped 41 and 40 minutes ago, arriving after newer events, go to the late output and fire nothing", () => {
    const engine = createPartitionEngine({ ruleSet: ruleSetOf(funnel) });
    // Newer events of the same user moved the watermark first.
    const live = engine.process([ev("v1", NOW - 5 * MIN, "page_view", "u1"), ev("v2", NOW, "page_view", "u1")]);
    expect(live.alerts).toEqual([]);
    const resent = engine.process([ev("s-old", NOW - 41 * MIN, "signup", "u1"), ev("c-old", NOW - 40 * MIN, "checkout_completed", "u1")]);
    expect(brief(resent)).toEqual({ windows: [], alerts: [], late: ["s-old", "c-old"] });
    expect(resent.late[0]).toMatchObject({ rule_id: "funnel.signup-without-checkout", group_key: '["shop","u1"]', watermark: NOW, missed: [] });
    // Time goes on past any 30 minutes: still nothing fires, and the key holds no state.
    expect(engine.process([ev("v3", NOW + 60 * MIN, "page_view", "u1")]).alerts).toEqual([]);
    expect(engine.stats().keys).toEqual({ "funnel.signup-without-checkout": 0 });
  });

  test("an event as late as the out-of-orderness bound allows is still taken", () => {
    const engine = createPartitionEngine({ ruleSet: ruleSetOf(funnel), outOfOrdernessMs: 2 * MIN });
    engine.process([ev("v2", NOW, "page_view", "u1")]);
    const out = engine.process([ev("s1", NOW - 2 * MIN, "signup", "u1"), ev("v4", NOW + 40 * MIN, "page_view", "u1")]);
    expect(brief(out)).toEqual({ windows: [], alerts: [`funnel.signup-without-checkout u1 @${NOW + 28 * MIN}`], late: [] });
  });
});

test("events reach the rules whose filter can take their type, in rule order, and a rule added later is indexed too", () => {
  const views = `${head("views")}filter: { type: view }\nwindow: { type: tumbling, size: 1m, threshold: { gt: 0 } }\n`;
  const notViews = `${head("others")}filter: { not: { type: view } }\nwindow: { type: tumbling, size: 1m, threshold: { gt: 0 } }\n`;
  const both = (...rules: string[]) => `rules:\n${rules.map((r) => `  - ${r.trimEnd().replaceAll("\n", "\n    ")}`).join("\n")}\n`;
  const engine = createPartitionEngine({ ruleSet: ruleSetOf(both(notViews, counts("1m", "{ gt: 0 }"))) });
  engine.process([ev("1", 0, "view", "u1"), ev("2", 1_000, "fail", "u1")]);
  engine.setRules(ruleSetOf(both(notViews, counts("1m", "{ gt: 0 }"), views), "v2"));
  const out = engine.process([ev("3", 2_000, "view", "u1"), ev("4", MIN, "login", "u2")]);
  expect(brief(out).windows).toEqual([
    'others|["shop","u1"]|0 rev1 {"value":1,"events":1}',
    'fails|["shop","u1"]|0 rev1 {"value":1,"events":1}',
    'views|["shop","u1"]|0 rev1 {"value":1,"events":1}',
  ]);
});
