/**
 * A rule's pattern -> the CEP engine's PatternSpec (schemas/spec/pattern.ts). The rule format uses
 * readable names (times, consecutive, skip: past_last_event); the spec uses Flink's vocabulary.
 * The result is checked by the spec's own schema (schemas/spec/pattern.ts), the one the engine's
 * compiler checks too, so a rule that validates is one it can run; the processor builds the NFA
 * once per compiled rule (processor/cep/compile.ts, nfaFor).
 */
import { parsePatternSpec, type PatternSpecInput, type PatternSpecResult, type SkipSpec } from "../../schemas/spec/pattern.ts";
import type { PatternDef, StepDef } from "../language/rule.ts";
import { compileFilter } from "./filter.ts";

export function compilePatternDef(ruleId: string, pattern: PatternDef): PatternSpecResult {
  const input: PatternSpecInput = {
    id: ruleId,
    steps: pattern.steps.map((step, i) => stepSpec(step, i)),
    skip: skipSpec(pattern.skip),
    ...(pattern.within !== undefined && { within_ms: pattern.within }),
    ...(pattern.max_partial_matches !== undefined && { max_partial_matches: pattern.max_partial_matches }),
  };
  return parsePatternSpec(input);
}

function stepSpec(step: StepDef, i: number): PatternSpecInput["steps"][number] {
  const quantifier = step.times === undefined ? undefined : typeof step.times === "number" ? { min: step.times, max: step.times } : step.times;
  return {
    name: step.name,
    contiguity: i === 0 ? "begin" : (step.contiguity ?? "followedBy"),
    where: step.filter === undefined ? { and: [] } : compileFilter(step.filter),
    ...(quantifier && { quantifier }),
    ...(step.within !== undefined && { within_ms: step.within }),
    optional: step.optional,
    greedy: step.greedy,
    loop_contiguity: step.consecutive ? "next" : step.allow_combinations ? "followedByAny" : "followedBy",
  };
}

function skipSpec(skip: PatternDef["skip"]): SkipSpec {
  if (skip === "none") return { strategy: "noSkip" };
  if (skip === "next") return { strategy: "skipToNext" };
  if (skip === "past_last_event") return { strategy: "skipPastLastEvent" };
  return "to_first" in skip ? { strategy: "skipToFirst", step: skip.to_first } : { strategy: "skipToLast", step: skip.to_last };
}
