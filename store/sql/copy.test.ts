/**
 * The events copy (copy.ts) follows the archive's files: a file compaction merged away leaves
 * the copy with it, a file replaced under its name is copied again, a run that stopped while
 * copying leaves no rows twice, a changed definition rebuilds it; and a run that finds the copy's
 * directory held by another process answers from the Parquet files.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../infra/app/config/load.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { createArchiveSink, createArchiveStore } from "../s3/index.ts";
import { createCompactor } from "../s3/compaction.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { tierEvents } from "../clickhouse/tier-sql.test-support.ts";
import { runSqlCommand } from "./command.ts";
import { createEmbeddedEngine } from "./embedded.ts";
import { fileSource } from "./tables.ts";

setDefaultTimeout(60_000); // each command opens its own engine (~0.3 s, seconds on a loaded machine)

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A data dir whose archive holds `files` files in one hour partition of app `shop`, 10 events each. */
async function archiveOf(files: number) {
  const dataDir = mkdtempSync(join(tmpdir(), "fg-sql-copy-"));
  dirs.push(dataDir);
  const env = loadConfig({ FG_DATA_DIR: dataDir, FG_LOG_LEVEL: "error" });
  const sink = createArchiveSink(env);
  await sink.prepare();
  for (let i = 0; i < files; i++) {
    await sink.write(sampleEvents(10, { start: Date.UTC(2024, 2, 10, 22, i) }));
    await sink.rollAll(); // a file each
  }
  await sink.close();
  return { env, dataDir, store: createArchiveStore(env) };
}

