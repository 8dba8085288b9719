/**
 * Flat rows (string and integer values) to Parquet bytes, Snappy-compressed: the window results
 * and alerts the embedded store keeps beside the events archive. Column types follow the values
 * (a string column is UTF8, an integer one INT64), so the files hold exactly the ClickHouse
 * tier's row shape (store/clickhouse/rows.ts) and the readers cast to the tier's types.
 */
import { parquetReadObjects } from "hyparquet";
import { snappyCompressor, snappyUncompressor } from "hysnappy";
import { parquetWriteBuffer, type ColumnSource } from "hyparquet-writer";

export type FlatRow = Record<string, string | number>;

let snappy: ((input: Uint8Array) => Uint8Array) | undefined;
let unsnappy: ((input: Uint8Array, outputLength: number) => Uint8Array) | undefined;

/** rows must share their keys and each key's value type (as the tier's row builders guarantee). */
export function encodeRows(rows: readonly FlatRow[]): Uint8Array {
  const first = rows[0];
  if (!first) throw new Error("encodeRows: no rows");
  snappy ??= snappyCompressor();
  const columnData: ColumnSource[] = Object.entries(first).map(([name, sample]): ColumnSource => {
    if (typeof sample === "string") return { name, type: "STRING", nullable: false, data: rows.map((r) => String(r[name])) };
    if (!Number.isInteger(sample)) throw new Error(`encodeRows: column ${name} is neither a string nor an integer`);
    return { name, type: "INT64", nullable: false, data: rows.map((r) => BigInt(r[name] as number)) };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData, codec: "SNAPPY", compressors: { SNAPPY: snappy }, createdBy: "fluxgate" }));
}

/** A file of encodeRows() back to its rows: INT64 values as numbers again (the tier's integers are all below 2^53). */
export async function decodeRows(bytes: Uint8Array): Promise<FlatRow[]> {
  unsnappy ??= snappyUncompressor();
  const file = (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
  const rows = await parquetReadObjects({ file, compressors: { SNAPPY: unsnappy } });
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : (v as string | number)])));
}
