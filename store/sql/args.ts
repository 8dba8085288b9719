/**
 * The sql command line: `fluxgate sql [--format <format>] [--output <file>] "<query>"`. Format
 * names are clickhouse-client's; the default is PrettyCompact on a terminal and TSV otherwise,
 * as clickhouse-client does. Parquet is binary, so it goes to a file (--output), never to a terminal.
 */
import { parseArgs } from "node:util";

export const outputFormats = ["PrettyCompact", "TSV", "TSVWithNames", "CSV", "CSVWithNames", "JSONEachRow", "Parquet"] as const;
export type OutputFormat = (typeof outputFormats)[number];

export const sqlUsage =
  `usage: fluxgate sql [--format <${outputFormats.join("|")}>] [--output <file>] "<query>"\n` +
  "  ClickHouse SQL over the tables events, window_results and alerts (read-only): on the ClickHouse\n" +
  "  server when FG_CLICKHOUSE_URL is set, else in process (chdb) over the embedded archive.\n" +
  "  --format: default PrettyCompact on a terminal, TSV otherwise; Parquet needs --output";

export interface SqlArgs {
  query: string;
  format: OutputFormat;
  /** Undefined: stdout. */
  output?: string;
}

export type ParsedSqlArgs = { ok: true; args: SqlArgs } | { ok: false; error: string } | { ok: "help" };

/** stdoutIsTty picks the default format and keeps binary output off a terminal. */
export function parseSqlArgs(argv: string[], stdoutIsTty: boolean): ParsedSqlArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: "string", short: "f" }, output: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: "help" };
  if (positionals.length !== 1 || !positionals[0]!.trim()) return { ok: false, error: "give exactly one query, quoted" };
  const wanted = values.format ?? (stdoutIsTty && !values.output ? "PrettyCompact" : "TSV");
  const format = outputFormats.find((f) => f.toLowerCase() === wanted.toLowerCase());
  if (!format) return { ok: false, error: `--format: unknown format ${wanted}` };
  if (format === "Parquet" && !values.output) return { ok: false, error: "--format Parquet writes a file: add --output <file>" };
  return { ok: true, args: { query: positionals[0]!, format, ...(values.output ? { output: values.output } : {}) } };
}
