/**
 * The events copy: on a local archive, `fluxgate sql` keeps the events of `events/` in a chdb
 * MergeTree table under FG_DATA_DIR/sql, brought up to date by each run before it answers, and
 * reads only the spool as Parquet. Why: chdb pays a fixed cost per Parquet file it reads (~0.15 ms
 * of CPU, and the archive has a file per app and hour at least), and parses every typed p_<field>
 * out of the props JSON at each query; the copy holds those columns parsed, in a few parts. On 1M
 * events in 96 files, a count by type went from 33 to 18 ms and a p95 by app and hour from 183 to
 * 40 ms (bench/sql.ts, against DuckDB's 20 and 109 in the same run). Each file is copied once:
 * ~2.7 µs of CPU per event, paid by the first run after its file is cut.
 *
 * Sync: the archive's files under `events/` are listed; rows of files that are gone (compacted,
 * rolled again, expired) are deleted, files not yet copied are inserted. The copy's manifest
 * (`copy.json` beside the data) says which files it holds, and which a run was inserting when it
 * stopped: their rows, if any, are deleted before they are inserted again, so a crash mid-insert
 * leaves no half-copied file behind. The manifest also records the copy's table definition and
 * fill query (a migration that changes the tier's columns, or a change to how a column is read
 * from the archive, rebuilds the copy from the files) and its row count (a table that lost rows or
 * its definition in a crash of the machine, since nothing here is fsynced, is rebuilt too).
 *
 * The directory is chdb's and belongs to one process at a time (the engine locks it); a second
 * `fluxgate sql` running at the same moment reads the Parquet files instead (embedded.ts).
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as Chdb from "chdb";
import { ARCHIVE_ROOT } from "../s3/partition.ts";
import { eventsCopyStatements, sqlString, type ArchiveSource, type EventsCopy, type TierColumn } from "./tables.ts";

export const COPY_DB = "_fluxgate_copy";
const MANIFEST = "copy.json";
/** Paths per INSERT: keeps the statement (and the _path filter) a manageable size. */
const FILL_CHUNK = 500;
/** Bytes of new files from which a run says it is copying (~2 s of CPU per 50 MB here). */
export const NOTICE_BYTES = 32 * 1024 * 1024;

interface Manifest {
  /** The copy table's statements and fill query, as text: a different one rebuilds the copy. */
  definition: string;
  /** Path of each file copied -> its size and mtime when copied (a file replaced under the same name is copied again). */
  files: Record<string, string>;
  /** Files a run was inserting: their rows may be partly in the copy. */
  pending: string[];
  /** Rows of the copy (without the pending files' rows) when the manifest was written: a check that they were kept. */
  rows: number;
}

export interface CopySync {
  copy: EventsCopy;
  added: number;
  removed: number;
}

