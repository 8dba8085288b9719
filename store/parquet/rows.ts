/**
 * Flat rows (string and integer values) to Parquet bytes, Snappy-compressed: the window results
 * and alerts the embedded store keeps beside the events archive. Column types follow the values
 * (a string column is UTF8, an integer one INT64), so the files hold exactly the ClickHouse
 * tier's row shape (store/clickhouse/rows.ts) and the readers cast to the tier's types.
 */
import { snappyCompressor } from "hysnappy";
import { parquetWriteBuffer, type ColumnSource } from "hyparquet-writer";

export type FlatRow = Record<string, string | number>;

let snappy: ((input: Uint8Array) => Uint8Array) | undefined;

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
