/** Parquet bytes written by encode.ts back to envelopes, for replay and the tests; merges pass rows through as columns (columns.ts). */
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { snappyUncompressor } from "hysnappy";
import { envelopeSchema, type Envelope } from "../../schemas/envelope.ts";
import { fileOf } from "./columns.ts";

let unsnappy: ((input: Uint8Array, outputLength: number) => Uint8Array) | undefined;

export class ParquetDecodeError extends Error {
  override name = "ParquetDecodeError";
}

export async function decodeEnvelopes(bytes: Uint8Array): Promise<Envelope[]> {
  unsnappy ??= snappyUncompressor();
  return toEnvelopes(await parquetReadObjects({ file: fileOf(bytes), compressors: { SNAPPY: unsnappy } }), 0);
}

/** The file's rows in slices of at most `rows`, so that a large file is never all objects at once. */
export async function* decodeEnvelopeSlices(bytes: Uint8Array, rows: number): AsyncGenerator<Envelope[]> {
  unsnappy ??= snappyUncompressor();
  const file = fileOf(bytes);
  const metadata = parquetMetadata(file);
  const total = Number(metadata.num_rows);
  for (let rowStart = 0; rowStart < total; rowStart += rows) {
    const rowEnd = Math.min(total, rowStart + rows);
    yield toEnvelopes(await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors: { SNAPPY: unsnappy } }), rowStart);
  }
}

function toEnvelopes(rows: Record<string, unknown>[], first: number): Envelope[] {
  return rows.map((row, at) => {
    const i = first + at;
    const candidate: Record<string, unknown> = {
      event_id: row.event_id,
      app_id: row.app_id,
      type: row.type,
      ts: Number(row.ts),
      received_at: Number(row.received_at),
      key: row.key,
      props: JSON.parse(String(row.props)),
      source: row.source,
    };
    // Absent optionals stay absent, as on the bus, rather than becoming null or undefined keys.
    if (row.user_id !== null && row.user_id !== undefined) candidate.user_id = row.user_id;
    if (row.session_id !== null && row.session_id !== undefined) candidate.session_id = row.session_id;
    const parsed = envelopeSchema.safeParse(candidate);
    if (!parsed.success) throw new ParquetDecodeError(`row ${i} is not an envelope: ${parsed.error.message}`);
    return parsed.data;
  });
}
