/** What the window spec check refuses, and the defaults it applies. */
import { expect, test } from "bun:test";
import { windowSpecSchema, type WindowSpecInput } from "./window.ts";

const base: WindowSpecInput = { id: "r1", kind: "tumbling", size_ms: 60_000, aggregates: [{ name: "n", op: "count" }] };
const problem = (input: unknown): string => {
  const r = windowSpecSchema.safeParse(input);
  return r.success ? "" : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
};

test("defaults: no grouping, no lateness, no out-of-orderness, emit on close", () => {
  expect(windowSpecSchema.parse(base)).toEqual({ ...base, group_by: [], allowed_lateness_ms: 0, out_of_orderness_ms: 0, trigger: "close" } as never);
});

test("aggregate defaults are applied", () => {
  const spec = windowSpecSchema.parse({
    ...base,
    aggregates: [
      { name: "users", op: "count_distinct", field: "user_id" },
      { name: "p99", op: "percentile", field: "props.ms", quantile: 0.99 },
    ],
  });
  expect(spec.aggregates).toEqual([
    { name: "users", op: "count_distinct", field: "user_id", exact_limit: 1000, precision: 12 },
    { name: "p99", op: "percentile", field: "props.ms", quantile: 0.99, relative_accuracy: 0.01, max_bins: 2048 },
  ]);
});

test.each<[string, unknown, RegExp]>([
  ["hopping without slide", { ...base, kind: "hopping" }, /slide_ms/],
  ["slide above size", { ...base, kind: "hopping", slide_ms: 120_000 }, /slide_ms: must not exceed size_ms/],
  ["session without gap", { ...base, kind: "session" }, /gap_ms/],
  ["size on a session", { id: "r1", kind: "session", gap_ms: 5, size_ms: 5, aggregates: base.aggregates }, /size_ms/],
  ["zero size", { ...base, size_ms: 0 }, /size_ms/],
  ["negative lateness", { ...base, allowed_lateness_ms: -1 }, /allowed_lateness_ms/],
  ["a | in the id", { ...base, id: "a|b" }, /id: must not contain \|/],
  ["no aggregates", { ...base, aggregates: [] }, /aggregates/],
  ["sum without a field", { ...base, aggregates: [{ name: "s", op: "sum" }] }, /aggregates.0.field/],
  ["duplicate aggregate names", { ...base, aggregates: [{ name: "n", op: "count" }, { name: "n", op: "max", field: "ts" }] }, /duplicate aggregate name n/],
  ["a quantile above 1", { ...base, aggregates: [{ name: "p", op: "percentile", field: "props.x", quantile: 99 }] }, /quantile/],
  ["an unknown group field", { ...base, group_by: ["props.country", "contry"] }, /group_by.1: unknown field "contry"/],
  ["a group field twice", { ...base, group_by: ["user_id", "user_id"] }, /group_by: lists a field twice/],
  ["an unknown option", { ...base, filter: { type: "x" } }, /filter|Unrecognized/],
  ["an unknown trigger", { ...base, trigger: "always" }, /trigger/],
])("refuses %s", (_label, input, expected) => {
  expect(problem(input)).toMatch(expected);
});
