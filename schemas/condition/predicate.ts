/**
 * Turns a condition AST into a predicate once, at compile time, so regexes are built once and the
 * per-event cost is a few property reads. A predicate sees the candidate event and, for iterative
 * conditions, the events the partial match has already taken per step.
 */
import type { Envelope } from "../envelope.ts";
import { refsOf, type Aggregate, type ArithmeticOp, type CompareOp, type Condition, type Expr, type Ref } from "./condition.ts";

/** What an iterative condition may look at: the partial match being extended, never later input. */
export interface MatchView {
  eventsOf(step: string): readonly Envelope[];
}

/**
 * `iterative` says the predicate reads the view: only then can two partial matches in the same NFA
 * state get different answers for one event, so the engine evaluates the others once per event.
 */
export type Predicate = ((event: Envelope, view: MatchView) => boolean) & { readonly iterative?: true };

const marked = (p: (e: Envelope, v: MatchView) => boolean, iterative: boolean | undefined): Predicate =>
  iterative ? Object.assign(p, { iterative: true as const }) : p;

export const always: Predicate = () => true;
export const negate = (p: Predicate): Predicate => marked((e, v) => !p(e, v), p.iterative);
export const both = (p: Predicate, q: Predicate): Predicate => marked((e, v) => p(e, v) && q(e, v), p.iterative || q.iterative);

export function compileCondition(c: Condition): Predicate {
  return marked(compileAny(c), refsOf(c).length > 0);
}

function compileAny(c: Condition): Predicate {
  if ("and" in c) {
    const parts = c.and.map(compileAny);
    return (e, v) => parts.every((p) => p(e, v));
  }
  if ("or" in c) {
    const parts = c.or.map(compileAny);
    return (e, v) => parts.some((p) => p(e, v));
  }
  if ("not" in c) return negate(compileAny(c.not));
  if ("left" in c) {
    const left = compileExpr(c.left);
    const right = compileExpr(c.right);
    const test = comparator(c.op, undefined);
    return (e, v) => test(left(e, v), right(e, v));
  }
  if (c.op === "exists") {
    const read = fieldReader(c.field);
    return (e) => read(e) !== undefined;
  }
  const left: (e: Envelope, v: MatchView) => unknown =
    "field" in c ? fieldReader(c.field) : refReader(c.ref);
  const right: (e: Envelope, v: MatchView) => unknown =
    "field" in c && "ref" in c ? refReader(c.ref) : constant("value" in c ? c.value : undefined);
  const test = comparator(c.op, "value" in c ? c.value : undefined);
  return (e, v) => test(left(e, v), right(e, v));
}

function fieldReader(path: string): (e: Envelope) => unknown {
  const parts = path.split(".");
  return (e) => valueAt(e, parts);
}

function refReader(ref: Ref): (e: Envelope, v: MatchView) => unknown {
  const read = ref.field === undefined ? null : fieldReader(ref.field);
  return (_e, v) => {
    const events = v.eventsOf(ref.step);
    return aggregate(ref.agg, read === null ? events : events.map(read));
  };
}

const constant = (value: unknown) => () => value;

/** Arithmetic on numbers only: anything else (a missing field, a string) makes the result undefined, and so the comparison false. */
function compileExpr(x: Expr): (e: Envelope, v: MatchView) => number | undefined {
  if (typeof x === "number") return () => x;
  const num = (u: unknown) => (typeof u === "number" && Number.isFinite(u) ? u : undefined);
  if ("field" in x) {
    const read = fieldReader(x.field);
    return (e) => num(read(e));
  }
  if ("ref" in x) {
    const read = refReader(x.ref);
    return (e, v) => num(read(e, v));
  }
  const [a, b] = x.args.map(compileExpr) as [ReturnType<typeof compileExpr>, ReturnType<typeof compileExpr>];
  const apply = arithmetic[x.op];
  return (e, v) => {
    const l = a(e, v);
    const r = l === undefined ? undefined : b(e, v);
    return r === undefined ? undefined : num(apply(l as number, r));
  };
}

/** Division by zero gives a non-finite number, which `num` turns into undefined. */
const arithmetic: Record<ArithmeticOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
};

/** Missing inputs give undefined (so comparisons are false), except sum and count, which are 0 over nothing. */
function aggregate(agg: Aggregate, values: readonly unknown[]): unknown {
  const numbers = values.filter((x): x is number => typeof x === "number");
  switch (agg) {
    case "first":
      return values[0];
    case "last":
      return values[values.length - 1];
    case "count":
      return values.filter((x) => x !== undefined).length;
    case "sum":
      return numbers.reduce((a, b) => a + b, 0);
    case "min":
      return numbers.length === 0 ? undefined : Math.min(...numbers);
    case "max":
      return numbers.length === 0 ? undefined : Math.max(...numbers);
    case "avg":
      return numbers.length === 0 ? undefined : numbers.reduce((a, b) => a + b, 0) / numbers.length;
  }
}

function comparator(op: CompareOp, literal: unknown): (a: unknown, b: unknown) => boolean {
  switch (op) {
    case "eq":
      return (a, b) => a !== undefined && same(a, b);
    case "ne":
      return (a, b) => a !== undefined && b !== undefined && !same(a, b);
    case "gt":
      return (a, b) => ordered(a, b, (x) => x > 0);
    case "gte":
      return (a, b) => ordered(a, b, (x) => x >= 0);
    case "lt":
      return (a, b) => ordered(a, b, (x) => x < 0);
    case "lte":
      return (a, b) => ordered(a, b, (x) => x <= 0);
    case "in":
      return (a, b) => Array.isArray(b) && b.some((x) => same(a, x));
    case "contains":
      return (a, b) =>
        (typeof a === "string" && typeof b === "string" && a.includes(b)) || (Array.isArray(a) && a.some((x) => same(x, b)));
    case "regex": {
      // The spec check guarantees a compilable string; built once here rather than per event.
      const re = new RegExp(String(literal));
      return (a) => typeof a === "string" && re.test(a);
    }
  }
}

/** Numbers with numbers, strings with strings; anything else (a missing field, mixed types) is not ordered. */
function ordered(a: unknown, b: unknown, accept: (cmp: number) => boolean): boolean {
  if (typeof a === "number" && typeof b === "number") return accept(a - b);
  if (typeof a === "string" && typeof b === "string") return accept(a < b ? -1 : a > b ? 1 : 0);
  return false;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** Reads a path such as `props.cart.total`, already split on dots, from an envelope. */
function valueAt(event: Envelope, parts: readonly string[]): unknown {
  let cur: unknown = event;
  for (const part of parts) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
