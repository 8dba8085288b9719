/** Parquet bytes written by encode.ts back to envelopes, for replay and compaction. */
import { parquetReadObjects } from "hyparquet";
import { snappyUncompressor } from "hysnappy";
import { envelopeSchema, type Envelope } from "../../schemas/envelope.ts";

let unsnappy: ((input: Uint8Array, outputLength: number) => Uint8Array) | undefined;

export class ParquetDecodeError extends Error {
  override name = "ParquetDecodeError";
}

export async function decodeEnvelopes(bytes: Uint8Array): Promise<Envelope[]> {
  unsnappy ??= snappyUncompressor();
  // hyparquet wants an ArrayBuffer of exactly the file; a view into a larger buffer is copied.
  const file = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
  const rows = await parquetReadObjects({ file, compressors: { SNAPPY: unsnappy } });
  return rows.map((row, i) => {
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
