/**
 * A pattern rule's state in the engine: saved as a head plus one record per buffered event (so a
 * flush writes what changed), restored to identical results, and bounded per key and by the
 * process's budget, every eviction reported with rule and key and marked on the alerts it affects.
 */
import { describe, expect, test } from "bun:test";
import { createStateBudget } from "../cep/index.ts";
import { createPartitionEngine, type CepBounds } from "./index.ts";
import { ev, ruleSetOf } from "./test-kit.ts";

const rules = ruleSetOf(`
id: burst
app: shop
description: three views then a cart
severity: info
pattern:
  within: 1h
  skip: none
  steps:
    - name: views
      filter: { type: view }
      times: { min: 3 }
    - name: cart
      filter: { type: cart }
`);

const bounds = (maxPartialMatches: number, maxEvents: number, budgetBytes = 1e12): CepBounds => ({
  limits: { maxPartialMatches, maxEvents },
  budget: createStateBudget(budgetBytes),
});

const views = (user: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => ev(`${user}-v${from + i}`, 1_000 + from + i, "view", user));

const funnel = ruleSetOf(`
id: funnel
app: shop
description: signup then checkout
severity: info
pattern:
  within: 1h
  skip: none
  steps:
    - { name: signup, filter: { type: signup } }
    - { name: checkout, contiguity: followedBy, filter: { type: checkout } }
`);

describe("saved as a head, one record per buffered event and one per start group", () => {
  test("a flush writes the events added since the last one, not the key's whole history", () => {
    const engine = createPartitionEngine({ ruleSet: rules, cep: bounds(1_000, 1_000) });
    engine.process(views("u1", 5));
    const first = engine.flush();
    const eventRecords = (names: string[]) => names.filter((n) => n.startsWith("p:burst:v:"));
    expect(eventRecords([...first.put.keys()])).toHaveLength(5);
    expect(first.put.get('p:burst:k:["shop","u1"]')).toBeDefined();
    engine.process(views("u1", 2, 5));
    const second = engine.flush();
    expect(eventRecords([...second.put.keys()])).toEqual(['p:burst:v:5:["shop","u1"]', 'p:burst:v:6:["shop","u1"]']);
  });

  test("partial matches that only wait are not written again: a flush writes the new start groups and the head", () => {
    const engine = createPartitionEngine({ ruleSet: funnel, cep: bounds(1_000, 1_000) });
    engine.process(Array.from({ length: 50 }, (_, i) => ev(`s${i}`, 1_000 + i, "signup", "u1")));
    const first = [...engine.flush().put.keys()];
    expect(first.filter((n) => n.startsWith("p:funnel:s:"))).toHaveLength(50);
    // The rule has no filter: o1 is event 51 of u1, which every waiting match passes by.
    engine.process([ev("s50", 2_000, "signup", "u1"), ev("o1", 2_001, "other", "u1"), ev("s51", 2_002, "signup", "u1")]);
    const second = engine.flush();
    expect([...second.put.keys()].filter((n) => n.startsWith("p:funnel:")).toSorted()).toEqual([
      'p:funnel:k:["shop","u1"]',
      'p:funnel:s:50:["shop","u1"]',
      'p:funnel:s:52:["shop","u1"]',
      'p:funnel:v:50:["shop","u1"]',
      'p:funnel:v:52:["shop","u1"]',
    ]);
    // A checkout completes all 52: their groups and events go, and so does the key's head.
    const out = engine.process([ev("c1", 3_000, "checkout", "u1")]);
    expect(out.alerts).toHaveLength(52);
    const third = engine.flush();
    expect(third.put.size).toBe(1);
    expect(third.del.filter((n) => n.startsWith("p:funnel:s:"))).toHaveLength(52);
    expect(third.del).toContain('p:funnel:k:["shop","u1"]');
  });

  test("records saved before start groups (every partial match in the head, format 3) restore and are rewritten", () => {
    const input = [...views("u1", 8), ev("x1", 1_010, "other", "u1"), ...views("u1", 2, 20)];
    const first = createPartitionEngine({ ruleSet: rules, cep: bounds(1_000, 1_000) });
    first.process(input);
    const records = first.snapshot();
    // The same state as format 3 wrote it: the start groups folded into the head, in order.
    const headName = 'p:burst:k:["shop","u1"]';
    const head = JSON.parse(records[headName]!) as { format: number; partial: number[] };
    const grouped = Object.keys(records).filter((n) => n.startsWith("p:burst:s:")).map((n) => ({ seq: Number(n.split(":")[3]), m: JSON.parse(records[n]!) as number[] }));
    grouped.sort((a, b) => a.m[0]! - b.m[0]! || a.seq - b.seq);
    const partial = grouped.flatMap(({ seq, m }) => Array.from({ length: (m.length - 1) / 3 }, (_, i) => [m[1 + 3 * i]!, m[0]!, seq, m[2 + 3 * i]!, m[3 + 3 * i]!]).flat());
    const old: Record<string, string> = Object.fromEntries(Object.entries(records).filter(([n]) => !n.startsWith("p:burst:s:")));
    old[headName] = JSON.stringify({ ...head, format: 3, partial: [...partial, ...head.partial] });
    expect(grouped.length).toBeGreaterThan(1);

    const discarded: string[] = [];
    const resumed = createPartitionEngine({ ruleSet: rules, records: old, cep: bounds(1_000, 1_000), onDiscard: (_, why) => discarded.push(why) });
    expect(discarded).toEqual([]);
    const rewritten = resumed.flush();
    expect(JSON.parse(rewritten.put.get(headName)!).format).toBe(4);
    expect([...rewritten.put.keys()].filter((n) => n.startsWith("p:burst:s:")).toSorted()).toEqual(Object.keys(records).filter((n) => n.startsWith("p:burst:s:")).toSorted());
    const more = [ev("c1", 2_000, "cart", "u1")];
    expect(resumed.process(more).alerts.map((a) => a.alert.id)).toEqual(first.process(more).alerts.map((a) => a.alert.id));
  });

  test("events no match needs any more are deleted, and a key back at its start leaves no records", () => {
    const engine = createPartitionEngine({ ruleSet: rules, cep: bounds(1_000, 1_000) });
    engine.process([...views("u1", 3), ev("c1", 2_000, "cart", "u1")]);
    const written = [...engine.flush().put.keys()].filter((n) => n.includes('"u1"'));
    expect(written).toContain('p:burst:v:0:["shop","u1"]');
    // Past `within`, every partial match of u1 times out.
    engine.process([ev("late", 2_000 + 3_600_000, "other", "u2")]);
    const delta = engine.flush();
    expect(delta.del.filter((n) => n.includes('"u1"')).toSorted()).toEqual(written.toSorted());
  });

  test("restored from its flushed records after every batch, a run gives the alerts of an uninterrupted one", () => {
    // In event-time order: a pattern takes no event behind the watermark (issue 21).
    const input = [...views("u1", 4), ...views("u2", 3, 4), ev("c1", 2_000, "cart", "u1"), ...views("u1", 2, 1_010), ev("c2", 2_100, "cart", "u1"), ev("c3", 2_200, "cart", "u2")];
    const straight = createPartitionEngine({ ruleSet: rules, cep: bounds(1_000, 1_000) });
    const expected = input.flatMap((e) => straight.process([e]).alerts.map((a) => a.alert.id));
    expect(expected.length).toBeGreaterThan(5);

    const records: Record<string, string> = {};
    const got: string[] = [];
    for (const e of input) {
      const engine = createPartitionEngine({ ruleSet: rules, records: { ...records }, cep: bounds(1_000, 1_000) });
      got.push(...engine.process([e]).alerts.map((a) => a.alert.id));
      const delta = engine.flush();
      for (const name of delta.del) delete records[name];
      for (const [name, text] of delta.put) records[name] = text;
    }
    expect(got).toEqual(expected);
  });
});

