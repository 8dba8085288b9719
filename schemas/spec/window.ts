/**
 * WindowSpec: one window rule as data, with the zod schema that checks it. Field names follow
 * PatternSpec's and the rules' conventions (snake_case, *_ms durations, the rule id as `id`). Only
 * event-time settings live here; processing-time ones (the idle timeout) are operator options.
 */
import { z } from "zod";
import { aggregateSpecSchema } from "./aggregate.ts";
import { fieldPathSchema } from "../condition/field-path.ts";

const ms = z.number().int().positive();

const common = {
  id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^|]+$/, "must not contain |, which separates the parts of a result id")
    .describe("Rule id; first part of every result id"),
  group_by: z
    .array(fieldPathSchema)
    .max(16)
    .default([])
    .describe("Fields whose values together form the group key, e.g. [app_id, props.country]; [] for one group"),
  aggregates: z.array(aggregateSpecSchema).min(1).max(64).describe("What each window computes, by name"),
  allowed_lateness_ms: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe("How long after a window closes (in event time) late events still update it and re-emit it"),
  out_of_orderness_ms: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe("How far behind the latest event time of its partition an event may arrive and still be on time"),
  trigger: z
    .enum(["close", "update"])
    .default("close")
    .describe("close: emit a window when the watermark passes its end; update: also emit on every event that changes it"),
};

export const windowSpecSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("tumbling"), size_ms: ms.describe("Window length"), ...common }).strict(),
    z
      .object({
        kind: z.literal("hopping"),
        size_ms: ms.describe("Window length"),
        slide_ms: ms.describe("Distance between window starts; at most size_ms"),
        ...common,
      })
      .strict(),
    z.object({ kind: z.literal("session"), gap_ms: ms.describe("Inactivity (in event time) that ends a session"), ...common }).strict(),
  ])
  .superRefine((spec, ctx) => {
    if (spec.kind === "hopping" && spec.slide_ms > spec.size_ms)
      ctx.addIssue({ code: "custom", path: ["slide_ms"], message: "must not exceed size_ms: events between windows would belong to none" });
    const names = new Set<string>();
    spec.aggregates.forEach((a, i) => {
      if (names.has(a.name)) ctx.addIssue({ code: "custom", path: ["aggregates", i, "name"], message: `duplicate aggregate name ${a.name}` });
      names.add(a.name);
    });
    if (new Set(spec.group_by).size !== spec.group_by.length) ctx.addIssue({ code: "custom", path: ["group_by"], message: "lists a field twice" });
  });

export type WindowSpec = z.output<typeof windowSpecSchema>;
/** What a caller may write: defaults not yet applied. */
export type WindowSpecInput = z.input<typeof windowSpecSchema>;
export type WindowKind = WindowSpec["kind"];
