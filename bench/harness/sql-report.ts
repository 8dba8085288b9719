/**
 * The figures of bench/sql.ts (`fluxgate sql` on chdb against DuckDB over the same archive) and
 * their section of docs/benchmarks.md, each beside its target (issue 14): at least as fast as
 * DuckDB on each query, under 1 s for 1M events.
 */
export interface SqlEngineFigures {
  /** Median of the runs in one open session. */
  warm_ms: number;
  warm_cpu_ms: number;
  /** One whole process, start to exit (median of the cold runs). */
  cold_ms: number;
  cold_cpu_ms: number;
}

export interface SqlBench {
  events: number;
  files: number;
  mb: number;
  runs: number;
  duckdb_version: string;
  /** chdb's first opening, which copies the archive's files into its events copy (store/sql/copy.ts). */
  copy_fill?: { ms: number; cpu_ms: number };
  queries: { name: string; clickhouse: string; duckdb: string; chdb: SqlEngineFigures; duckdb_figures: SqlEngineFigures; same_answer: boolean }[];
}

export const sqlMethod = [
  "`bun bench/sql.ts`: events written by the store's archive sink (batches of 50,000 over 24 hours of event time), then each query on",
  "chdb (`fluxgate sql`'s engine, ClickHouse 26.7 in process) and on DuckDB (Python) over the same Parquet files, in the same run.",
  "*warm*: the median of the runs in one open session; *cold*: the median of whole processes per query (`bun infra/app/main.ts sql \"…\"`",
  "against `python -c` with duckdb), start to exit. The engines take turns run by run, so both see the same load; CPU is the",
  "process's, every thread (2 cores shared with other work: CPU is the steadier figure when the machine is busy). chdb answers from",
  "its events copy (`store/sql/copy.ts`: the files of `events/` in a MergeTree table under `FG_DATA_DIR/sql`, filled once per file",
  "by the first run that finds it), as `fluxgate sql` does on a local archive; the fill is timed apart.",
];

const ms = (x: number) => Math.round(x).toLocaleString("en");
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

export function renderSqlBench(b: SqlBench): string[] {
  const lines = [
    `${b.events.toLocaleString("en")} events in ${b.files} files (${b.mb.toFixed(1)} MB); ${b.runs} warm runs; DuckDB ${b.duckdb_version}.`,
    ...(b.copy_fill
      ? [`chdb's events copy, filled once from the ${b.files} files: ${ms(b.copy_fill.ms)} ms, ${ms(b.copy_fill.cpu_ms)} ms of CPU (${((b.copy_fill.cpu_ms * 1000) / b.events).toFixed(1)} µs/event).`]
      : []),
    "",
    "| query | engine | warm ms | warm CPU µs/event | cold ms | cold CPU ms | chdb ÷ DuckDB (warm, cold) | target |",
    "|---|---|---:|---:|---:|---:|---:|---|",
  ];
  for (const q of b.queries) {
    const target = q.chdb.warm_ms <= q.duckdb_figures.warm_ms && q.chdb.warm_ms < 1_000 ? "met" : "missed";
    const answer = q.same_answer ? "" : " (answers differ!)";
    lines.push(
      `| ${q.name}${answer} | chdb | ${ms(q.chdb.warm_ms)} | ${((q.chdb.warm_cpu_ms * 1000) / b.events).toFixed(2)} | ${ms(q.chdb.cold_ms)} | ${ms(q.chdb.cold_cpu_ms)} | ${ratio(q.chdb.warm_ms, q.duckdb_figures.warm_ms)}, ${ratio(q.chdb.cold_ms, q.duckdb_figures.cold_ms)} | ≤ DuckDB and < 1 s warm: ${target} |`,
      `| | DuckDB | ${ms(q.duckdb_figures.warm_ms)} | ${((q.duckdb_figures.warm_cpu_ms * 1000) / b.events).toFixed(2)} | ${ms(q.duckdb_figures.cold_ms)} | ${ms(q.duckdb_figures.cold_cpu_ms)} | | |`,
    );
  }
  lines.push("", ...b.queries.map((q) => `- ${q.name}: \`${q.clickhouse}\`; DuckDB: \`${q.duckdb.replace("FILES", "read_parquet(…)")}\``));
  return lines;
}
