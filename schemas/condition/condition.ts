/**
 * The condition language of CEP rules: a small AST that rule authors write in YAML, so conditions
 * stay data (storable, diffable, checkable) rather than code. `predicate.ts` turns it into a function.
 *
 * A comparison has a left side (a field of the current event, or an aggregate over the events an
 * earlier step already matched) and a right side (a constant, or such an aggregate); the aggregate
 * form is what makes a condition iterative. A comparison of two arithmetic expressions (`left`,
 * `right`) combines such aggregates with fields of the current event, e.g. "the loop's prices so
 * far plus this one stay under 5"; it is data too, evaluated without eval.
 */
import { z } from "zod";

export const compareOps = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "regex"] as const;
export type CompareOp = (typeof compareOps)[number];

export const aggregates = ["first", "last", "sum", "count", "min", "max", "avg"] as const;
export type Aggregate = (typeof aggregates)[number];

/** An aggregate over the events of the partial match that step `step` has taken so far. */
export interface Ref {
  step: string;
  /** Dotted path into the envelope, e.g. `props.amount`; not needed for `count`. */
  field?: string;
  agg: Aggregate;
}

export const arithmeticOps = ["add", "sub", "mul", "div"] as const;
export type ArithmeticOp = (typeof arithmeticOps)[number];
export const orderOps = ["eq", "ne", "gt", "gte", "lt", "lte"] as const;
export type OrderOp = (typeof orderOps)[number];

/** A number, a field of the current event, an aggregate of an earlier step, or arithmetic on two of them. */
export type Expr = number | { field: string } | { ref: Ref } | { op: ArithmeticOp; args: [Expr, Expr] };

export type Condition =
  | { left: Expr; op: OrderOp; right: Expr }
  | { field: string; op: CompareOp; value: unknown }
  | { field: string; op: CompareOp; ref: Ref }
  | { ref: Ref; op: CompareOp; value: unknown }
  | { field: string; op: "exists" }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition };

const path = z.string().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, "must be a dotted field path such as props.amount");

export const refSchema = z
  .object({
    step: z.string().min(1).describe("Name of an earlier (or the current looping) step"),
    field: path.optional().describe("Field of those events; omit for count"),
    agg: z.enum(aggregates).describe("How the step's events reduce to one value"),
  })
  .strict()
  .refine((r) => r.agg === "count" || r.field !== undefined, { message: "field is required unless agg is count" });

const op = z.enum(compareOps);

export const exprSchema: z.ZodType<Expr> = z.lazy(() =>
  z.union([
    z.number(),
    z.object({ field: path }).strict(),
    z.object({ ref: refSchema }).strict(),
    z.object({ op: z.enum(arithmeticOps), args: z.tuple([exprSchema, exprSchema]) }).strict(),
  ]),
) as z.ZodType<Expr>;

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ left: exprSchema, op: z.enum(orderOps), right: exprSchema }).strict(),
    z.object({ field: path, op, value: z.unknown() }).strict(),
    z.object({ field: path, op, ref: refSchema }).strict(),
    z.object({ ref: refSchema, op, value: z.unknown() }).strict(),
    z.object({ field: path, op: z.literal("exists") }).strict(),
    // `and` of nothing holds for every event: a step with no condition (Flink's pattern without where()).
    z.object({ and: z.array(conditionSchema) }).strict(),
    z.object({ or: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
  ]),
) as z.ZodType<Condition>;

/** Every `ref` in a condition, so the spec can check that each names a step that exists. */
export function refsOf(c: Condition): Ref[] {
  if ("and" in c) return c.and.flatMap(refsOf);
  if ("or" in c) return c.or.flatMap(refsOf);
  if ("not" in c) return refsOf(c.not);
  if ("left" in c) return [...exprRefs(c.left), ...exprRefs(c.right)];
  return "ref" in c ? [c.ref] : [];
}

function exprRefs(e: Expr): Ref[] {
  if (typeof e === "number" || "field" in e) return [];
  return "ref" in e ? [e.ref] : e.args.flatMap(exprRefs);
}

/** Problems a schema cannot see: a regex that does not compile, `in` without a list. */
export function conditionProblems(c: Condition): string[] {
  if ("and" in c) return c.and.flatMap(conditionProblems);
  if ("or" in c) return c.or.flatMap(conditionProblems);
  if ("not" in c) return conditionProblems(c.not);
  if ("left" in c) return [];
  if (c.op === "regex") {
    if (!("value" in c) || typeof c.value !== "string") return [`regex on ${subject(c)} needs a string value`];
    try {
      new RegExp(c.value);
    } catch (e) {
      return [`regex ${JSON.stringify(c.value)} does not compile: ${(e as Error).message}`];
    }
  }
  if (c.op === "in" && (!("value" in c) || !Array.isArray(c.value))) return [`in on ${subject(c)} needs a list value`];
  const hasValue = "value" in c && c.value !== undefined;
  const refOnRight = "field" in c && "ref" in c;
  if (c.op !== "exists" && !hasValue && !refOnRight) return [`${c.op} on ${subject(c)} needs a value`];
  return [];
}

const subject = (c: { field: string } | { ref: Ref }): string => ("field" in c ? c.field : `ref ${c.ref.step}`);
