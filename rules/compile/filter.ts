/**
 * Rule filters -> the condition AST (schemas/condition/condition.ts). One condition
 * language serves rule filters, pattern steps and window filters, so the engines evaluate
 * exactly what the author wrote, with one predicate compiler.
 */
import type { Condition } from "../../schemas/condition/condition.ts";
import { parseExpression } from "../language/expression.ts";
import { exprsOf, isRefOperand, type FieldCondition, type Filter, type Ops } from "../language/filter.ts";

/** An `expr` the schema has already parsed once; a failure here would be a bug, not an author's mistake. */
function comparison(text: string): Condition {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(`internal: a validated expr does not parse: ${parsed.message}`);
  return parsed.value;
}

export function compileFilter(filter: Filter): Condition {
  const parts: Condition[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    if (key === "all") parts.push(allOf((value as Filter[]).map(compileFilter)));
    else if (key === "any") parts.push({ or: (value as Filter[]).map(compileFilter) });
    else if (key === "not") parts.push({ not: compileFilter(value as Filter) });
    else if (key === "expr") parts.push(...exprsOf(filter).map(comparison));
    else parts.push(...fieldConditions(key, value as FieldCondition));
  }
  return allOf(parts);
}

/** `and` of one is the one: keeps compiled conditions (and their fingerprints) minimal. */
export const allOf = (parts: Condition[]): Condition => (parts.length === 1 ? (parts[0] as Condition) : { and: parts });

function fieldConditions(field: string, value: FieldCondition): Condition[] {
  if (Array.isArray(value)) return [{ field, op: "in", value }];
  if (typeof value !== "object" || value === null) return [{ field, op: "eq", value }];
  return Object.entries(value as Ops).map(([op, operand]): Condition => {
    if (op === "exists") return operand ? { field, op: "exists" } : { not: { field, op: "exists" } };
    const compareOp = op as Exclude<keyof Ops, "exists">;
    if (isRefOperand(operand)) {
      const { step, agg, field: refField } = operand.ref;
      return { field, op: compareOp, ref: refField === undefined ? { step, agg } : { step, agg, field: refField } };
    }
    return { field, op: compareOp, value: operand };
  });
}
