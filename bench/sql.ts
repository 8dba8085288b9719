/**
 * `fluxgate sql` over the embedded archive against DuckDB over the same Parquet files, in the
 * same run (issue 14): N archived events (default 1M, written by the store's archive sink over
 * 24 hours of event time), then two queries on each engine: a count by type, and the p95 of a
 * numeric prop (duration_ms) by app and hour. Both engines compute the same exact quantile
 * (ClickHouse quantileExactInclusive, DuckDB quantile_cont) and the run checks their answers agree.
 *
 * Per query and engine: `warm`, the median of --runs executions in one open session (the engine
 * and its tables set up once; chdb's first opening fills its events copy, timed apart), wall ms
 * and CPU ms of the process (every thread); `cold`, the
 * median of --cold-runs whole processes as an analyst runs them (`bun infra/app/main.ts sql "..."`
 * against `python -c` with duckdb), wall and CPU ms (from the child's rusage). The two engines
 * take turns, run by run, so that both see the same load on a shared machine.
 *
 *   bun bench/sql.ts [--events 1000000] [--runs 5] [--cold-runs 3] [--json]
 * Needs DuckDB's Python (FG_DUCKDB_PYTHON; infra/local/install.sh install_duckdb). Prints a
 * table, or with --json one line of figures for bench/harness (docs/benchmarks.md, "SQL").
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../infra/app/config/load.ts";
import { createArchiveSink } from "../store/s3/index.ts";
import { createEmbeddedEngine } from "../store/sql/embedded.ts";
import { fileSource } from "../store/sql/tables.ts";
import { benchEvents } from "./events.ts";
import type { SqlBench, SqlEngineFigures } from "./harness/sql-report.ts";

const { values } = parseArgs({
  options: { events: { type: "string", default: "1000000" }, runs: { type: "string", default: "5" }, "cold-runs": { type: "string", default: "3" }, json: { type: "boolean", default: false } },
});
const total = Number(values.events);
const runs = Number(values.runs);
const coldRuns = Number(values["cold-runs"]);
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

interface Run {
  wall: number;
  cpu: number;
  rows: string;
}

/**
 * chdb in this process, as `fluxgate sql` opens it on a local archive: the engine set up once (its
 * first opening copies the archive's files into the events copy, store/sql/copy.ts, timed here
 * as `fill`), then one query at a time.
 */
async function chdbSession(dataDir: string) {
  const dir = join(dataDir, "archive");
  const [t, c] = [performance.now(), cpuMs()];
  const engine = await createEmbeddedEngine({ database: "fluxgate", source: fileSource(dir), where: dir, copy: { dir: join(dataDir, "sql"), archiveDir: dir } });
  const fill = { ms: performance.now() - t, cpu_ms: cpuMs() - c };
  return {
    fill,
    async run(i: number): Promise<Run> {
      const [t, c] = [performance.now(), cpuMs()];
      let text = "";
      for await (const chunk of engine.stream(queries[i]!.clickhouse, "JSONEachRow")) text += new TextDecoder().decode(chunk);
      const [wall, cpu] = [performance.now() - t, cpuMs() - c];
      const rows = text.trim().split("\n").map((l) => Object.values(JSON.parse(l)).map((v) => (typeof v === "string" && /^\d{4}-\d\d-\d\d \d\d:/.test(v) ? Date.parse(`${v.replace(" ", "T")}Z`) / 1000 : v)));
      return { wall, cpu, rows: canonical(rows) };
    },
    close: () => engine.close(),
  };
}

/** DuckDB in a Python process that runs the query whose index it reads on a line, and answers a line of JSON. */
const duckScript = `
import datetime, duckdb, json, sys, time
glob, queries = sys.argv[1], json.loads(sys.argv[2])
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
files = "read_parquet('%s', hive_partitioning = false)" % glob
print(json.dumps({"version": duckdb.__version__}), flush=True)
for line in sys.stdin:
    t, c = time.perf_counter(), time.process_time()
    rows = con.execute(queries[int(line)].replace("FILES", files)).fetchall()
    wall, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
    rows = [[(v.replace(tzinfo=datetime.timezone.utc).timestamp() if hasattr(v, "timestamp") else v) for v in r] for r in rows]
    print(json.dumps({"wall": wall, "cpu": cpu, "rows": rows}), flush=True)
`;

