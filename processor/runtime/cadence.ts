/**
 * How often the runtime checkpoints a partition by default (FG_PROCESSOR_CHECKPOINT_MS): once per
 * second of processing time, Flink's usual interval, not after every batch. Between checkpoints
 * the engine's deltas are merged in memory and saved to the state backend together, so a record
 * written and deleted within one interval never reaches Redis. The engine benchmark flushes on
 * this cadence to measure what the runtime pays (stage.ts has the protocol).
 */
export const DEFAULT_CHECKPOINT_MS = 1_000;
