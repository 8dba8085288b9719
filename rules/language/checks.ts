/**
 * Checks that span several fields of one rule, which the schema cannot state field by field:
 * pattern steps that refer to each other, where contiguity may appear, absence needing `within`,
 * and that `ref` operands (comparisons with earlier matched events) appear only in pattern steps.
 * Each problem carries the path of the field to blame, so its position can be reported.
 */
import { parseExpression } from "./expression.ts";
import { exprsOf, isRefOperand, type Filter } from "./filter.ts";
import type { Rule } from "./rule.ts";
import type { PathIssue } from "./issues.ts";

const negations = new Set(["notNext", "notFollowedBy"]);

export function ruleProblems(rule: Rule): PathIssue[] {
  const problems: PathIssue[] = [];
  const at = (path: (string | number)[], message: string, atKey = false) => problems.push({ path, message, atKey });

  if (rule.filter) for (const path of refPaths(rule.filter)) at(["filter", ...path], "ref operands compare with earlier pattern steps, so they are only allowed in pattern steps");

  const pattern = rule.pattern;
  if (!pattern) return problems;
  const names = new Map<string, number>();
  pattern.steps.forEach((step, i) => {
    const here = ["pattern", "steps", i];
    if (names.has(step.name)) at([...here, "name"], `duplicate step name "${step.name}" (also step ${names.get(step.name)})`);
    if (i === 0 && step.contiguity !== undefined) at([...here, "contiguity"], "the first step has no contiguity: nothing comes before it", true);
    const negation = negations.has(step.contiguity ?? "");
    if (i === 0 && step.optional) at([...here, "optional"], "the first step cannot be optional", true);
    if (negation && (step.times !== undefined || step.optional || step.greedy))
      at([...here, "contiguity"], `a ${step.contiguity} step cannot also be repeated, optional or greedy`);
    if (negation && i === pattern.steps.length - 1 && step.contiguity === "notNext")
      at([...here, "contiguity"], "a pattern cannot end with notNext; to detect absence end with notFollowedBy and set within");
    if (step.contiguity === "notFollowedBy" && i === pattern.steps.length - 1 && pattern.within === undefined && step.within === undefined)
      at(["pattern"], `the trailing notFollowedBy step "${step.name}" needs within: absence is only certain once the time is up`);
    if (step.within !== undefined && (i === 0 || step.times !== undefined))
      at([...here, "within"], "a step's within is measured from the previous step's event, so the first step and repeated steps cannot have one (use the pattern's within)", true);
    for (const [path, ref] of refsIn(step.filter ?? {})) {
      const target = names.get(ref) ?? (ref === step.name ? i : undefined);
      if (target === undefined) at([...here, "filter", ...path], `ref to step "${ref}", which is not this or an earlier step`);
      else if (negations.has(pattern.steps[target]?.contiguity ?? "")) at([...here, "filter", ...path], `ref to step "${ref}", which is a negation and matches no events`);
    }
    if (!names.has(step.name)) names.set(step.name, i);
  });
  const skip = pattern.skip;
  const skipStep = typeof skip === "object" ? ("to_first" in skip ? skip.to_first : skip.to_last) : undefined;
  if (skipStep !== undefined && !names.has(skipStep)) at(["pattern", "skip"], `skip names step "${skipStep}", which the pattern does not have`);
  return problems;
}

/** Paths (relative to the filter) of every ref operand, with the step it names. */
function refsIn(filter: Filter, base: (string | number)[] = []): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === "expr")
      exprsOf(filter).forEach((text, i) => {
        const parsed = parseExpression(text);
        const at = typeof filter.expr === "string" ? [...base, key] : [...base, key, i];
        if (parsed.ok) for (const ref of parsed.refs) out.push([at, ref.step]);
      });
    else if (key === "all" || key === "any") (value as Filter[]).forEach((f, i) => out.push(...refsIn(f, [...base, key, i])));
    else if (key === "not") out.push(...refsIn(value as Filter, [...base, key]));
    else if (typeof value === "object" && value !== null && !Array.isArray(value))
      for (const [op, operand] of Object.entries(value)) if (isRefOperand(operand)) out.push([[...base, key, op], operand.ref.step]);
  }
  return out;
}

const refPaths = (filter: Filter) => refsIn(filter).map(([path]) => path);
