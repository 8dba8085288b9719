/** The store runtime: one consumer group per sink, batching, retries, DLQ. */
export { createSinkRuntime, groupIdOf, type Decoded, type SinkRuntime, type SinkRuntimeOptions } from "./runtime.ts";
export { decodeEnvelope, jsonDecoder } from "./decode.ts";
export { createSharedDecoder, type SharedDecoder } from "./shared-decode.ts";
export { decodeAlert, decodeWindowRecord } from "./records.ts";
export { SinkUnavailableError, isNetworkError } from "./unavailable.ts";
export type { RetryPolicy } from "./retry.ts";