async function rows(env: ReturnType<typeof loadConfig>, query: string) {
  const out: Uint8Array[] = [];
  let err = "";
  const code = await runSqlCommand(["--format", "JSONEachRow", query], env, { write: async (c) => void out.push(c), stderr: (l) => void (err += l), isTty: false });
  expect({ code, err }).toEqual({ code: 0, err: "" });
  return Buffer.concat(out).toString().trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
const count = async (env: ReturnType<typeof loadConfig>, query = "SELECT count() AS n, uniqExact(event_id) AS ids FROM events") => (await rows(env, query))[0];

const copyRows = (env: ReturnType<typeof loadConfig>) => count(env, "SELECT count() AS n, uniqExact(_path) AS files FROM _fluxgate_copy.events");
const manifestPath = (dataDir: string) => join(dataDir, "sql", "copy.json");

test("files merged away by compaction leave the copy; the merged file enters it; nothing counts twice", async () => {
  const { env, store } = await archiveOf(3);
  expect(await count(env)).toEqual({ n: 30, ids: 30 });
  expect(await copyRows(env)).toEqual({ n: 30, files: 3 });
  const [result] = await createCompactor({ store, minAgeMs: 0, logger: createLogger("error") }).compactClosed(Date.UTC(2024, 2, 11));
  expect(result?.removed.length).toBe(3);
  expect(await count(env)).toEqual({ n: 30, ids: 30 });
  expect(await copyRows(env)).toEqual({ n: 30, files: 1 });
});

test("a file replaced under the same name is copied again", async () => {
  const { env, store } = await archiveOf(1);
  expect(await count(env)).toEqual({ n: 10, ids: 10 });
  const [file] = (await store.list("events/")).map((o) => o.key);
  const { encodeEnvelopes } = await import("../parquet/encode.ts");
  await store.put(file!, encodeEnvelopes(sampleEvents(4)));
  expect(await count(env)).toEqual({ n: 4, ids: 4 });
});

test("a run that stopped while copying (its files still pending) leaves no rows twice", async () => {
  const { env, dataDir } = await archiveOf(2);
  expect(await count(env)).toEqual({ n: 20, ids: 20 });
  // As a crash after the first INSERT would leave it: the rows in the copy, the file only pending.
  const manifest = JSON.parse(readFileSync(manifestPath(dataDir), "utf8")) as { files: Record<string, string>; pending: string[]; rows: number };
  const [first] = Object.keys(manifest.files);
  delete manifest.files[first!];
  manifest.pending = [first!];
  manifest.rows = 10; // the other file's, as that run wrote it before copying
  writeFileSync(manifestPath(dataDir), JSON.stringify(manifest));
  expect(await count(env)).toEqual({ n: 20, ids: 20 });
  expect(await copyRows(env)).toEqual({ n: 20, files: 2 });
});

test("a copy that lost rows the manifest counts (a crash of the machine: nothing is fsynced) is rebuilt", async () => {
  const { env, dataDir } = await archiveOf(2);
  expect(await count(env)).toEqual({ n: 20, ids: 20 });
  const { Session } = await import("chdb");
  const session = new Session(join(dataDir, "sql"));
  session.query("TRUNCATE TABLE _fluxgate_copy.events");
  session.close();
  expect(await count(env)).toEqual({ n: 20, ids: 20 });
  expect(await copyRows(env)).toEqual({ n: 20, files: 2 });
});

test("a copy made by another definition (a migration, another mapping) is rebuilt", async () => {
  const { env, dataDir } = await archiveOf(2);
  expect(await count(env)).toEqual({ n: 20, ids: 20 });
  const manifest = JSON.parse(readFileSync(manifestPath(dataDir), "utf8")) as { definition: string };
  writeFileSync(manifestPath(dataDir), JSON.stringify({ ...manifest, definition: "an older one" }));
  expect(await count(env)).toEqual({ n: 20, ids: 20 });
  expect(await copyRows(env)).toEqual({ n: 20, files: 2 });
});

test("while another process holds the copy's directory, a run answers from the Parquet files, with the copy's rows", async () => {
  const { env, dataDir } = await archiveOf(0);
  const sink = createArchiveSink(env);
  await sink.prepare();
  await sink.write(tierEvents); // the odd-typed props too: the copy parses props once per row, the Parquet view once per field
  await sink.close();
  const everything = "SELECT * FROM events ORDER BY event_id, received_at_ms";
  const fromCopy = await rows(env, everything);
  expect(fromCopy.length).toBe(tierEvents.length);
  const holder = Bun.spawn(["bun", "-e", `const { Session } = await import("chdb"); const s = new Session(${JSON.stringify(join(dataDir, "sql"))}); console.log("held"); await Bun.sleep(30000); s.close();`], { stdout: "pipe", stderr: "inherit" });
  try {
    expect(new TextDecoder().decode((await holder.stdout.getReader().read()).value)).toBe("held\n");
    expect(await rows(env, everything)).toEqual(fromCopy);
    const late = createArchiveSink(env);
    await late.prepare();
    await late.write(sampleEvents(5, { app: "late" }));
    await late.close();
    expect(await count(env, "SELECT count() AS n FROM events WHERE app_id = 'late'")).toEqual({ n: 5 });
    // This run never opened the copy: its table is not there.
    const err: string[] = [];
    expect(await runSqlCommand(["SELECT count() FROM _fluxgate_copy.events"], env, { write: async () => {}, stderr: (l) => void err.push(l), isTty: false })).toBe(1);
    expect(err.join("")).toMatch(/Code: 81\./);
  } finally {
    holder.kill();
    await holder.exited;
  }
  expect(await count(env, "SELECT count() AS n FROM events WHERE app_id = 'late'")).toEqual({ n: 5 });
  expect(await copyRows(env)).toEqual({ n: tierEvents.length + 5, files: (await createArchiveStore(env).list("events/")).length });
});

test("a run that copies many bytes says so, once", async () => {
  const { dataDir } = await archiveOf(2);
  const archiveDir = join(dataDir, "archive");
  const open = async () => {
    const lines: string[] = [];
    const engine = await createEmbeddedEngine({ database: "fluxgate", source: fileSource(archiveDir), where: archiveDir, copy: { dir: join(dataDir, "sql"), archiveDir, noticeBytes: 1 }, notice: (l) => void lines.push(l) });
    await engine.close();
    return lines;
  };
  expect(await open()).toEqual([expect.stringMatching(/^fluxgate sql: copying 2 archive files \(0 MB\) into .*\/sql once/)]);
  expect(await open()).toEqual([]);
});
