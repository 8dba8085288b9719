/** AggregateSpec: one named aggregate of a window rule, as data, with the zod schema that checks it. */
import { z } from "zod";
import { fieldPathSchema } from "../condition/field-path.ts";

const name = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be 1-64 of [A-Za-z0-9_], not starting with a digit")
  .describe("Key of this aggregate's value in every window result");
const field = fieldPathSchema.describe("The field aggregated, e.g. props.amount");

export const aggregateOps = ["count", "sum", "min", "max", "avg", "count_distinct", "percentile", "first", "last"] as const;
export type AggregateOp = (typeof aggregateOps)[number];

const numeric = (op: "sum" | "min" | "max" | "avg") => z.object({ name, op: z.literal(op), field }).strict();
const ordered = (op: "first" | "last") =>
  z.object({ name, op: z.literal(op), field: field.describe("Its value on the earliest (first) or latest (last) event by event time, ties by event_id") }).strict();

export const aggregateSpecSchema = z.discriminatedUnion("op", [
  z
    .object({
      name,
      op: z.literal("count"),
      field: field.optional().describe("Count only events where this field is present and not null; omit to count every event"),
    })
    .strict(),
  numeric("sum"),
  numeric("min"),
  numeric("max"),
  numeric("avg"),
  z
    .object({
      name,
      op: z.literal("count_distinct"),
      field,
      exact_limit: z.number().int().min(0).max(100_000).default(1000).describe("Up to this many distinct values the count is exact; beyond, a HyperLogLog estimates it"),
      precision: z.number().int().min(4).max(16).default(12).describe("HyperLogLog registers = 2^precision; standard error about 1.04/sqrt(2^precision)"),
    })
    .strict(),
  z
    .object({
      name,
      op: z.literal("percentile"),
      field,
      quantile: z.number().min(0).max(1).describe("e.g. 0.5 for the median, 0.99 for p99"),
      relative_accuracy: z.number().gt(0).lt(1).default(0.01).describe("The result is within this relative distance of a true value of that rank"),
      max_bins: z.number().int().min(16).max(10_000).default(2048).describe("Bound on sketch bins per sign; beyond it the lowest bins merge"),
    })
    .strict(),
  ordered("first"),
  ordered("last"),
]);

export type AggregateSpec = z.output<typeof aggregateSpecSchema>;
export type AggregateSpecInput = z.input<typeof aggregateSpecSchema>;
