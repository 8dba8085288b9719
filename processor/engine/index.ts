/**
 * The processor engine: pure per-partition evaluation of a rule set (window rules and pattern
 * rules) into window results, alert candidates and late events, with state as flat records.
 */
export { createPartitionEngine, type EngineOptions, type EngineStats, type PartitionEngine, type RoutedEvent } from "./engine.ts";
export { emptyOutput, type AlertCandidate, type EngineOutput } from "./output.ts";
export type { CepBounds } from "./runner.ts";
export { mergeDelta, recordKeyOf, type RecordDelta, type Records } from "./records.ts";
