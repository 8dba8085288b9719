/**
 * Fluxgate CEP: Flink-style pattern matching over envelopes, one NFA per pattern and per-key state
 * as plain JSON. Compile a spec once, then per key: createKeyState, processEvent / advanceTime,
 * and serializeState / restoreState around the state store.
 */
export { compilePattern, type CompileResult } from "./compile.ts";
export { advanceTime, processEvent, type StepResult } from "./engine.ts";
export type { Match, TimedOut } from "./match.ts";
export type { Nfa } from "./nfa.ts";
export { conditionSchema, type Condition, type Ref } from "./condition.ts";
export {
  patternSpecSchema,
  type PatternSpec,
  type PatternSpecInput,
  type SkipSpec,
  type StepSpec,
} from "./spec.ts";
export { createKeyState, restoreState, serializeState, type KeyState, type RestoreResult } from "./state.ts";
