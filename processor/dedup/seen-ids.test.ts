import { describe, expect, test } from "bun:test";
import { ev } from "../engine/test-kit.ts";
import { restoreSeenIds, type SeenIdsOptions } from "./seen-ids.ts";

const at = (id: string, ts: number) => ({ event: ev(id, ts, "t", "u") });
const ids = (items: { event: { event_id: string } }[]) => items.map((i) => i.event.event_id);
const options: SeenIdsOptions = { horizonMs: 1_000, maxIds: 10, outOfOrdernessMs: 0 };
/** The partition's clocks before a batch: none yet, or shop's (ev's app). */
const none = new Map<string, number | null>();
const shop = (w: number) => new Map([["shop", w]]);
const rec = (ts: number, app = "shop") => JSON.stringify([ts, app]);

describe("seen event ids", () => {
  test("a resend within the horizon is skipped; one after the watermark passed ts + horizon is processed", () => {
    const seen = restoreSeenIds(options);
    // a@900 is within a@0's horizon; c@1500 evicts a (0 + 1000 < 1500) but not b (500 + 1000 = 1500);
    // a@1600 is new again, and evicts b, so b@1600 is new too.
    const out = seen.filter([at("a", 0), at("b", 500), at("a", 900), at("c", 1_500), at("a", 1_600), at("b", 1_600), at("c", 1_600)], none);
    expect(ids(out.fresh)).toEqual(["a", "b", "c", "a", "b"]);
    expect(out.duplicates).toBe(2);
    expect(out.evicted).toBe(0);
    expect(seen.size()).toBe(3);
    expect(seen.flush()).toEqual({ put: new Map(Object.entries({ "d:shop:c": rec(1500), "d:shop:a": rec(1600), "d:shop:b": rec(1600) })), del: [] });
  });

  test("the watermark is the highest event time minus the out-of-orderness bound", () => {
    const late = restoreSeenIds({ ...options, outOfOrdernessMs: 500 });
    // b@1400 puts the watermark at 900: a (0 + 1000) is still remembered.
    expect(late.filter([at("a", 0), at("b", 1_400), at("a", 0)], none).duplicates).toBe(1);
    const strict = restoreSeenIds(options);
    expect(strict.filter([at("a", 0), at("b", 1_400), at("a", 0)], none).duplicates).toBe(0);
  });

  test("batch boundaries change nothing: the caller's watermark carries over", () => {
    const seen = restoreSeenIds(options);
    const first = seen.filter([at("a", 0), at("b", 500), at("a", 900)], none);
    expect(seen.flush()).toEqual({ put: new Map(Object.entries({ "d:shop:a": rec(0), "d:shop:b": rec(500) })), del: [] });
    const second = seen.filter([at("c", 1_500), at("a", 1_600), at("b", 1_600), at("c", 1_600)], shop(900));
    expect([...ids(first.fresh), ...ids(second.fresh)]).toEqual(["a", "b", "c", "a", "b"]);
    expect(first.duplicates + second.duplicates).toBe(2);
  });

  test("state restored from the records still knows the ids, and evicts them by event time", () => {
    const before = restoreSeenIds(options);
    before.filter([at("a", 0), at("b", 500)], none);
    const records = before.flush().put;
    const after = restoreSeenIds(options, { ...Object.fromEntries(records), e: "{}", "r:x": "{}" });
    expect(after.size()).toBe(2);
    const out = after.filter([at("b", 600), at("c", 1_200), at("a", 1_200), at("b", 1_200)], shop(500));
    // c@1200 evicts a (0 + 1000 < 1200), b stays (500 + 1000 >= 1200).
    expect(ids(out.fresh)).toEqual(["c", "a"]);
    expect(out.duplicates).toBe(2);
    expect(after.flush()).toEqual({ put: new Map(Object.entries({ "d:shop:c": rec(1200), "d:shop:a": rec(1200) })), del: [] });
    // Eviction without a re-add is a delete: at 2300 all three (b@500, a@1200, c@1200) are past, oldest first.
    after.filter([at("z", 2_300)], shop(1_200));
    expect(after.flush()).toEqual({ put: new Map(Object.entries({ "d:shop:z": rec(2300) })), del: ["d:shop:b", "d:shop:a", "d:shop:c"] });
  });

  test("beyond maxIds the oldest ids go, counted; a resend of one of them is processed", () => {
    const seen = restoreSeenIds({ ...options, maxIds: 2 });
    const out = seen.filter([at("x", 0), at("y", 1), at("z", 2), at("x", 3), at("z", 3)], none);
    // z evicts x; the resent x is new and evicts y; z is still known.
    expect(ids(out.fresh)).toEqual(["x", "y", "z", "x"]);
    expect(out.evicted).toBe(2);
    expect(out.duplicates).toBe(1);
    expect(seen.size()).toBe(2);
    expect(seen.flush()).toEqual({ put: new Map(Object.entries({ "d:shop:z": rec(2), "d:shop:x": rec(3) })), del: ["d:shop:y"] });
  });

  test("an event already past the horizon is processed and not remembered", () => {
    const seen = restoreSeenIds(options);
    const out = seen.filter([at("a", 5_000), at("old", 100), at("old", 100)], none);
    expect(ids(out.fresh)).toEqual(["a", "old", "old"]);
    expect(seen.size()).toBe(1);
  });

  test("each app's ids go by that app's clock: another app's events far ahead evict none of them", () => {
    const seen = restoreSeenIds(options);
    const bank = (id: string, ts: number) => ({ event: { ...ev(id, ts, "t", "u"), app_id: "bank" } });
    // shop@1e9 would have put a single clock far past b@0 + 1000; bank's own clock is still at 0.
    const out = seen.filter([bank("b", 0), at("s", 1e9), bank("b", 0), bank("c", 500)], none);
    expect(ids(out.fresh)).toEqual(["b", "s", "c"]);
    expect(out.duplicates).toBe(1);
    // Bank's own progress evicts b (0 + 1000 < 1200) and keeps c (500 + 1000 >= 1200).
    const later = seen.filter([bank("d", 1_200), bank("b", 0), bank("c", 500)], new Map([["shop", 1e9], ["bank", 500]]));
    expect(ids(later.fresh)).toEqual(["d", "b"]);
  });

  test("ids saved with no app (before event time was per app) go by the highest app clock, as then", () => {
    const seen = restoreSeenIds(options, { "d:old": "0", "d:new": rec(0) });
    expect(seen.size()).toBe(2);
    const bank = (id: string, ts: number) => ({ event: { ...ev(id, ts, "t", "u"), app_id: "bank" } });
    const out = seen.filter([bank("x", 5_000), at("old", 0), at("new", 0)], none);
    // Bank's clock at 5000 evicts the app-less id, not shop's.
    expect(ids(out.fresh)).toEqual(["x", "old"]);
  });

  test("an id is the app's own: another app's event of the same id counts, each app's resend is skipped (issue 19)", () => {
    const seen = restoreSeenIds(options);
    const bank = (id: string, ts: number) => ({ event: { ...ev(id, ts, "t", "u"), app_id: "bank" } });
    const out = seen.filter([at("x", 0), bank("x", 0), at("x", 0), bank("x", 0)], none);
    expect(out.fresh.map((i) => i.event.app_id)).toEqual(["shop", "bank"]);
    expect(out.duplicates).toBe(2);
    expect(seen.flush()).toEqual({ put: new Map(Object.entries({ "d:shop:x": rec(0), "d:bank:x": rec(0, "bank") })), del: [] });
  });

  test("ids saved before they were per app: one with its app is that app's only; one with no app matches every app until it expires", () => {
    const seen = restoreSeenIds(options, { "d:mine": rec(0), "d:anyone": "0" });
    const bank = (id: string, ts: number) => ({ event: { ...ev(id, ts, "t", "u"), app_id: "bank" } });
    const out = seen.filter([bank("mine", 0), at("mine", 0), bank("anyone", 0), at("anyone", 0)], none);
    expect(out.fresh.map((i) => `${i.event.app_id}:${i.event.event_id}`)).toEqual(["bank:mine"]);
    seen.flush();
    // Past the horizon all three are deleted, the old ones under the names they were saved as.
    seen.filter([at("z", 2_000), bank("z", 2_000)], new Map([["shop", 0], ["bank", 0]]));
    expect(seen.flush().del.sort()).toEqual(["d:anyone", "d:bank:mine", "d:mine"]);
  });
});
