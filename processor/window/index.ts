/**
 * Fluxgate windows: event-time tumbling, hopping and session windows per group key, with
 * watermarks, allowed lateness, close/update triggers and plain-JSON state. Validate a spec with
 * windowSpecSchema, then createWindowOperator (or restoreWindowOperator) once per rule.
 */
export type { Interval } from "./assign.ts";
export { fieldPathSchema, pathProblem } from "../../schemas/condition/field-path.ts";
export {
  createWindowOperator,
  restoreWindowOperator,
  type RestoreResult,
  type WindowOperator,
  type WindowOperatorOptions,
} from "./operator.ts";
export { resultId, type LateEvent, type WindowOutput, type WindowResult, type WindowRetraction } from "../../schemas/window-result.ts";
export { windowSpecSchema, type WindowKind, type WindowSpec, type WindowSpecInput } from "../../schemas/spec/window.ts";
export { specFingerprint, type GroupRecord, type LegacyGroupState, type OperatorMeta, type WindowOperatorState, type WindowStateDelta } from "./state.ts";
