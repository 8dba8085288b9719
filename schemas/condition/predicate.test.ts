/** The condition language: each operator, the boolean connectives and references to earlier steps. */
import { describe, expect, test } from "bun:test";
import type { Envelope } from "../envelope.ts";
import { conditionSchema, type Condition } from "./condition.ts";
import { compileCondition, type MatchView } from "./predicate.ts";
import { ev } from "../../processor/cep/test-kit.ts";

const event = ev("pay1", 10, { amount: 25, tags: ["vip", "eu"], country: "DE", nested: { ok: true } }, { user_id: "u1" });
const earlier: Record<string, Envelope[]> = {
  a: [ev("a1", 1, { amount: 10 }, { user_id: "u1" }), ev("a2", 2, { amount: 30 }, { user_id: "u2" })],
};
const view: MatchView = { eventsOf: (step) => earlier[step] ?? [] };
const holds = (c: Condition) => compileCondition(conditionSchema.parse(c))(event, view);

describe("comparisons with constants", () => {
  test.each<[Condition, boolean]>([
    [{ field: "props.amount", op: "eq", value: 25 }, true],
    [{ field: "props.amount", op: "ne", value: 25 }, false],
    [{ field: "props.amount", op: "gt", value: 24 }, true],
    [{ field: "props.amount", op: "gte", value: 25 }, true],
    [{ field: "props.amount", op: "lt", value: 25 }, false],
    [{ field: "props.amount", op: "lte", value: 25 }, true],
    [{ field: "props.amount", op: "gt", value: "24" }, false], // no coercion between types
    [{ field: "props.country", op: "in", value: ["DE", "FR"] }, true],
    [{ field: "props.tags", op: "contains", value: "vip" }, true],
    [{ field: "props.country", op: "contains", value: "E" }, true],
    [{ field: "props.country", op: "regex", value: "^D." }, true],
    [{ field: "props.nested.ok", op: "eq", value: true }, true],
    [{ field: "props.missing", op: "exists" }, false],
    [{ field: "props.missing", op: "ne", value: 1 }, false], // a missing field compares false, whatever the operator
    [{ field: "user_id", op: "exists" }, true],
  ])("%j is %p", (c, expected) => expect(holds(c)).toBe(expected));
});

describe("connectives", () => {
  const yes: Condition = { field: "type", op: "eq", value: "pay" };
  const no: Condition = { not: yes };
  test("and / or / not", () => {
    expect(holds({ and: [yes, yes] })).toBe(true);
    expect(holds({ and: [yes, no] })).toBe(false);
    expect(holds({ or: [no, yes] })).toBe(true);
    expect(holds({ not: { or: [no, no] } })).toBe(true);
  });
});

describe("references to earlier matched events", () => {
  test.each<[Condition, boolean]>([
    [{ field: "props.amount", op: "gt", ref: { step: "a", field: "props.amount", agg: "first" } }, true],
    [{ field: "props.amount", op: "gt", ref: { step: "a", field: "props.amount", agg: "last" } }, false],
    [{ field: "props.amount", op: "lt", ref: { step: "a", field: "props.amount", agg: "sum" } }, true],
    [{ field: "props.amount", op: "gt", ref: { step: "a", field: "props.amount", agg: "avg" } }, true],
    [{ field: "props.amount", op: "gt", ref: { step: "a", field: "props.amount", agg: "max" } }, false],
    [{ field: "props.amount", op: "gt", ref: { step: "a", field: "props.amount", agg: "min" } }, true],
    [{ field: "user_id", op: "eq", ref: { step: "a", field: "user_id", agg: "first" } }, true],
    [{ ref: { step: "a", agg: "count" }, op: "eq", value: 2 }, true],
    [{ ref: { step: "b", field: "props.amount", agg: "sum" }, op: "eq", value: 0 }, true], // nothing taken yet
    [{ field: "props.amount", op: "gt", ref: { step: "b", field: "props.amount", agg: "first" } }, false],
  ])("%j is %p", (c, expected) => expect(holds(c)).toBe(expected));
});

describe("schema", () => {
  test("rejects unknown operators, extra keys and a missing value", () => {
    expect(conditionSchema.safeParse({ field: "a", op: "like", value: 1 }).success).toBe(false);
    expect(conditionSchema.safeParse({ field: "a", op: "eq", value: 1, extra: 1 }).success).toBe(false);
    expect(conditionSchema.safeParse({ ref: { step: "a", agg: "sum" }, op: "eq", value: 1 }).success).toBe(false);
  });
});