describe("bounds", () => {
  test("a hot key is held to the partial-match bound; evictions name rule and key, and later alerts are marked", () => {
    const engine = createPartitionEngine({ ruleSet: rules, cep: bounds(20, 1_000) });
    const out = engine.process([...views("hot", 30), ev("cart", 1_100, "cart", "hot"), ...views("cold", 3, 150), ev("c", 1_200, "cart", "cold")]);
    expect(out.evicted).toBeGreaterThan(0);
    expect(new Set(out.evictions.map((e) => `${e.rule_id} ${e.key} ${e.cause}`))).toEqual(new Set(['burst ["shop","hot"] partial_matches']));
    expect(out.evictions.reduce((n, e) => n + e.count, 0)).toBe(out.evicted);
    const hot = out.alerts.filter((a) => a.alert.group_key === "hot");
    const cold = out.alerts.filter((a) => a.alert.group_key === "cold");
    expect(hot.length).toBeGreaterThan(0);
    expect(hot.every((a) => a.alert.partial_matches_evicted === true)).toBe(true);
    expect(cold).toHaveLength(1);
    expect(cold[0]?.alert.partial_matches_evicted).toBeUndefined();
  });

  test("the per-key event bound evicts the oldest partial matches until the buffer fits", () => {
    const engine = createPartitionEngine({ ruleSet: rules, cep: bounds(1_000_000, 10) });
    const out = engine.process(views("hot", 40));
    expect(out.evictions.map((e) => e.cause)).toContain("events");
    const saved = engine.flush();
    expect([...saved.put.keys()].filter((n) => n.startsWith("p:burst:v:")).length).toBeLessThanOrEqual(10);
  });

  test("the process's budget holds across engines: the key that grows gives up its oldest partial matches", () => {
    const budget = createStateBudget(20_000);
    const cep: CepBounds = { limits: { maxPartialMatches: 1_000_000, maxEvents: 1_000_000 }, budget };
    const a = createPartitionEngine({ ruleSet: rules, cep });
    const b = createPartitionEngine({ ruleSet: rules, cep });
    a.process(views("one", 20));
    const out = b.process(views("two", 60));
    expect(out.evictions.map((e) => e.cause)).toContain("budget");
    expect(budget.usedBytes()).toBeLessThanOrEqual(20_000);
  });
});
