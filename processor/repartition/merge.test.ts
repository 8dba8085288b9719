import { describe, expect, test } from "bun:test";
import { createPartitionEngine } from "../engine/index.ts";
import { mergeDelta, type Records } from "../engine/records.ts";
import { ev, ruleSetOf } from "../engine/test-kit.ts";
import { restoreMerge, type Merge } from "./merge.ts";
import type { Forwarded } from "./wire.ts";

// One app unless a test says otherwise: a source's marker then reports that app's progress too, as stage 1's does for the apps of its batch.
const event = (source: number, offset: number, watermark: number, rule = "r", app = "shop"): Forwarded => ({ kind: "event", rule, source, offset: BigInt(offset), app, watermark, event: `{"n":"${source}/${offset}/${rule}"}` });
const marker = (source: number, watermark: number, apps: Record<string, number> = { shop: watermark }, idleApps: string[] = []): Forwarded => ({ kind: "marker", source, watermark, apps, idleApps });
const idle = (source: number, watermark: number | null = null): Forwarded => ({ kind: "idle", source, watermark, offset: null });
const released = (m: Merge) => m.release().map((f) => `${f.source}/${f.offset}/${f.rule}@${f.watermark}`);

describe("watermark", () => {
  test("is the minimum over all sources, and unknown until each has reported", () => {
    const m = restoreMerge(3);
    m.accept(marker(0, 100));
    m.accept(event(2, 7, 40));
    expect(m.watermark()).toBeNull();
    m.accept(marker(1, 70));
    expect(m.watermark()).toBe(40);
    // A re-sent, older marker (a replayed batch) never moves a source back.
    m.accept(marker(2, 10));
    expect(m.watermark()).toBe(40);
    m.accept(marker(2, 90));
    expect(m.watermark()).toBe(70);
  });

  test("a source beyond the configured count still holds it back once it reports", () => {
    const m = restoreMerge(1);
    m.accept(marker(0, 100));
    m.accept(marker(1, 20));
    expect(m.watermark()).toBe(20);
  });
});

describe("dedup", () => {
  test("a re-publication (offset at or below the source's mark for the rule) is dropped; other rules and sources are not", () => {
    const m = restoreMerge(2);
    expect(m.accept(event(0, 5, 10))).toBe("event");
    expect(m.accept(event(0, 5, 10, "q"))).toBe("event");
    expect(m.accept(event(0, 6, 11))).toBe("event");
    expect(m.accept(event(0, 5, 10))).toBe("duplicate");
    expect(m.accept(event(0, 6, 11))).toBe("duplicate");
    expect(m.accept(event(1, 5, 10))).toBe("event");
    expect(m.accept(marker(0, 3))).toBe("progress");
    expect(m.buffered()).toBe(4);
  });

  test("the marks survive a restore from the flushed records, so a replay after a crash is still dropped", () => {
    const m = restoreMerge(2);
    m.accept(event(0, 5, 10));
    m.accept(event(1, 9, 12));
    const saved: Records = Object.fromEntries(m.flush().put);
    const again = restoreMerge(2, saved);
    expect(again.accept(event(0, 5, 10))).toBe("duplicate");
    expect(again.accept(event(1, 9, 12))).toBe("duplicate");
    expect(again.accept(event(1, 10, 12))).toBe("event");
    expect(again.buffered()).toBe(3);
  });
});

