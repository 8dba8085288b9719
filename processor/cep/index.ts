/**
 * Fluxgate CEP: Flink-style pattern matching over envelopes, one NFA per pattern and per-key state
 * kept as a shared buffer (state.ts). Compile a spec once, then per key: createKeyState,
 * processEvent / advanceTime, and serializeHead, drainChanges / eventRecord and drainGroups for a
 * save, restoreHead to resume (or serializeState / restoreState for the state in one piece).
 */
export { compilePattern, nfaFor, type CompileResult } from "./compile.ts";
export { advanceTime, deadlineOf, nextDeadline, processEvent, shrinkTo, unlimited, type EvictionCause, type Limits, type StepResult } from "./engine.ts";
export { CEP_DEFAULTS, createStateBudget, defaultBudget, type BudgetAccount, type StateBudget } from "./budget.ts";
export type { Match, TimedOut } from "./match.ts";
export type { Nfa } from "./nfa.ts";
export { conditionSchema, type Condition, type Ref } from "../../schemas/condition/condition.ts";
export {
  patternSpecSchema,
  type PatternSpec,
  type PatternSpecInput,
  type SkipSpec,
  type StepSpec,
} from "../../schemas/spec/pattern.ts";
export {
  createKeyState,
  drainChanges,
  drainGroups,
  eventRecord,
  groupRecords,
  restoreHead,
  restoreState,
  savedEventSeqs,
  serializeHead,
  serializeState,
  stateBytes,
  type KeyState,
  type RestoreResult,
} from "./state.ts";
