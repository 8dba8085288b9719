/**
 * `fluxgate sql` over the embedded archive against DuckDB over the same Parquet files, in the
 * same run (issue 14): N archived events (default 1M, written by the store's archive sink over
 * 24 hours of event time), then two queries on each engine: a count by type, and the p95 of a
 * numeric prop (duration_ms) by app and hour. Both engines compute the same exact quantile
 * (ClickHouse quantileExactInclusive, DuckDB quantile_cont) and the run checks their answers agree.
 *
 * Per query and engine: `warm`, the median of --runs executions in one open session (the engine
 * and its tables set up once), wall ms and CPU ms of the process (every thread); `cold`, one
 * whole process per query as an analyst runs it (`bun infra/main.ts sql "..."` against
 * `python -c` with duckdb), wall and CPU ms (from the child's rusage).
 *
 *   bun bench/sql.ts [--events 1000000] [--runs 5] [--json]
 * Needs DuckDB's Python (FG_DUCKDB_PYTHON; infra/local/install.sh install_duckdb). Prints a
 * table, or with --json one line of figures for bench/harness (docs/benchmarks.md, "SQL").
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../infra/config/load.ts";
import { createArchiveSink } from "../store/s3/index.ts";
import { createEmbeddedEngine } from "../store/sql/embedded.ts";
import { fileSource } from "../store/sql/tables.ts";
import { benchEvents } from "./events.ts";
import type { SqlBench, SqlEngineFigures } from "./harness/sql-report.ts";

const { values } = parseArgs({
  options: { events: { type: "string", default: "1000000" }, runs: { type: "string", default: "5" }, json: { type: "boolean", default: false } },
});
const total = Number(values.events);
const runs = Number(values.runs);
const python = process.env.FG_DUCKDB_PYTHON ?? "python3";
const say = (line: string) => process.stderr.write(`${line}\n`);

const queries = [
  {
    name: "count by type",
    clickhouse: "SELECT type, count() AS n FROM events GROUP BY type ORDER BY type",
    duckdb: "SELECT type, count(*) AS n FROM FILES GROUP BY type ORDER BY type",
  },
  {
    name: "p95 of duration_ms by app and hour",
    clickhouse: "SELECT app_id, toStartOfHour(ts) AS hour, quantileExactInclusive(0.95)(p_duration_ms) AS p95 FROM events GROUP BY app_id, hour ORDER BY app_id, hour",
    duckdb: "SELECT app_id, date_trunc('hour', epoch_ms(ts)) AS hour, quantile_cont(CAST(props->>'$.duration_ms' AS DOUBLE), 0.95) AS p95 FROM FILES GROUP BY app_id, hour ORDER BY app_id, hour",
  },
];

/** Writes the events through the archive sink in batches of 50,000, as the store would. */
async function archive(dataDir: string): Promise<{ files: number; bytes: number }> {
  const sink = createArchiveSink(loadConfig({ FG_DATA_DIR: dataDir, FG_LOG_LEVEL: "error" }));
  await sink.prepare();
  const batch = 50_000;
  for (let from = 0; from < total; from += batch) await sink.write(benchEvents(Math.min(batch, total - from), { spanMs: 86_400_000, from, total }));
  await sink.close();
  const files = (readdirSync(join(dataDir, "archive", "events"), { recursive: true }) as string[]).filter((f) => f.endsWith(".parquet"));
  return { files: files.length, bytes: files.reduce((s, f) => s + statSync(join(dataDir, "archive", "events", f)).size, 0) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Rows as comparable text: numbers rounded to 6 digits, times as seconds. */
const canonical = (rows: unknown[][]) => JSON.stringify(rows.map((r) => r.map((v) => (typeof v === "number" ? Number(v.toFixed(6)) : String(v)))));

async function chdbWarm(dataDir: string) {
  const dir = join(dataDir, "archive");
  const engine = await createEmbeddedEngine({ database: "fluxgate", source: fileSource(dir), where: dir });
  const figures: { wall: number; cpu: number; rows: string }[] = [];
  try {
    for (const q of queries) {
      const wall: number[] = [];
      const cpu: number[] = [];
      let text = "";
      for (let i = 0; i <= runs; i++) {
        const [t, c] = [performance.now(), cpuMs()];
        let out = "";
        for await (const chunk of engine.stream(`${q.clickhouse}`, "JSONEachRow")) out += new TextDecoder().decode(chunk);
        if (i > 0) { wall.push(performance.now() - t); cpu.push(cpuMs() - c); } // run 0 warms the page cache
        text = out;
      }
      const rows = text.trim().split("\n").map((l) => Object.values(JSON.parse(l)).map((v) => (typeof v === "string" && /^\d{4}-\d\d-\d\d \d\d:/.test(v) ? Date.parse(`${v.replace(" ", "T")}Z`) / 1000 : v)));
      figures.push({ wall: median(wall), cpu: median(cpu), rows: canonical(rows) });
    }
  } finally {
    await engine.close();
  }
  return figures;
}

const duckScript = `
import duckdb, json, sys, time
glob, runs, queries = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
files = "read_parquet('%s', hive_partitioning = false)" % glob
out = {"version": duckdb.__version__, "queries": []}
for q in queries:
    walls, cpus = [], []
    for i in range(runs + 1):
        t, c = time.perf_counter(), time.process_time()
        rows = con.execute(q.replace("FILES", files)).fetchall()
        if i > 0:
            walls.append((time.perf_counter() - t) * 1000); cpus.append((time.process_time() - c) * 1000)
    rows = [[(v.replace(tzinfo=__import__("datetime").timezone.utc).timestamp() if hasattr(v, "timestamp") else v) for v in r] for r in rows]
    out["queries"].append({"wall": sorted(walls)[len(walls) // 2], "cpu": sorted(cpus)[len(cpus) // 2], "rows": rows})
print(json.dumps(out))
`;

async function duckdbWarm(dataDir: string) {
  const glob = join(dataDir, "archive", "events", "**", "*.parquet");
  const proc = Bun.spawn([python, "-c", duckScript, glob, String(runs), JSON.stringify(queries.map((q) => q.duckdb))], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`duckdb failed (${code}): ${err.trim()} — infra/local/install.sh install_duckdb, FG_DUCKDB_PYTHON`);
  const parsed = JSON.parse(out) as { version: string; queries: { wall: number; cpu: number; rows: unknown[][] }[] };
  return { version: parsed.version, figures: parsed.queries.map((q) => ({ wall: q.wall, cpu: q.cpu, rows: canonical(q.rows) })) };
}

/** One whole process: wall ms, and CPU ms from its rusage (all its threads). */
async function cold(argv: string[], env: Record<string, string>) {
  const t = performance.now();
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const wall = performance.now() - t;
  if (code !== 0) throw new Error(`${argv.slice(0, 3).join(" ")} exited ${code}: ${err.trim()}`);
  const usage = proc.resourceUsage()!;
  return { wall, cpu: Number(usage.cpuTime.user + usage.cpuTime.system) / 1000 };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "fg-bench-sql-"));
  try {
    say(`archiving ${total.toLocaleString("en")} events`);
    const written = await archive(dataDir);
    say(`${written.files} files, ${(written.bytes / 1e6).toFixed(1)} MB; chdb in session`);
    const chdb = await chdbWarm(dataDir);
    say("DuckDB in session");
    const duck = await duckdbWarm(dataDir);
    const glob = join(dataDir, "archive", "events", "**", "*.parquet");
    const result: SqlBench = { events: total, files: written.files, mb: written.bytes / 1e6, runs, duckdb_version: duck.version, queries: [] };
    for (const [i, q] of queries.entries()) {
      say(`cold processes: ${q.name}`);
      const chdbCold = await cold(["bun", "infra/main.ts", "sql", "--format", "TSV", q.clickhouse], { FG_DATA_DIR: dataDir, FG_CLICKHOUSE_URL: "", FG_S3_ENDPOINT: "" });
      const duckCold = await cold([python, "-c", `import duckdb; duckdb.sql("SET enable_progress_bar = false"); duckdb.sql(${JSON.stringify(q.duckdb.replace("FILES", `read_parquet('${glob}', hive_partitioning = false)`))}).fetchall()`], {});
      const figures = (warm: { wall: number; cpu: number }, c: { wall: number; cpu: number }): SqlEngineFigures =>
        ({ warm_ms: warm.wall, warm_cpu_ms: warm.cpu, cold_ms: c.wall, cold_cpu_ms: c.cpu });
      result.queries.push({
        name: q.name, clickhouse: q.clickhouse, duckdb: q.duckdb,
        chdb: figures(chdb[i]!, chdbCold), duckdb_figures: figures(duck.figures[i]!, duckCold),
        same_answer: chdb[i]!.rows === duck.figures[i]!.rows,
      });
      if (chdb[i]!.rows !== duck.figures[i]!.rows) say(`answers differ:\n chdb   ${chdb[i]!.rows.slice(0, 300)}\n duckdb ${duck.figures[i]!.rows.slice(0, 300)}`);
    }
    if (values.json) console.log(JSON.stringify(result));
    else {
      const { renderSqlBench } = await import("./harness/sql-report.ts");
      console.log(renderSqlBench(result).join("\n"));
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
