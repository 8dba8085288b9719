/**
 * Test support: reads Parquet with DuckDB (Python package `duckdb`), an engine independent of
 * the writer, to prove the files are readable without help. ClickHouse 18.16, the stack's
 * version, has no Parquet input format, so it cannot serve as that reader.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const script = `
import duckdb, json, sys
con = duckdb.connect()
rows = con.execute(sys.argv[2].replace("FILE", "read_parquet(?)"), [sys.argv[1]]).fetchall()
cols = [d[0] for d in con.description]
print(json.dumps([dict(zip(cols, r)) for r in rows], default=str))
`;

/**
 * Runs `sql` with FILE standing for the Parquet file's contents (or, given several files, for all
 * of them read as one table); returns the rows.
 */
export async function duckdbQuery(parquet: Uint8Array | readonly Uint8Array[], sql: string): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), "fg-duckdb-"));
  const files = parquet instanceof Uint8Array ? [parquet] : parquet;
  if (files.length === 0) throw new Error("duckdbQuery: no files");
  files.forEach((bytes, i) => writeFileSync(join(dir, `file-${i}.parquet`), bytes));
  const path = join(dir, "*.parquet");
  const proc = Bun.spawn([process.env.FG_DUCKDB_PYTHON ?? "python3", "-c", script, path, sql], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`duckdb failed (${code}): ${err.trim()} — bash infra/test installs it (infra/local/install.sh: install_duckdb) and sets FG_DUCKDB_PYTHON`);
  return JSON.parse(out);
}
