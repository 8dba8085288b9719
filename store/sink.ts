/**
 * The sink port: one per storage tier (ClickHouse, Postgres, S3). The runtime (store/runtime)
 * consumes fg.events in a consumer group per sink, batches, calls write(), and commits offsets
 * only after write() resolves, so a sink never sees a gap and may see a batch again: write()
 * must be idempotent by event_id. Every adapter passes the contract suite in sink.contract.ts.
 */
import type { Envelope } from "../schemas/envelope.ts";

export interface Sink {
  readonly name: string;
  /** Creates or migrates what the sink writes to (idempotent, versioned). */
  prepare(): Promise<void>;
  /** Resolves when every event is durable in the tier. Throws SinkError on failure. */
  write(events: Envelope[]): Promise<void>;
  close(): Promise<void>;
}

/** permanent: retrying cannot help (bad data, schema mismatch) — the batch goes to the DLQ at once. */
export class SinkError extends Error {
  override name = "SinkError";
  constructor(message: string, readonly permanent: boolean, options?: { cause?: unknown }) {
    super(message, options);
  }
}
