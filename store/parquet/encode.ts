/**
 * Envelopes to Parquet bytes (schema.ts), Snappy-compressed. Rows are written in the order
 * given: callers pass a canonical order so that the same events always yield the same bytes.
 */
import { snappyCompressor } from "hysnappy";
import { parquetWriteBuffer, type ColumnSource } from "hyparquet-writer";
import type { Envelope } from "../../schemas/envelope.ts";
import { archiveColumns } from "./schema.ts";

// hysnappy's wasm compressor is ~1.5x faster than hyparquet-writer's built-in JS Snappy; one
// instance is reused because snappyCompress() instantiates the wasm module on every call.
let snappy: ((input: Uint8Array) => Uint8Array) | undefined;

type ColumnValues = Record<string, (e: Envelope) => string | bigint | null>;

const values: ColumnValues = {
  event_id: (e) => e.event_id,
  app_id: (e) => e.app_id,
  type: (e) => e.type,
  ts: (e) => BigInt(e.ts),
  received_at: (e) => BigInt(e.received_at),
  key: (e) => e.key,
  user_id: (e) => e.user_id ?? null,
  session_id: (e) => e.session_id ?? null,
  props: (e) => JSON.stringify(e.props),
  source: (e) => e.source,
};

export function encodeEnvelopes(events: readonly Envelope[]): Uint8Array {
  snappy ??= snappyCompressor();
  const columnData: ColumnSource[] = archiveColumns.map((c) => ({
    name: c.name,
    type: c.type,
    nullable: c.nullable,
    data: events.map(values[c.name]!),
  }));
  const buffer = parquetWriteBuffer({ columnData, codec: "SNAPPY", compressors: { SNAPPY: snappy }, createdBy: "fluxgate" });
  return new Uint8Array(buffer);
}