describe("release", () => {
  test("events go on in (watermark, source, offset) order once no source can precede them", () => {
    const m = restoreMerge(2);
    m.accept(event(0, 1, 10));
    m.accept(event(0, 2, 30));
    m.accept(event(1, 1, 20));
    // Source 1 reported 20, source 0 30: 0/1@10 then 1/1@20 sort before anything either can still
    // send; 0/2@30 waits for source 1 to pass 30.
    expect(released(m)).toEqual(["0/1/r@10", "1/1/r@20"]);
    expect(released(m)).toEqual([]);
    m.accept(marker(1, 30));
    // Equal watermarks: source 1 (higher number) cannot precede source 0's event at 30.
    expect(released(m)).toEqual(["0/2/r@30"]);
    m.accept(event(1, 2, 30));
    // Source 1's own event at 30 must wait: source 0 may still send another at 30.
    expect(released(m)).toEqual([]);
    m.accept(marker(0, 31));
    expect(released(m)).toEqual(["1/2/r@30"]);
    expect(m.buffered()).toBe(0);
  });

  test("the order does not depend on how the sources' records interleave", () => {
    const a = [event(0, 1, 5), event(0, 2, 5, "q"), event(0, 3, 8), marker(0, 8), event(0, 4, 15), marker(0, 15)];
    const b = [event(1, 1, 5), event(1, 2, 7), marker(1, 7), event(1, 3, 9), marker(1, 20)];
    const run = (order: Forwarded[]) => {
      const m = restoreMerge(2);
      const out: string[] = [];
      for (const r of order) {
        m.accept(r);
        out.push(...released(m));
      }
      return out;
    };
    const expected = ["0/1/r@5", "0/2/q@5", "1/1/r@5", "1/2/r@7", "0/3/r@8", "1/3/r@9", "0/4/r@15"];
    expect(run([...a, ...b])).toEqual(expected);
    expect(run([...b, ...a])).toEqual(expected);
    expect(run([a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!, a[3]!, b[3]!, a[4]!, b[4]!, a[5]!])).toEqual(expected);
  });

  test("waiting events are saved and come back in order after a restore; released ones are deleted", () => {
    const m = restoreMerge(2);
    m.accept(event(0, 1, 10));
    m.accept(event(0, 2, 20));
    m.accept(marker(1, 15));
    let saved: Records = {};
    const save = () => {
      const d = m.flush();
      for (const n of d.del) delete saved[n];
      saved = { ...saved, ...Object.fromEntries(d.put) };
    };
    expect(released(m)).toEqual(["0/1/r@10"]);
    save();
    expect(Object.keys(saved).filter((n) => n.startsWith("m:b:"))).toEqual(["m:b:0:2:r"]);
    const again = restoreMerge(2, saved);
    expect(again.buffered()).toBe(1);
    again.accept(marker(1, 25));
    expect(released(again)).toEqual(["0/2/r@20"]);
    expect(again.flush().del).toEqual(["m:b:0:2:r"]);
  });
});

