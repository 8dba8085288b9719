/**
 * How often the runtime checkpoints a partition by default (FG_PROCESSOR_CHECKPOINT_MS): once per
 * second of processing time, Flink's usual interval, not after every batch. Between checkpoints
 * the engine is flushed into the next checkpoint's delta every FLUSH_MS, so a record that several
 * batches change within that time is serialised once, and one written and deleted within it never
 * reaches Redis. The engine benchmark flushes on the same cadence to measure what the runtime pays
 * (stage.ts has the protocol).
 */
export const DEFAULT_CHECKPOINT_MS = 1_000;

/**
 * Processing time between flushes of a partition's state into its next checkpoint's delta.
 * Flushing only at the checkpoint serialised a second of changes in one go (p50 93 ms, max 512 ms
 * at 10K events/s over 100K keys, load 8), and every event arriving meanwhile waited that long;
 * every 200 ms no flush of that workload took more than 8.4 ms. Not after every batch: a hot key's
 * state is serialised whole at each flush, and a flush per 1,000 events cost the engine benchmark's
 * 100-events-per-key workload 1.8x its CPU per event (45.9-47.5 against 24.9-26.6 µs).
 */
export const FLUSH_MS = 200;
