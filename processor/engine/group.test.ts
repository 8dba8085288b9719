/** Group keys shared across rules, and the event types a filter can take (the engine's rule index). */
import { describe, expect, test } from "bun:test";
import type { Condition } from "../../schemas/condition/condition.ts";
import { eventTypesOf, groupKeyReader } from "./group.ts";
import { ev } from "./test-kit.ts";

describe("eventTypesOf", () => {
  const types = (c: Condition) => {
    const t = eventTypesOf(c);
    return t === null ? null : [...t].sort();
  };
  const app = { field: "app_id", op: "eq", value: "shop" } as const;

  test("type equalities and lists, under and / or", () => {
    expect(types({ field: "type", op: "eq", value: "buy" })).toEqual(["buy"]);
    expect(types({ and: [app, { field: "type", op: "in", value: ["view", "search"] }] })).toEqual(["search", "view"]);
    expect(types({ or: [{ field: "type", op: "eq", value: "a" }, { field: "type", op: "in", value: ["b", "c"] }] })).toEqual(["a", "b", "c"]);
    // Both parts must hold: only what both allow.
    expect(types({ and: [{ field: "type", op: "in", value: ["a", "b"] }, { field: "type", op: "in", value: ["b", "c"] }] })).toEqual(["b"]);
    expect(types({ field: "type", op: "in", value: [1, "x"] })).toEqual(["x"]);
  });

  test("anything else may take any type", () => {
    expect(types(app)).toBeNull();
    expect(types({ not: { field: "type", op: "eq", value: "view" } })).toBeNull();
    expect(types({ field: "type", op: "ne", value: "view" })).toBeNull();
    expect(types({ field: "type", op: "regex", value: "^v" })).toBeNull();
    expect(types({ or: [{ field: "type", op: "eq", value: "a" }, app] })).toBeNull();
  });
});

describe("groupKeyReader", () => {
  test("rules grouping by one field share a reader, and one event's key is one string", () => {
    const a = groupKeyReader("user_id");
    expect(groupKeyReader("user_id")).toBe(a);
    const e = ev("1", 0, "view", "u1");
    expect(a(e)).toBe('["shop","u1"]');
    expect(a(e)).toBe(a(e));
  });

  test("an event changed since, or another event, gets its own key; a missing field none", () => {
    const read = groupKeyReader("props.who");
    const e = ev("1", 0, "view", "u1", { who: "x" });
    expect(read(e)).toBe('["shop","x"]');
    e.props.who = "y";
    expect(read(e)).toBe('["shop","y"]');
    e.app_id = "blog";
    expect(read(e)).toBe('["blog","y"]');
    const nested = ev("2", 0, "view", "u1", { who: { n: 1 } });
    expect(read(nested)).toBe('["shop",{"n":1}]');
    (nested.props.who as { n: number }).n = 2;
    expect(read(nested)).toBe('["shop",{"n":2}]');
    expect(read(ev("3", 0, "view", "u1"))).toBeNull();
  });
});
