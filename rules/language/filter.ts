/**
 * The filter language: which events a rule (or a pattern step) looks at. A filter is a map whose
 * keys are field paths of the envelope (`type`, `user_id`, `props.amount`, ...) and whose values are
 * conditions; the keys `all`, `any` and `not` combine nested filters. Every entry of one map must
 * hold, so the common case reads like the event it selects:
 *
 *   filter: { type: checkout_completed, props.amount: { gte: 500 }, any: [{ source: http }, { source: ws }] }
 *
 * A value is shorthand for `eq` (a list is shorthand for `in`). Inside a pattern step an operand may
 * be `{ ref: { step, agg, field } }`: an aggregate over the events an earlier step matched, and
 * `expr` holds arithmetic comparisons over such aggregates and the event's fields (expression.ts).
 */
import { z } from "zod";
import { parseExpression } from "./expression.ts";
import { aggregates } from "../../schemas/condition/condition.ts";
import { pathProblem } from "../../schemas/condition/field-path.ts";

const COMBINATORS = new Set(["all", "any", "not", "expr"]);

export const fieldOps = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "regex", "exists"] as const;
export type FieldOp = (typeof fieldOps)[number];

const fieldPath = z.string().superRefine((p, ctx) => {
  const problem = pathProblem(p);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Scalar = z.infer<typeof scalarSchema>;

export const refSchema = z
  .object({
    step: z.string().min(1).describe("An earlier step of the same pattern (or the current step, for its earlier repetitions)"),
    agg: z.enum(aggregates).describe("How that step's events reduce to one value"),
    field: fieldPath.optional().describe("Field of those events; omit for count"),
  })
  .strict()
  .refine((r) => r.agg === "count" || r.field !== undefined, { message: "field is required unless agg is count", path: ["field"] });
export type RefOperand = { ref: z.infer<typeof refSchema> };

const refOperandSchema = z.object({ ref: refSchema }).strict().describe("Compare with an aggregate of an earlier pattern step");
const operand = z.union([scalarSchema, refOperandSchema]);

const regexSchema = z.string().superRefine((s, ctx) => {
  try {
    new RegExp(s);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: `regex does not compile: ${(e as Error).message}` });
  }
});

export const opsSchema = z
  .object({
    eq: operand,
    ne: operand,
    gt: operand,
    gte: operand,
    lt: operand,
    lte: operand,
    in: z.array(scalarSchema).min(1),
    contains: scalarSchema,
    regex: regexSchema,
    exists: z.boolean(),
  })
  .partial()
  .strict()
  .refine((o) => Object.keys(o).length > 0, { message: `needs at least one of ${fieldOps.join(", ")}` })
  .describe("Operators on one field; all of them must hold");
export type Ops = z.infer<typeof opsSchema>;

export const fieldConditionSchema = z
  .union([scalarSchema, z.array(scalarSchema).min(1), opsSchema])
  .describe("A value (eq), a list (in), or an object of operators");
export type FieldCondition = z.infer<typeof fieldConditionSchema>;

export interface Filter {
  all?: Filter[];
  any?: Filter[];
  not?: Filter;
  expr?: string | string[];
  [path: string]: FieldCondition | Filter[] | Filter | string | string[] | undefined;
}

/** The comparisons of a filter's `expr`, one or a list. */
export const exprsOf = (f: Filter): string[] => (f.expr === undefined ? [] : typeof f.expr === "string" ? [f.expr] : f.expr);

const exprText = z.string().superRefine((text, ctx) => {
  const parsed = parseExpression(text);
  if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
});

export const filterSchema: z.ZodType<Filter> = z.lazy(() =>
  z
    .object({
      all: z.array(filterSchema).min(1).optional().describe("Every filter must hold"),
      any: z.array(filterSchema).min(1).optional().describe("At least one filter must hold"),
      not: filterSchema.optional().describe("The filter must not hold"),
      expr: z
        .union([exprText, z.array(exprText).min(1)])
        .optional()
        .describe('Pattern steps: arithmetic comparisons, every one must hold, e.g. "sum(items, props.price) + props.price < 5"'),
    })
    .catchall(fieldConditionSchema)
    .superRefine((f, ctx) => {
      const keys = Object.keys(f);
      if (keys.length === 0) ctx.addIssue({ code: "custom", message: "an empty filter: give at least one field condition or all/any/not" });
      for (const key of keys) {
        if (COMBINATORS.has(key)) continue;
        const problem = pathProblem(key);
        if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem, params: { atKey: true } });
      }
    })
    .describe("Field conditions (keys are envelope paths such as type or props.amount) combined with all / any / not"),
) as unknown as z.ZodType<Filter>;

/** Field conditions of a filter, flattened with their paths, for checks that span a whole rule. */
export function* fieldEntries(f: Filter): Generator<[path: string, condition: FieldCondition]> {
  for (const [key, value] of Object.entries(f)) {
    if (value === undefined) continue;
    if (key === "all" || key === "any") for (const sub of value as Filter[]) yield* fieldEntries(sub);
    else if (key === "not") yield* fieldEntries(value as Filter);
    else if (key === "expr") continue;
    else yield [key, value as FieldCondition];
  }
}

export const isRefOperand = (v: unknown): v is RefOperand =>
  typeof v === "object" && v !== null && !Array.isArray(v) && "ref" in v;
