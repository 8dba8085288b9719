/**
 * The port behind `fluxgate sql`: something that runs one read-only ClickHouse query and streams
 * its result in a named output format. Adapters: remote.ts (a ClickHouse server through
 * @clickhouse/client) and embedded.ts (chdb in process, over the embedded archive).
 */
import type { OutputFormat } from "./args.ts";

export interface SqlEngine {
  /** What answers, for messages: `clickhouse 18.16.1 at http://…`, `chdb 26.7.2.1 over …`. */
  describe(): Promise<string>;
  /** The result as raw bytes in `format`, chunk by chunk as the engine produces them. */
  stream(query: string, format: OutputFormat): AsyncIterable<Uint8Array>;
  /** Writes the whole result into the file at `path` (binary formats: one file, not one per block). */
  toFile(query: string, format: OutputFormat, path: string): Promise<void>;
  close(): Promise<void>;
}

/** A query the engine refused or failed: the message is ClickHouse's own. */
export class SqlError extends Error {
  override name = "SqlError";
}