/** The archive's event files (events/app_id=…/dt=…/hour=…/*.parquet): absolute path -> size and mtime. */
function listArchiveFiles(archiveDir: string): Map<string, string> {
  const root = join(archiveDir, ARCHIVE_ROOT);
  const files = new Map<string, string>();
  if (!existsSync(root)) return files;
  for (const f of (readdirSync(root, { recursive: true }) as string[]).sort()) {
    if (!f.endsWith(".parquet") || f.split("/").length !== 4) continue;
    const path = join(root, f);
    try {
      const st = statSync(path);
      files.set(path, `${st.size}:${st.mtimeMs}`);
    } catch {
      // Deleted since the listing (compaction): not there.
    }
  }
  return files;
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name and renamed: a crash leaves the old manifest or the new one, whole. */
function writeManifest(path: string, manifest: Manifest) {
  writeFileSync(`${path}.tmp`, JSON.stringify(manifest));
  renameSync(`${path}.tmp`, path);
}

/**
 * Brings the copy in `session` (opened on `copyDir`) up to date with the archive at `archiveDir`.
 * `filesDb` is a database for the copy's files table (a Memory one, made per run).
 */
export function syncEventsCopy(
  session: Chdb.Session,
  options: { copyDir: string; archiveDir: string; source: ArchiveSource; tier: readonly TierColumn[]; filesDb: string; notice?: (line: string) => void; noticeBytes?: number },
): CopySync {
  const copy: EventsCopy = { table: `${COPY_DB}.events`, filesTable: `${options.filesDb}.events_copy_source` };
  const statements = eventsCopyStatements(options.source, options.tier, copy);
  const definition = [statements.create[1], statements.fill(["?"])].join(";\n");
  const manifestPath = join(options.copyDir, MANIFEST);
  session.query(`CREATE DATABASE IF NOT EXISTS ${COPY_DB}`);
  const rowsHeld = () => Number(session.query(`SELECT count() FROM ${copy.table}`, "TSVRaw").trim());
  const remove = (paths: readonly string[]) => {
    // A lightweight delete masks the rows; later merges drop them from the parts.
    for (let i = 0; i < paths.length; i += FILL_CHUNK) {
      session.query(`DELETE FROM ${copy.table} WHERE _path IN (${paths.slice(i, i + FILL_CHUNK).map(sqlString).join(", ")})`);
    }
  };
  let manifest = readManifest(manifestPath);
  if (manifest?.definition === definition && session.query(`EXISTS TABLE ${copy.table}`, "TSVRaw").trim() === "1") {
    // Whatever a run that stopped while copying left of its files goes first.
    if (manifest.pending.length) remove(manifest.pending);
    // Neither the definitions nor the parts are synced to disk at each write (fsync_metadata=0,
    // and MergeTree's default), so after a crash of the machine, or a hand in the directory, the
    // table may hold other rows than the manifest says: then the copy is made again.
    if (manifest.rows !== rowsHeld()) manifest = undefined;
  } else manifest = undefined;
  if (!manifest) {
    session.query(`DROP TABLE IF EXISTS ${copy.table} SYNC`);
    manifest = { definition, files: {}, pending: [], rows: 0 };
    writeManifest(manifestPath, manifest);
  }
  for (const statement of statements.create) session.query(statement);

  const listed = listArchiveFiles(options.archiveDir);
  const gone = Object.keys(manifest.files).filter((f) => listed.get(f) !== manifest.files[f]);
  const added = [...listed.keys()].filter((f) => manifest.files[f] !== listed.get(f));
  if (gone.length === 0 && added.length === 0 && manifest.pending.length === 0) return { copy, added: 0, removed: 0 };

  remove(gone);
  const bytes = added.reduce((n, f) => n + Number(listed.get(f)!.split(":")[0]), 0);
  if (bytes >= (options.noticeBytes ?? NOTICE_BYTES)) {
    // A first run over a large archive takes seconds: say why, once.
    options.notice?.(`fluxgate sql: copying ${added.length} archive files (${Math.round(bytes / 1e6)} MB) into ${options.copyDir} once, for faster queries (docs/store.md, "The events copy")`);
  }
  const kept = Object.fromEntries(Object.entries(manifest.files).filter(([f, sig]) => listed.get(f) === sig));
  // The rows before the copying: what the next run finds once it has removed the pending files' rows.
  writeManifest(manifestPath, { definition, files: kept, pending: added, rows: rowsHeld() });
  for (let i = 0; i < added.length; i += FILL_CHUNK) session.query(statements.fill(added.slice(i, i + FILL_CHUNK)));
  writeManifest(manifestPath, { definition, files: { ...kept, ...Object.fromEntries(added.map((f) => [f, listed.get(f)!])) }, pending: [], rows: rowsHeld() });
  // Each copying run adds parts; the engine's background merges, which run in every session that
  // opens the directory, keep them few (ten runs of one new file each, in ten processes: 5 parts).
  return { copy, added: added.length, removed: gone.length };
}
