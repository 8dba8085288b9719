import { describe, expect, test } from "bun:test";
import { ev } from "../engine/test-kit.ts";
import { restoreSeenIds, type SeenIdsOptions } from "./seen-ids.ts";

const at = (id: string, ts: number) => ({ event: ev(id, ts, "t", "u") });
const ids = (items: { event: { event_id: string } }[]) => items.map((i) => i.event.event_id);
const options: SeenIdsOptions = { horizonMs: 1_000, maxIds: 10, outOfOrdernessMs: 0 };

describe("seen event ids", () => {
  test("a resend within the horizon is skipped; one after the watermark passed ts + horizon is processed", () => {
    const seen = restoreSeenIds(options);
    // a@900 is within a@0's horizon; c@1500 evicts a (0 + 1000 < 1500) but not b (500 + 1000 = 1500);
    // a@1600 is new again, and evicts b, so b@1600 is new too.
    const out = seen.filter([at("a", 0), at("b", 500), at("a", 900), at("c", 1_500), at("a", 1_600), at("b", 1_600), at("c", 1_600)], null);
    expect(ids(out.fresh)).toEqual(["a", "b", "c", "a", "b"]);
    expect(out.duplicates).toBe(2);
    expect(out.evicted).toBe(0);
    expect(seen.size()).toBe(3);
    expect(seen.flush()).toEqual({ put: new Map(Object.entries({ "d:c": "1500", "d:a": "1600", "d:b": "1600" })), del: [] });
  });

  test("the watermark is the highest event time minus the out-of-orderness bound", () => {
    const late = restoreSeenIds({ ...options, outOfOrdernessMs: 500 });
    // b@1400 puts the watermark at 900: a (0 + 1000) is still remembered.
    expect(late.filter([at("a", 0), at("b", 1_400), at("a", 0)], null).duplicates).toBe(1);
    const strict = restoreSeenIds(options);
    expect(strict.filter([at("a", 0), at("b", 1_400), at("a", 0)], null).duplicates).toBe(0);
  });

  test("batch boundaries change nothing: the caller's watermark carries over", () => {
    const seen = restoreSeenIds(options);
    const first = seen.filter([at("a", 0), at("b", 500), at("a", 900)], null);
    expect(seen.flush()).toEqual({ put: new Map(Object.entries({ "d:a": "0", "d:b": "500" })), del: [] });
    const second = seen.filter([at("c", 1_500), at("a", 1_600), at("b", 1_600), at("c", 1_600)], 900);
    expect([...ids(first.fresh), ...ids(second.fresh)]).toEqual(["a", "b", "c", "a", "b"]);
    expect(first.duplicates + second.duplicates).toBe(2);
  });

  test("state restored from the records still knows the ids, and evicts them by event time", () => {
    const before = restoreSeenIds(options);
    before.filter([at("a", 0), at("b", 500)], null);
    const records = before.flush().put;
    const after = restoreSeenIds(options, { ...Object.fromEntries(records), e: "{}", "r:x": "{}" });
    expect(after.size()).toBe(2);
    const out = after.filter([at("b", 600), at("c", 1_200), at("a", 1_200), at("b", 1_200)], 500);
    // c@1200 evicts a (0 + 1000 < 1200), b stays (500 + 1000 >= 1200).
    expect(ids(out.fresh)).toEqual(["c", "a"]);
    expect(out.duplicates).toBe(2);
    expect(after.flush()).toEqual({ put: new Map(Object.entries({ "d:c": "1200", "d:a": "1200" })), del: [] });
    // Eviction without a re-add is a delete: at 2300 all three (b@500, a@1200, c@1200) are past, oldest first.
    after.filter([at("z", 2_300)], 1_200);
    expect(after.flush()).toEqual({ put: new Map(Object.entries({ "d:z": "2300" })), del: ["d:b", "d:a", "d:c"] });
  });

  test("beyond maxIds the oldest ids go, counted; a resend of one of them is processed", () => {
    const seen = restoreSeenIds({ ...options, maxIds: 2 });
    const out = seen.filter([at("x", 0), at("y", 1), at("z", 2), at("x", 3), at("z", 3)], null);
    // z evicts x; the resent x is new and evicts y; z is still known.
    expect(ids(out.fresh)).toEqual(["x", "y", "z", "x"]);
    expect(out.evicted).toBe(2);
    expect(out.duplicates).toBe(1);
    expect(seen.size()).toBe(2);
    expect(seen.flush()).toEqual({ put: new Map(Object.entries({ "d:z": "2", "d:x": "3" })), del: ["d:y"] });
  });

  test("an event already past the horizon is processed and not remembered", () => {
    const seen = restoreSeenIds(options);
    const out = seen.filter([at("a", 5_000), at("old", 100), at("old", 100)], null);
    expect(ids(out.fresh)).toEqual(["a", "old", "old"]);
    expect(seen.size()).toBe(1);
  });
});
