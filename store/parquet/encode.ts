/**
 * Envelopes to Parquet bytes (schema.ts), Snappy-compressed. Rows are written in the order
 * given: callers pass a canonical order so that the same events always yield the same bytes.
 */
import { snappyCompressor } from "hysnappy";
import { ByteWriter, ParquetWriter, parquetWriteBuffer, schemaFromColumnData, type ColumnSource } from "hyparquet-writer";
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

const typedColumns = (events: readonly Envelope[]): ColumnSource[] =>
  archiveColumns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, data: events.map(values[c.name]!) }));

export function encodeEnvelopes(events: readonly Envelope[]): Uint8Array {
  snappy ??= snappyCompressor();
  const buffer = parquetWriteBuffer({ columnData: typedColumns(events), codec: "SNAPPY", compressors: { SNAPPY: snappy }, createdBy: "fluxgate" });
  return new Uint8Array(buffer);
}

export interface ArchiveFileWriter {
  /**
   * Appends one row group: `values` by column name (archiveColumns), each holding `rows` values as
   * the archive's columns read back (columns.ts) hold them: strings, null for an absent optional,
   * INT64 values as bigints.
   */
  writeColumns(values: Readonly<Record<string, ArrayLike<unknown>>>, rows: number): void;
  /** Rows written so far. */
  readonly rows: number;
  /** Closes the file: its bytes. */
  finish(): Uint8Array;
}

/**
 * A Parquet file of the same schema built one row group at a time, for merging archive files:
 * only the group being written is held as values, the rest of the file is already bytes
 * (about a tenth of the decoded rows).
 */
export function createArchiveFileWriter(): ArchiveFileWriter {
  snappy ??= snappyCompressor();
  const writer = new ByteWriter();
  const schema = schemaFromColumnData({ columnData: typedColumns([]) });
  // Whole event_ids in the row groups' statistics (not the default 16 bytes, a UUIDv7's time to the
  // millisecond): a roll decides by them which groups of the partition's earlier files to read.
  const pq = new ParquetWriter({ writer, schema, codec: "SNAPPY", compressors: { SNAPPY: snappy }, createdBy: "fluxgate", statisticsTruncateLength: 64 });
  let rows = 0;
  return {
    writeColumns(values, count) {
      if (count === 0) return;
      void pq.write({ columnData: archiveColumns.map((c) => ({ name: c.name, data: values[c.name] as unknown[] })), rowGroupSize: count });
      rows += count;
    },
    get rows() {
      return rows;
    },
    finish() {
      pq.finish();
      return writer.getBytes();
    },
  };
}