async function duckdbSession(dataDir: string) {
  const glob = join(dataDir, "archive", "events", "**", "*.parquet");
  const proc = Bun.spawn([python, "-c", duckScript, glob, JSON.stringify(queries.map((q) => q.duckdb))], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const lines = (async function* () {
    let buffered = "";
    for await (const chunk of proc.stdout as unknown as AsyncIterable<Uint8Array>) {
      buffered += new TextDecoder().decode(chunk);
      for (let n = buffered.indexOf("\n"); n >= 0; n = buffered.indexOf("\n")) {
        yield buffered.slice(0, n);
        buffered = buffered.slice(n + 1);
      }
    }
  })();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`duckdb failed: ${(await new Response(proc.stderr).text()).trim()} — infra/local/install.sh install_duckdb, FG_DUCKDB_PYTHON`);
    return JSON.parse(value) as Record<string, unknown>;
  };
  const { version } = (await next()) as { version: string };
  return {
    version,
    async run(i: number): Promise<Run> {
      proc.stdin.write(`${i}\n`);
      proc.stdin.flush();
      const r = (await next()) as { wall: number; cpu: number; rows: unknown[][] };
      return { wall: r.wall, cpu: r.cpu, rows: canonical(r.rows) };
    },
    close: async () => {
      proc.stdin.end();
      await proc.exited;
    },
  };
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
    say(`${written.files} files, ${(written.bytes / 1e6).toFixed(1)} MB; warm runs, the engines taking turns`);
    const [chdb, duck] = [await chdbSession(dataDir), await duckdbSession(dataDir)];
    const warm = queries.map(() => ({ chdb: [] as Run[], duckdb: [] as Run[] }));
    try {
      // Run 0 warms the page cache; the engines alternate so that both see the same load on this shared machine.
      for (let r = 0; r <= runs; r++) {
        for (const i of queries.keys()) {
          const [a, b] = [await chdb.run(i), await duck.run(i)];
          if (r > 0) warm[i]!.chdb.push(a), warm[i]!.duckdb.push(b);
        }
      }
    } finally {
      await chdb.close();
      await duck.close();
    }
    const glob = join(dataDir, "archive", "events", "**", "*.parquet");
    const result: SqlBench = { events: total, files: written.files, mb: written.bytes / 1e6, runs, duckdb_version: duck.version, copy_fill: chdb.fill, queries: [] };
    const med = (xs: { wall: number; cpu: number }[]) => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });
    for (const [i, q] of queries.entries()) {
      say(`cold processes, taking turns: ${q.name}`);
      const [chdbCold, duckCold] = [[] as { wall: number; cpu: number }[], [] as { wall: number; cpu: number }[]];
      for (let r = 0; r < coldRuns; r++) {
        chdbCold.push(await cold(["bun", "infra/app/main.ts", "sql", "--format", "TSV", q.clickhouse], { FG_DATA_DIR: dataDir, FG_CLICKHOUSE_URL: "", FG_S3_ENDPOINT: "" }));
        duckCold.push(await cold([python, "-c", `import duckdb; duckdb.sql("SET enable_progress_bar = false"); duckdb.sql(${JSON.stringify(q.duckdb.replace("FILES", `read_parquet('${glob}', hive_partitioning = false)`))}).fetchall()`], {}));
      }
      const figures = (w: Run[], c: { wall: number; cpu: number }[]): SqlEngineFigures => {
        const [mw, mc] = [med(w), med(c)];
        return { warm_ms: mw.wall, warm_cpu_ms: mw.cpu, cold_ms: mc.wall, cold_cpu_ms: mc.cpu };
      };
      const [a, b] = [warm[i]!.chdb.at(-1)!.rows, warm[i]!.duckdb.at(-1)!.rows];
      result.queries.push({ name: q.name, clickhouse: q.clickhouse, duckdb: q.duckdb, chdb: figures(warm[i]!.chdb, chdbCold), duckdb_figures: figures(warm[i]!.duckdb, duckCold), same_answer: a === b });
      if (a !== b) say(`answers differ:\n chdb   ${a.slice(0, 300)}\n duckdb ${b.slice(0, 300)}`);
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