describe("idleness", () => {
  test("a source idle from the start (never reported) holds back neither the watermark nor the release", () => {
    const m = restoreMerge(2);
    m.accept(event(0, 1, 10));
    m.accept(marker(0, 10));
    expect(m.watermark()).toBeNull();
    expect(released(m)).toEqual([]);
    expect(m.accept(idle(1))).toBe("progress");
    expect(m.watermark()).toBe(10);
    expect(released(m)).toEqual(["0/1/r@10"]);
  });

  test("a source going idle mid-stream stops holding back; its next record makes it active again", () => {
    const m = restoreMerge(2);
    m.accept(event(0, 1, 10));
    m.accept(event(1, 1, 20));
    m.accept(event(0, 2, 50));
    expect(released(m)).toEqual(["0/1/r@10", "1/1/r@20"]);
    expect(m.watermark()).toBe(20);
    // Source 1 idle at 20: source 0 alone decides.
    m.accept(idle(1, 20));
    expect(m.watermark()).toBe(50);
    expect(released(m)).toEqual(["0/2/r@50"]);
    // Back with a marker at 60: min(50, 60) again, and source 0's next event at 55 waits for nothing
    // (55 < 60) but one at 70 waits for source 1.
    m.accept(marker(1, 60));
    expect(m.watermark()).toBe(50);
    m.accept(event(0, 3, 55));
    m.accept(event(0, 4, 70));
    expect(released(m)).toEqual(["0/3/r@55"]);
    // Every source idle: the watermark is the highest reported, and nothing waits.
    m.accept(idle(1));
    m.accept(idle(0, 70));
    expect(m.watermark()).toBe(70);
    expect(released(m)).toEqual(["0/4/r@70"]);
  });

  test("an idle source coming back with an old event: released at once with its own watermark, and late for the engine", () => {
    const rules = ruleSetOf(`rules:
  - id: r
    app: "*"
    description: d
    severity: info
    group_by: app_id
    filter: { type: fail }
    window: { type: tumbling, size: 10s, threshold: { gt: 0 } }
`);
    const engine = createPartitionEngine({ ruleSet: rules });
    const m = restoreMerge(2);
    const body = (e: ReturnType<typeof ev>) => JSON.stringify(e);
    const take = () => {
      const out = m.release().map((f) => ({ event: JSON.parse(f.event), ruleId: f.rule, watermark: f.watermark }));
      return engine.processRouted(out, (app) => m.watermark(app));
    };
    m.accept(idle(1));
    m.accept({ kind: "event", rule: "r", source: 0, offset: 1n, app: "shop", watermark: 5_000, event: body(ev("a", 5_000, "fail", "u1")) });
    m.accept({ kind: "event", rule: "r", source: 0, offset: 2n, app: "shop", watermark: 25_000, event: body(ev("b", 25_000, "fail", "u1")) });
    const first = take();
    // Source 1 idle from the start: the 0-10s window closed on source 0's watermark alone.
    expect(first.windows.map((w) => w.id)).toEqual(['r|["shop"]|0']);
    // Source 1 wakes up with an event at 3s: behind the 25s already released, so late.
    m.accept({ kind: "event", rule: "r", source: 1, offset: 1n, app: "shop", watermark: 3_000, event: body(ev("c", 3_000, "fail", "u2")) });
    const again = take();
    expect(again.late.map((l) => l.event.event_id)).toEqual(["c"]);
    expect(m.buffered()).toBe(0);
  });

  test("idle flags survive a restore from the flushed records", () => {
    const m = restoreMerge(2);
    m.accept(marker(0, 40));
    m.accept(idle(1, 10));
    const saved: Records = Object.fromEntries(m.flush().put);
    const again = restoreMerge(2, saved);
    expect(again.watermark()).toBe(40);
    again.accept(marker(1, 15));
    expect(again.watermark()).toBe(15);
    const active: Records = Object.fromEntries(again.flush().put);
    expect(restoreMerge(2, { ...saved, ...active }).watermark()).toBe(15);
  });
});

