/** What the spec check refuses, with a message that says why, and what compiling accepts. */
import { describe, expect, test } from "bun:test";
import { compilePattern, type PatternSpecInput } from "../../processor/cep/index.ts";

const is = (t: string) => ({ field: "type", op: "eq", value: t }) as const;
const base: PatternSpecInput = {
  id: "p",
  steps: [
    { name: "a", where: is("a") },
    { name: "b", contiguity: "followedBy", where: is("b") },
  ],
};
const error = (spec: PatternSpecInput): string => {
  const r = compilePattern(spec);
  return r.ok ? "" : r.error;
};

describe("pattern spec", () => {
  test("a valid spec compiles, with defaults applied", () => {
    const r = compilePattern(base);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.spec.skip).toEqual({ strategy: "noSkip" });
      // No bound of its own: the processor's per-key limit applies.
      expect(r.spec.max_partial_matches).toBeUndefined();
      expect(r.nfa.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  test.each<[string, PatternSpecInput, RegExp]>([
    ["a later step without contiguity", { ...base, steps: [base.steps[0]!, { name: "b", where: is("b") }] }, /contiguity other than begin/],
    ["duplicate names", { ...base, steps: [base.steps[0]!, { ...base.steps[1]!, name: "a" }] }, /duplicate/],
    [
      "a trailing notFollowedBy without within",
      { ...base, steps: [base.steps[0]!, { name: "b", contiguity: "notFollowedBy", where: is("b") }] },
      /needs within_ms/,
    ],
    [
      "a window of its own on a repeated step",
      { ...base, steps: [base.steps[0]!, { ...base.steps[1]!, quantifier: { min: 1 }, within_ms: 5 }] },
      /repeated steps cannot have it/,
    ],
    [
      "a ref to a later step",
      { ...base, steps: [{ name: "a", where: { field: "ts", op: "gt", ref: { step: "b", field: "ts", agg: "first" } } }, base.steps[1]!] },
      /ref to b/,
    ],
    ["a regex that does not compile", { ...base, steps: [{ name: "a", where: { field: "type", op: "regex", value: "(" } }, base.steps[1]!] }, /does not compile/],
    ["skip to an unknown step", { ...base, skip: { strategy: "skipToLast", step: "zz" } }, /zz is not a matching step/],
    ["max below min", { ...base, steps: [{ ...base.steps[0]!, quantifier: { min: 3, max: 2 } }, base.steps[1]!] }, /max is below min/],
  ])("refuses %s", (_, spec, message) => expect(error(spec)).toMatch(message));

  test("a changed spec gets another fingerprint", () => {
    const a = compilePattern(base);
    const b = compilePattern({ ...base, within_ms: 1000 });
    expect(a.ok && b.ok && a.nfa.fingerprint !== b.nfa.fingerprint).toBe(true);
  });
});
