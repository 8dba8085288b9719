/**
 * How often the runtime checkpoints a partition by default (FG_PROCESSOR_CHECKPOINT_MS): once per
 * second of processing time, Flink's usual interval, not after every batch. The engine is flushed
 * at each checkpoint, not per batch, so a record that several batches change is serialised and
 * saved once, and one written and deleted within an interval never reaches Redis. The engine
 * benchmark flushes on this cadence to measure what the runtime pays (stage.ts has the protocol).
 */
export const DEFAULT_CHECKPOINT_MS = 1_000;
