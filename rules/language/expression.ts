/**
 * Arithmetic conditions in pattern steps, written as one comparison in a string:
 *
 *   expr: "sum(items, props.price) + props.price < 5"
 *
 * Operands are numbers, fields of the current event (`props.price`, `ts`) and aggregates of the
 * events a step already matched (`sum(step, field)`, `count(step)`, also first, last, min, max,
 * avg); `+ - * /` and parentheses combine them; the comparison is one of `< <= > >= == !=`.
 * A small recursive-descent parser turns the text into the condition AST's `{ left, op, right }`
 * (schemas/condition/condition.ts): data, never evaluated as code. Errors say at which character.
 */
import { aggregates, type Expr, type OrderOp, type Ref } from "../../schemas/condition/condition.ts";
import { pathProblem } from "../../schemas/condition/field-path.ts";

export interface Comparison {
  left: Expr;
  op: OrderOp;
  right: Expr;
}

export type ParseResult = { ok: true; value: Comparison; refs: Ref[] } | { ok: false; message: string };

const COMPARE: Record<string, OrderOp> = { "<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "==": "eq", "!=": "ne" };
const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z0-9_$]+)*)|(<=|>=|==|!=|[-+*/(),<>]))/y;
const STEP = /\s*([A-Za-z0-9_.:-]{1,64})\s*/y;

class Problem extends Error {}

export function parseExpression(text: string): ParseResult {
  let pos = 0;
  const refs: Ref[] = [];
  const fail = (what: string, at = pos): never => {
    throw new Problem(`${what} at character ${at + 1} of "${text}"`);
  };
  const peek = (): { kind: "num" | "name" | "sym"; text: string; at: number; end: number } | null => {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) return null;
    const at = m.index + m[0].length - (m[1] ?? m[2] ?? m[3] ?? "").length;
    return { kind: m[1] !== undefined ? "num" : m[2] !== undefined ? "name" : "sym", text: m[1] ?? m[2] ?? m[3] ?? "", at, end: TOKEN.lastIndex };
  };
  const take = (sym?: string) => {
    const t = peek();
    if (!t || (sym !== undefined && t.text !== sym)) fail(sym ? `expected "${sym}"` : "unexpected end", t?.at ?? text.length);
    pos = (t as NonNullable<typeof t>).end;
    return t as NonNullable<typeof t>;
  };

  const primary = (): Expr => {
    const t = peek();
    if (!t) return fail("expected a number, a field or an aggregate such as sum(step, props.amount)", text.length);
    if (t.kind === "num") {
      pos = t.end;
      return Number(t.text);
    }
    if (t.text === "(") {
      pos = t.end;
      const inner = sum();
      take(")");
      return inner;
    }
    if (t.kind !== "name") return fail(`unexpected "${t.text}"`, t.at);
    pos = t.end;
    if (peek()?.text === "(") {
      if (!(aggregates as readonly string[]).includes(t.text)) fail(`unknown aggregate "${t.text}": expected one of ${aggregates.join(", ")}`, t.at);
      take("(");
      STEP.lastIndex = pos;
      const step = STEP.exec(text);
      if (!step?.[1]) fail("expected a step name");
      pos = STEP.lastIndex;
      let field: string | undefined;
      if (peek()?.text === ",") {
        take(",");
        const f = take();
        if (f.kind !== "name") fail("expected a field such as props.amount", f.at);
        const problem = pathProblem(f.text);
        if (problem) fail(problem, f.at);
        field = f.text;
      }
      take(")");
      if (t.text !== "count" && field === undefined) fail(`${t.text} needs a field: ${t.text}(step, props.amount)`, t.at);
      const ref: Ref = field === undefined ? { step: step![1] as string, agg: "count" } : { step: step![1] as string, agg: t.text as Ref["agg"], field };
      refs.push(ref);
      return { ref };
    }
    const problem = pathProblem(t.text);
    if (problem) fail(problem, t.at);
    return { field: t.text };
  };
  const unary = (): Expr => {
    if (peek()?.text === "-") {
      take("-");
      return { op: "sub", args: [0, unary()] };
    }
    return primary();
  };
  const chain = (next: () => Expr, ops: Record<string, "add" | "sub" | "mul" | "div">) => (): Expr => {
    let left = next();
    for (let t = peek(); t && t.text in ops; t = peek()) {
      pos = t.end;
      left = { op: ops[t.text] as "add", args: [left, next()] };
    }
    return left;
  };
  const product = chain(unary, { "*": "mul", "/": "div" });
  const sum = chain(product, { "+": "add", "-": "sub" });

  try {
    const left = sum();
    const t = peek();
    const op = t ? COMPARE[t.text] : undefined;
    if (!t || !op) return fail("expected a comparison: <, <=, >, >=, == or !=", t?.at ?? text.length);
    pos = t.end;
    const right = sum();
    if (text.slice(pos).trim() !== "") fail(`unexpected "${text.slice(pos).trim()}"`, pos + (text.slice(pos).length - text.slice(pos).trimStart().length));
    return { ok: true, value: { left, op, right }, refs };
  } catch (e) {
    if (e instanceof Problem) return { ok: false, message: e.message };
    throw e;
  }
}
