/**
 * The rule format: one zod schema that parses rule files, fills defaults, produces the JSON Schema
 * (rules/rule.schema.json) and documents every field. A rule watches the events of one app (or
 * all, "*"), keeps those its filter selects, groups them by a field, and raises an alert when
 * EITHER a window aggregate crosses a threshold OR a pattern of events matches.
 */
import { z } from "zod";
import { severities } from "../../schemas/alert.ts";
import { APP_ID } from "../../schemas/envelope.ts";
import { durationSchema } from "./duration.ts";
import { pathProblem } from "../../schemas/condition/field-path.ts";
import { filterSchema } from "./filter.ts";
import { templateProblem } from "./template.ts";

export const RULE_ID = /^[a-z0-9][a-z0-9_.-]{0,127}$/;
const STEP_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

const fieldPath = z.string().superRefine((p, ctx) => {
  const problem = pathProblem(p);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const thresholdSchema = z
  .object({ gt: z.number(), gte: z.number(), lt: z.number(), lte: z.number(), eq: z.number(), ne: z.number() })
  .partial()
  .strict()
  .refine((t) => Object.keys(t).length === 1, { message: "needs exactly one of gt, gte, lt, lte, eq, ne" })
  .describe("When a window's aggregate raises an alert, e.g. { gt: 3 }");
export type Threshold = z.infer<typeof thresholdSchema>;

export const windowAggregates = ["count", "sum", "avg", "min", "max", "count_distinct"] as const;

const windowCommon = {
  aggregate: z.enum(windowAggregates).default("count").describe("What is computed over each window's events"),
  field: fieldPath.optional().describe("The field aggregated; required unless aggregate is count"),
  threshold: thresholdSchema,
  allowed_lateness: z
    .union([z.literal(0), durationSchema])
    .default(0)
    .describe("How long after a window's end (in event time) late events still update it"),
};

export const windowSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("tumbling"), size: durationSchema.describe("Window length"), ...windowCommon }).strict(),
    z
      .object({
        type: z.literal("hopping"),
        size: durationSchema.describe("Window length"),
        hop: durationSchema.describe("How far each window starts after the previous one"),
        ...windowCommon,
      })
      .strict(),
    z.object({ type: z.literal("session"), gap: durationSchema.describe("Inactivity that closes a session"), ...windowCommon }).strict(),
  ])
  .superRefine((w, ctx) => {
    // zod runs this even when a field failed; only judge durations that parsed.
    const durationsOk = w.type !== "hopping" || (Number.isFinite(w.size) && Number.isFinite(w.hop));
    if (w.aggregate !== "count" && w.field === undefined)
      ctx.addIssue({ code: "custom", path: ["field"], message: `required when aggregate is ${w.aggregate}` });
    if (!durationsOk || w.type !== "hopping") return;
    if (w.hop > w.size) ctx.addIssue({ code: "custom", path: ["hop"], message: "must not exceed size (windows would leave gaps)" });
    else if (w.size % w.hop !== 0)
      ctx.addIssue({ code: "custom", path: ["hop"], message: "must divide size evenly, so every event falls into the same number of windows" });
  })
  .describe("A window aggregate with a threshold");
export type WindowDef = z.output<typeof windowSchema>;

export const contiguities = ["next", "followedBy", "followedByAny", "notNext", "notFollowedBy"] as const;

export const stepSchema = z
  .object({
    name: z.string().regex(STEP_NAME, "must be 1-64 of [A-Za-z0-9_.:-]").describe("Step name; alerts list the matched events under it"),
    filter: filterSchema.optional().describe("Events this step takes; omit it and the step takes any event"),
    contiguity: z
      .enum(contiguities)
      .optional()
      .describe("How this step follows the previous one: next (strictly the next event), followedBy (skip non-matching events, the default), followedByAny, notNext, notFollowedBy. Not allowed on the first step"),
    times: z
      .union([z.number().int().min(1), z.object({ min: z.number().int().min(0), max: z.number().int().min(1).optional() }).strict()])
      .optional()
      .describe("How many events the step takes: n exactly, or { min, max } (omit max for no upper bound); min 0 makes the step optional, as Flink's times(0, n)"),
    within: durationSchema
      .optional()
      .describe("This step's event must come within this time of the previous matched event (Flink's WithinType.PREVIOUS_AND_CURRENT); not on the first or a repeated step"),
    optional: z.boolean().default(false).describe("The step may be skipped"),
    greedy: z.boolean().default(false).describe("A repeated step takes as many events as it can"),
    consecutive: z.boolean().default(false).describe("Repetitions must be strictly consecutive events"),
    allow_combinations: z.boolean().default(false).describe("Repetitions may skip events that would match (followedByAny between repetitions)"),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.consecutive && s.allow_combinations) ctx.addIssue({ code: "custom", path: ["allow_combinations"], message: "cannot be combined with consecutive" });
    if (typeof s.times === "object" && s.times.max !== undefined && s.times.max < s.times.min)
      ctx.addIssue({ code: "custom", path: ["times", "max"], message: "must be at least min" });
    if (typeof s.times === "object" && s.times.min === 0 && s.times.max === undefined)
      ctx.addIssue({ code: "custom", path: ["times", "min"], message: "min 0 needs a max; for zero or more write { min: 1 } with optional: true" });
    if (typeof s.times === "object" && s.times.min === 0 && s.optional)
      ctx.addIssue({ code: "custom", path: ["optional"], message: "min 0 already makes the step optional", params: { atKey: true } });
  });
