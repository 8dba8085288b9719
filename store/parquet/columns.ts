/**
 * Archive files as columns, for merging them (rolls and compaction, store/s3/merge.ts) without
 * turning rows into envelopes: a merge only orders and deduplicates, by event_id, ts and
 * received_at, so every other value passes through as the string the file held. Decoding each
 * row into an object, checking it against the envelope schema, parsing its props and
 * serialising them again cost a roll of 90,000 rows ~160 MiB of heap at its peak (the 30-minute
 * embedded soak of 2026-12-04, bench/soak/findings.md); as columns the same rows are ten arrays
 * per row group, their strings shared with the output.
 */
import { parquetMetadata, parquetScan, type FileMetaData } from "hyparquet";
import { snappyUncompressor } from "hysnappy";
import { archiveColumns } from "./schema.ts";

let unsnappy: ((input: Uint8Array, outputLength: number) => Uint8Array) | undefined;

/** One row group's values by column name (archiveColumns); INT64 columns are BigInt64Arrays. */
export interface RowGroupColumns {
  readonly rows: number;
  readonly values: Readonly<Record<string, ArrayLike<unknown>>>;
}

/** One row group's event_id range from the file's statistics (bounds may be truncated, never narrowed). */
export interface RowGroupRange {
  rowStart: number;
  rowEnd: number;
  /** Undefined when the file has no statistics for it: any id may be there. */
  min?: string;
  max?: string;
}

export function fileOf(bytes: Uint8Array): ArrayBuffer {
  // hyparquet wants an ArrayBuffer of exactly the file; a view into a larger buffer is copied.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
}

/** The event_id range of each row group, from the footer alone. */
export function eventIdRanges(metadata: FileMetaData): RowGroupRange[] {
  const at = metadata.schema.slice(1).findIndex((s) => s.name === "event_id");
  let rowStart = 0;
  return metadata.row_groups.map((group) => {
    const rowEnd = rowStart + Number(group.num_rows);
    const stats = group.columns[at]?.meta_data?.statistics;
    const range: RowGroupRange = { rowStart, rowEnd };
    if (typeof stats?.min_value === "string" && typeof stats.max_value === "string") {
      range.min = stats.min_value;
      range.max = stats.max_value;
    }
    rowStart = rowEnd;
    return range;
  });
}

/**
 * The range's bounds, if they can be compared with JavaScript strings: statistics order strings
 * by their UTF-8 bytes, JavaScript by UTF-16 code units, and the two agree whenever one side of
 * a comparison is ASCII, so bounds that are not ASCII (or missing) count as holding any id.
 */
export function boundsOf(range: RowGroupRange): { min: string; max: string } | undefined {
  if (range.min === undefined || range.max === undefined || !isAscii(range.min) || !isAscii(range.max)) return undefined;
  return { min: range.min, max: range.max };
}

const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

/** The event_id range of each row group of a file's bytes. */
export const eventIdRangesOf = (bytes: Uint8Array): RowGroupRange[] => eventIdRanges(parquetMetadata(fileOf(bytes)));

/** An archive file opened for reading by row group; `columns` limits what is decoded. */
export async function openColumns(bytes: Uint8Array, columns: readonly string[] = archiveColumns.map((c) => c.name)) {
  unsnappy ??= snappyUncompressor();
  const file = fileOf(bytes);
  const metadata = parquetMetadata(file);
  const scan = await parquetScan({ file, metadata, columns: [...columns], compressors: { SNAPPY: unsnappy } });
  return {
    metadata,
    ranges: eventIdRanges(metadata),
    /** The columns of rows [rowStart, rowEnd), which must lie within one row group. */
    async read(rowStart: number, rowEnd: number): Promise<RowGroupColumns> {
      const values: Record<string, ArrayLike<unknown>> = {};
      for (const column of columns) values[column] = await scan.readColumn({ column, rowStart, rowEnd });
      return { rows: rowEnd - rowStart, values };
    },
  };
}

/** Every row group of the file, a group at a time (a file's groups are what its writer held at once). */
export async function* readRowGroups(bytes: Uint8Array, columns?: readonly string[]): AsyncGenerator<RowGroupColumns> {
  const file = await openColumns(bytes, columns);
  for (const r of file.ranges) if (r.rowEnd > r.rowStart) yield await file.read(r.rowStart, r.rowEnd);
}
