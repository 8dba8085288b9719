/** The processor runtime: consumer group, per-partition engines, publishing, checkpoints. */
export { createProcessorRuntime, type ProcessorRuntime, type RuntimeOptions } from "./runtime.ts";
export { DEFAULT_CHECKPOINT_MS } from "./cadence.ts";
