/**
 * The archive's Parquet schema: one flat row per envelope, with only primitive columns (UTF8
 * strings and INT64), so ClickHouse, DuckDB and Spark read the files without extensions or
 * hints. props is the payload as a JSON string: its shape varies by event type, and a string
 * column is what every engine can parse with its own JSON functions.
 *
 * ts and received_at are plain INT64 milliseconds since the epoch (UTC), with no TIMESTAMP
 * logical type: the ClickHouse this project targets (18.16) has no Parquet input at all (its
 * system.formats lists none), and engines that do read Parquet differ in how they map
 * TIMESTAMP(MILLIS) (DateTime64 vs. timestamp vs. rejecting it in old versions), whereas a
 * bare INT64 reads the same everywhere and matches the envelope and the ClickHouse table.
 * Convert in the query: DuckDB `epoch_ms(ts)`, Spark `timestamp_millis(ts)`, ClickHouse
 * `fromUnixTimestamp64Milli(ts)`.
 */
import type { BasicType } from "hyparquet-writer";

export interface ArchiveColumn {
  name: string;
  type: BasicType;
  nullable: boolean;
}

export const archiveColumns: readonly ArchiveColumn[] = [
  { name: "event_id", type: "STRING", nullable: false },
  { name: "app_id", type: "STRING", nullable: false },
  { name: "type", type: "STRING", nullable: false },
  { name: "ts", type: "INT64", nullable: false },
  { name: "received_at", type: "INT64", nullable: false },
  { name: "key", type: "STRING", nullable: false },
  { name: "user_id", type: "STRING", nullable: true },
  { name: "session_id", type: "STRING", nullable: true },
  { name: "props", type: "STRING", nullable: false },
  { name: "source", type: "STRING", nullable: false },
];