export type StepDef = z.output<typeof stepSchema>;

export const skipSchema = z
  .union([
    z.enum(["none", "next", "past_last_event"]),
    z.object({ to_first: z.string().regex(STEP_NAME) }).strict(),
    z.object({ to_last: z.string().regex(STEP_NAME) }).strict(),
  ])
  .describe("After a match, where the next match may start: none (every combination), next, past_last_event, { to_first: step }, { to_last: step }");

export const patternSchema = z
  .object({
    steps: z.array(stepSchema).min(1).describe("The events to match, in order"),
    within: durationSchema.optional().describe("The whole match must happen within this time of its first event; required for a trailing notFollowedBy (absence)"),
    skip: skipSchema.default("past_last_event").describe("After-match skip strategy; past_last_event gives one alert per run of events"),
    max_partial_matches: z.number().int().positive().optional().describe("Per group key; beyond it the oldest partial matches are dropped"),
  })
  .strict()
  .describe("A sequence of events (complex event processing)");
export type PatternDef = z.output<typeof patternSchema>;

const sinkName = z
  .string()
  .regex(/^(topic|postgres|live|webhook:[a-z0-9_-]{1,64})$/, "must be topic, postgres, live or webhook:<name>")
  .describe("topic (fg.alerts, always on), postgres, live (WebSocket feed), webhook:<name>");

const template = (what: string) =>
  z.string().min(1).superRefine((t, ctx) => {
    const problem = templateProblem(t);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }).describe(what);

export const alertSchema = z
  .object({
    title: template("Alert title; {{var}} placeholders as in dedup_key").optional(),
    dedup_key: template("Alerts with the same key are throttled together; placeholders: {{rule_id}}, {{app_id}}, {{group_key}}, {{severity}}")
      .default("{{rule_id}}:{{app_id}}:{{group_key}}"),
    throttle: z.union([z.literal(0), durationSchema]).default(0).describe("At most one alert per dedup key within this period; 0 = no throttling"),
    sinks: z.array(sinkName).default(["topic"]).describe("Where alerts go besides fg.alerts"),
  })
  .strict();
export type AlertDef = z.output<typeof alertSchema>;

const tsSchema = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);

export const expectedAlertSchema = z
  .object({
    rule: z.string().regex(RULE_ID).optional().describe("Rule id; implied inside a rule's own expect block"),
    group_key: z.string().optional(),
    app_id: z.string().optional(),
    at: tsSchema.optional().describe("Window end, or match end, in event time"),
    value: z.number().optional().describe("The window aggregate that crossed the threshold"),
    events: z.record(z.string(), z.array(z.string())).optional().describe("Matched event ids per step"),
  })
  .strict();
export type ExpectedAlert = z.output<typeof expectedAlertSchema>;

export const expectSchema = z
  .object({
    events: z.string().optional().describe("ndjson file of events, relative to this file; used when --events is not given"),
    until: tsSchema.optional().describe("Event time the test advances to after the last event; default: the end of time, as for a bounded stream"),
    alerts: z.array(expectedAlertSchema).describe("Exactly the alerts the events must produce (each entry matches the fields it names)"),
  })
  .strict();
export type Expectation = z.output<typeof expectSchema>;

export const ruleSchema = z
  .object({
    id: z.string().regex(RULE_ID, "must be 1-128 of [a-z0-9_.-], starting with a letter or digit").describe("Stable id; versions are kept per id"),
    app: z
      .string()
      .refine((a) => a === "*" || APP_ID.test(a), 'must be an app id ([a-z0-9_-]{1,64}) or "*" for every app')
      .describe('The app whose events the rule sees, or "*"'),
    description: z.string().min(1).describe("What the rule detects, for the people who get the alert"),
    severity: z.enum(severities),
    enabled: z.boolean().default(true).describe("A disabled rule is kept and versioned but not run"),
    filter: filterSchema.optional().describe("Events the rule sees at all (before window or pattern)"),
    group_by: fieldPath.default("key").describe("Field whose value separates state and alerts (e.g. user_id); events without it are skipped"),
    window: windowSchema.optional(),
    pattern: patternSchema.optional(),
    alert: alertSchema.default({ dedup_key: "{{rule_id}}:{{app_id}}:{{group_key}}", throttle: 0, sinks: ["topic"] }),
    expect: expectSchema.optional().describe("Alerts `fluxgate rules test` must see for this rule (rule may be omitted in each entry)"),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.window === undefined) === (r.pattern === undefined))
      ctx.addIssue({ code: "custom", message: "needs exactly one of window or pattern", params: { expected: "window or pattern" } });
  })
  .describe("A Fluxgate rule");
export type Rule = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;

/** A rule file: one rule, or `rules:` with a list of them (YAML files may also hold several documents). */
export const ruleListSchema = z.object({ rules: z.array(ruleSchema).min(1).describe("The rules of this file") }).strict();
export const ruleFileSchema = z.union([ruleListSchema, ruleSchema]).describe("A Fluxgate rule file: one rule, or rules: [...]");