describe("event time per app (issue 19 #7)", () => {
  const released = (m: Merge) => m.release().map((f) => `${f.app}:${f.source}/${f.offset}@${f.watermark}`);

  test("one app's progress far ahead moves no other app's watermark, and holds back none of its events", () => {
    const m = restoreMerge(2);
    // Shop a day ahead on both sources; bank's events at 10 and 20, and bank's progress at 30 and 25.
    m.accept(event(0, 1, 86_400_000, "r", "shop"));
    m.accept(event(0, 2, 10, "r", "bank"));
    m.accept(marker(0, 86_400_000, { shop: 86_400_000, bank: 30 }));
    m.accept(event(1, 1, 86_400_000, "r", "shop"));
    m.accept(event(1, 2, 20, "r", "bank"));
    m.accept(marker(1, 86_400_000, { shop: 86_400_000, bank: 25 }));
    expect(m.watermark("bank")).toBe(25);
    expect(m.watermark("shop")).toBe(86_400_000);
    expect(m.watermark()).toBe(86_400_000);
    // Bank's events go by bank's progress alone, though shop's first event of source 0 sorts
    // before them in the source's offsets (and shop's wait for nothing here: both sources passed them).
    expect(released(m)).toEqual(["bank:0/2@10", "bank:1/2@20", "shop:0/1@86400000"]);
    expect(m.buffered()).toBe(1);
  });

  test("a source that never sent an app holds it back by its progress over all apps until it does", () => {
    const m = restoreMerge(2);
    m.accept(event(0, 1, 50, "r", "bank"));
    m.accept(marker(1, 40, { shop: 40 }));
    // Source 1 never sent bank: it may still, at 40 or later.
    expect(m.watermark("bank")).toBe(40);
    expect(released(m)).toEqual([]);
    m.accept(marker(1, 60, { shop: 60 }));
    expect(released(m)).toEqual(["bank:0/1@50"]);
    // Once it sent bank, its bank clock is its own: shop's progress there no longer counts for bank.
    m.accept(event(1, 2, 55, "r", "bank"));
    m.accept(marker(1, 1_000, { shop: 1_000 }));
    m.accept(marker(0, 70, { bank: 70 }));
    expect(m.watermark("bank")).toBe(55);
  });

  test("an app a source declared idle holds nothing back there; its next event makes it active again", () => {
    const m = restoreMerge(2);
    m.accept(event(0, 1, 10, "r", "bank"));
    m.accept(marker(0, 10, { bank: 10 }));
    m.accept(event(1, 1, 100, "r", "bank"));
    m.accept(marker(1, 100, { bank: 100 }));
    expect(released(m)).toEqual(["bank:0/1@10"]);
    // Source 0 gets shop only from now on: bank stays at 10 there, holding bank's 100 back...
    m.accept(marker(0, 500, { shop: 500 }));
    expect(released(m)).toEqual([]);
    // ...until source 0 declares bank idle.
    m.accept(marker(0, 600, { shop: 600 }, ["bank"]));
    expect(m.watermark("bank")).toBe(100);
    expect(released(m)).toEqual(["bank:1/1@100"]);
    // Bank again on source 0: active, holding bank back from its own clock.
    m.accept(event(0, 2, 120, "r", "bank"));
    m.accept(event(1, 2, 130, "r", "bank"));
    expect(released(m)).toEqual(["bank:0/2@120"]);
    expect(m.watermark("bank")).toBe(120);
    // Every source skipped for bank: its highest own watermark, never shop's.
    m.accept(marker(0, 700, { shop: 700 }, ["bank"]));
    m.accept(marker(1, 800, { shop: 800 }, ["bank"]));
    expect(m.watermark("bank")).toBe(130);
  });

  test("the apps' marks, idle flags and waiting events survive a restore", () => {
    const m = restoreMerge(2);
    m.accept(event(0, 1, 10, "r", "bank"));
    m.accept(marker(0, 500, { shop: 500, bank: 10 }, ["old"]));
    m.accept(marker(1, 5, { bank: 5 }));
    expect(released(m)).toEqual([]);
    const again = restoreMerge(2, Object.fromEntries(m.flush().put));
    expect(again.watermark("bank")).toBe(5);
    // Source 1 never sent shop: its progress over all apps (5) holds shop back.
    expect(again.watermark("shop")).toBe(5);
    expect(again.watermark("old")).toBe(5);
    again.accept(marker(1, 20, { bank: 20 }));
    expect(released(again)).toEqual(["bank:0/1@10"]);
  });

  test("records saved before event time was per app: sources hold every app by their one watermark; a waiting event's app is its envelope's", () => {
    const saved: Records = {
      "m:s:0": JSON.stringify({ watermark: 30, idle: false, taken: { r: "4" } }),
      "m:s:1": JSON.stringify({ watermark: 12, idle: false, taken: {} }),
      "m:b:0:4:r": JSON.stringify({ w: 10, e: JSON.stringify(ev("x", 10, "fail", "u1")) }),
    };
    const m = restoreMerge(2, saved);
    expect(m.watermark("shop")).toBe(12);
    expect(m.release().map((f) => [f.app, f.offset])).toEqual([["shop", 4n]]);
  });
});
