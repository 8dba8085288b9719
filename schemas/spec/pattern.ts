/**
 * PatternSpec: a CEP rule as data (what authors write in YAML), with the zod schema that checks it.
 * The vocabulary is Flink CEP's (next, followedBy, times, greedy, skip strategies) so that its
 * documentation and test vectors carry over; cross-step rules that Flink enforces at compile time
 * are checked here, so `compile.ts` only ever sees a spec it can build.
 */
import { z } from "zod";
import { conditionProblems, conditionSchema, refsOf } from "../condition/condition.ts";

export const contiguities = ["begin", "next", "followedBy", "followedByAny", "notNext", "notFollowedBy"] as const;
export type Contiguity = (typeof contiguities)[number];
export const loopContiguities = ["next", "followedBy", "followedByAny"] as const;
export type LoopContiguity = (typeof loopContiguities)[number];

export const isNegation = (c: Contiguity): boolean => c === "notNext" || c === "notFollowedBy";

const stepName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be 1-64 of [A-Za-z0-9_.:-]");

export const stepSpecSchema = z
  .object({
    name: stepName.describe("Step name; a match reports its events under it"),
    contiguity: z
      .enum(contiguities)
      .default("begin")
      .describe("How this step relates to the previous one: next = strict, followedBy = skip till next, followedByAny = skip till any; notNext / notFollowedBy = negation. The first step is `begin`"),
    where: conditionSchema.describe("Condition an event must meet to be taken by this step"),
    quantifier: z
      .object({
        min: z.number().int().min(0).describe("0 makes the step optional: times(0, n) is an optional times(1, n), as in Flink"),
        max: z.number().int().min(1).optional().describe("Omit for no upper bound"),
      })
      .strict()
      .optional()
      .describe("times(n) = {min:n,max:n}; times(n,m) = {min:n,max:m}; timesOrMore(n) = {min:n}; oneOrMore = {min:1}. Omit for exactly once"),
    optional: z.boolean().default(false).describe("The step may be skipped entirely"),
    greedy: z.boolean().default(false).describe("A quantified step takes as many events as it can before the next step may start"),
    within_ms: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Flink's WithinType.PREVIOUS_AND_CURRENT: this step's event must come within within_ms of the previous matched event"),
    loop_contiguity: z
      .enum(loopContiguities)
      .default("followedBy")
      .describe("Contiguity between the repetitions of a quantified step: next = consecutive(), followedByAny = allowCombinations()"),
  })
  .strict();

export const skipSpecSchema = z.discriminatedUnion("strategy", [
  z.object({ strategy: z.literal("noSkip") }).strict(),
  z.object({ strategy: z.literal("skipToNext") }).strict(),
  z.object({ strategy: z.literal("skipPastLastEvent") }).strict(),
  z.object({ strategy: z.literal("skipToFirst"), step: stepName }).strict(),
  z.object({ strategy: z.literal("skipToLast"), step: stepName }).strict(),
]);

export const patternSpecSchema = z
  .object({
    id: z.string().min(1).max(128).describe("Pattern id; part of every match id"),
    steps: z.array(stepSpecSchema).min(1),
    within_ms: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("A partial match dies once event time reaches its first event's ts + within_ms"),
    skip: skipSpecSchema.default({ strategy: "noSkip" }).describe("After-match skip strategy"),
    max_partial_matches: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Per key, partial matches plus matches held by a skip strategy; beyond it the oldest partial matches are evicted and counted. The processor's own limit applies too; the lower one wins"),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const problem of structuralProblems(spec)) ctx.addIssue({ code: "custom", message: problem });
  });

export type StepSpec = z.output<typeof stepSpecSchema>;
export type SkipSpec = z.output<typeof skipSpecSchema>;
export type PatternSpec = z.output<typeof patternSpecSchema>;
/** What an author may write: defaults not yet applied. */
export type PatternSpecInput = z.input<typeof patternSpecSchema>;

export type PatternSpecResult = { ok: true; spec: PatternSpec } | { ok: false; error: string };

/** Checks an author's spec (from YAML or code); a bad spec is a result, not an exception, its problems in one line. */
export function parsePatternSpec(input: unknown): PatternSpecResult {
  const parsed = patternSpecSchema.safeParse(input);
  return parsed.success ? { ok: true, spec: parsed.data } : { ok: false, error: issuesMessage(parsed.error.issues) };
}

function issuesMessage(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

function structuralProblems(spec: PatternSpec): string[] {
  const problems: string[] = [];
  const { steps } = spec;
  const names = new Set<string>();
  steps.forEach((step, i) => {
    const at = `step ${i} (${step.name})`;
    if (names.has(step.name)) problems.push(`${at}: duplicate step name`);
    if (i === 0 && step.contiguity !== "begin") problems.push(`${at}: the first step must be begin`);
    if (i > 0 && step.contiguity === "begin") problems.push(`${at}: needs a contiguity other than begin`);
    const negation = isNegation(step.contiguity);
    if (negation && (step.quantifier || step.optional || step.greedy))
      problems.push(`${at}: a negation cannot be quantified, optional or greedy`);
    const prev = steps[i - 1];
    if (negation && prev && isNegation(prev.contiguity)) problems.push(`${at}: two negations in a row are not supported`);
    if (step.quantifier?.max !== undefined && step.quantifier.max < step.quantifier.min)
      problems.push(`${at}: quantifier max is below min`);
    if (step.quantifier?.min === 0 && step.quantifier.max === undefined)
      problems.push(`${at}: a quantifier with min 0 needs a max (zero or more is { min: 1 } with optional)`);
    if (step.greedy && !step.quantifier && !step.optional) problems.push(`${at}: greedy needs a quantifier or optional`);
    if (i === steps.length - 1 && step.contiguity === "notFollowedBy" && spec.within_ms === undefined && step.within_ms === undefined)
      problems.push(`${at}: a trailing notFollowedBy needs within_ms (of the pattern or of the step), or it could never fire`);
    if (step.within_ms !== undefined && (i === 0 || step.quantifier))
      problems.push(`${at}: within_ms on a step is measured from the previous step's event, so the first step and repeated steps cannot have it`);
    for (const ref of refsOf(step.where)) {
      const target = steps.findIndex((s) => s.name === ref.step);
      if (target < 0 || target > i || isNegation(steps[target]?.contiguity ?? "begin"))
        problems.push(`${at}: ref to ${ref.step}, which is not this or an earlier matching step`);
    }
    problems.push(...conditionProblems(step.where).map((p) => `${at}: ${p}`));
    names.add(step.name);
  });
  if (steps.every((s) => s.optional || s.quantifier?.min === 0 || isNegation(s.contiguity))) problems.push("every step is optional: the pattern would match nothing");
  const skip = spec.skip;
  if (skip.strategy === "skipToFirst" || skip.strategy === "skipToLast") {
    const target = steps.find((s) => s.name === skip.step);
    if (!target || isNegation(target.contiguity)) problems.push(`skip: ${skip.step} is not a matching step`);
  }
  return problems;
}
