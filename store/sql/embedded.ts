/**
 * The SqlEngine in process: chdb (ClickHouse as a library) over the embedded archive. chdb is an
 * optional dependency of ~546 MB, loaded only here, so a gateway-only install can leave it out.
 *
 * Each run opens a session (on a local archive, on the events copy's directory, copy.ts, which it
 * first brings up to date; else a throwaway one): the tier's tables are created as the ClickHouse
 * migrations leave them (currentTables(), one statement a table, as Memory tables) in a scratch
 * database to learn their columns, then views of the same names and
 * types are put over the archive's Parquet files (tables.ts) and the copy in the tier's database, which
 * becomes the default one. The session then turns readonly=1: no writes, no DDL, no table
 * functions, no SETTINGS changes. ClickHouse still lets a read-only SELECT write a file with
 * INTO OUTFILE, so a query is formatted by the engine first (which also refuses more than one
 * statement) and refused if it has one; `--output` is the way to a file.
 */
import { mkdirSync } from "node:fs";
import type * as Chdb from "chdb";
import { currentTables, rollupSelect } from "../clickhouse/migrations.ts";
import type { OutputFormat } from "./args.ts";
import { syncEventsCopy, type CopySync } from "./copy.ts";
import { SqlError, type SqlEngine } from "./engine.ts";
import { archiveTableStatements, sqlString, TIER_TABLES, type ArchiveSource, type TierColumn } from "./tables.ts";

type ChdbModule = typeof Chdb;

export const CHDB_MISSING =
  "the embedded SQL engine needs the optional package chdb (ClickHouse as a library, ~546 MB), which this install lacks: " +
  "run `bun install` in the checkout (it installs optional dependencies unless told not to), or set FG_CLICKHOUSE_URL to query a ClickHouse server";

/** Loads chdb on demand; a missing package is a SqlError saying how to get it. */
export async function loadChdb(load: () => Promise<ChdbModule> = () => import("chdb")): Promise<ChdbModule> {
  try {
    return await load();
  } catch (err) {
    throw new SqlError(CHDB_MISSING, { cause: err });
  }
}

const SCRATCH_DB = "_fluxgate_tier";
const FILES_DB = "_fluxgate_files";

/**
 * The tier's tables with their columns only: each CREATE TABLE of currentTables() with a Memory
 * engine in place of its MergeTree one (ENGINE is the statement's last clause), the rollup's
 * materialized view left out. Creating the MergeTree tables cost ~85 ms of CPU and most of a
 * second of disk waits on a busy machine, on every run; Memory tables cost ~15 ms.
 */
const scratchTables = (db: string): string[] =>
  currentTables(db).filter((s) => /^\s*CREATE TABLE/.test(s)).map((s) => s.replace(/\bENGINE\s*=[\s\S]*$/, "ENGINE = Memory"));

/** ClickHouse's text without chdb's wrapper, and without the scope of the formatting call around the user's query. */
function toSqlError(err: unknown): SqlError {
  const message = ((err as Error).message ?? String(err)).replace(/^Query failed: /, "").replace(/(\. )?: In scope SELECT formatQuerySingleLine[\s\S]*$/, "");
  return new SqlError(message, { cause: err });
}

export interface EmbeddedEngineOptions {
  /** The tier's database name (FG_CLICKHOUSE_DATABASE): its tables are the views. */
  database: string;
  source: ArchiveSource;
  /** For describe(): the archive's location. */
  where: string;
  /**
   * A local archive's events copy (copy.ts): the chdb directory that holds it, and the archive's
   * directory. Without it, or while another run holds the directory, events are read from Parquet.
   */
  copy?: { dir: string; archiveDir: string; noticeBytes?: number };
  /** Lines for the user while the engine opens (a long first copy). */
  notice?: (line: string) => void;
}

/**
 * A session on the copy's directory, or undefined when it cannot be opened: chdb locks it for one
 * process (Code: 76, "Cannot lock file"), so a second run at the same moment reads Parquet instead.
 * The copy only saves time, so any other failure to open it does the same.
 */
function openCopySession(Session: ChdbModule["Session"], dir: string): Chdb.Session | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    return new Session(dir);
  } catch {
    return undefined;
  }
}

export async function createEmbeddedEngine(options: EmbeddedEngineOptions, chdb?: ChdbModule): Promise<SqlEngine> {
  const { Session } = chdb ?? (await loadChdb());
  const copySession = options.copy && openCopySession(Session, options.copy.dir);
  const session = copySession ?? new Session();
  let copy: CopySync | undefined;
  try {
    const db = options.database;
    // Hive path segments (app_id=…) would otherwise become columns beside the files' own.
    session.query("SET use_hive_partitioning = 0");
    // Plain pread instead of the default thread-pool reads: fewer hand-offs per file. Measured on
    // 1M archived events in 96 files (interleaved runs, busy 2 cores): count by type 85 -> 72 ms,
    // p95 by app and hour 904 -> 632 ms, with slightly less CPU for both.
    session.query("SET local_filesystem_read_method = 'pread'");
    // Each run writes database and table definitions (.sql files) it does not need to survive a
    // crash (scratch and view databases; the events copy checks itself, copy.ts): no fsync of them.
    session.query("SET fsync_metadata = 0");
    // Memory databases: no metadata files to write and sync for tables that live as long as this run.
    // On the copy's directory a Memory database's definition outlives the run (its tables do not).
    for (const name of [SCRATCH_DB, FILES_DB]) session.query(`DROP DATABASE IF EXISTS ${name}`);
    session.query(`CREATE DATABASE ${SCRATCH_DB} ENGINE = Memory`);
    for (const statement of scratchTables(SCRATCH_DB)) session.query(statement);
    const tier = JSON.parse(`[${session.query(
      `SELECT table, name, type FROM system.columns WHERE database = '${SCRATCH_DB}' AND table IN (${TIER_TABLES.map(sqlString).join(", ")})
       ORDER BY table, position`, "JSONEachRow").trim().split("\n").join(",")}]`) as TierColumn[];
    session.query(`DROP DATABASE ${SCRATCH_DB}`);
    session.query(`CREATE DATABASE ${FILES_DB} ENGINE = Memory`);
    session.query(`CREATE DATABASE IF NOT EXISTS ${db} ENGINE = Memory`);
    if (copySession && options.copy) {
      copy = syncEventsCopy(session, { copyDir: options.copy.dir, archiveDir: options.copy.archiveDir, source: options.source, tier, filesDb: FILES_DB, notice: options.notice, noticeBytes: options.copy.noticeBytes });
    }
    for (const statement of archiveTableStatements(options.source, tier, db, FILES_DB, copy?.copy)) session.query(statement);
    // The tier's rollup is a materialized view kept at insert; here it is computed at query time, same columns.
    session.query(`CREATE VIEW ${db}.events_per_minute AS ${rollupSelect(db)}`);
    session.query(`USE ${db}`);
    session.query("SET readonly = 1");
  } catch (err) {
    session.close();
    throw toSqlError(err);
  }

  /** The engine's own parse of the query: one statement, and no INTO OUTFILE. */
  function checkReadOnly(query: string): string {
    let formatted: string;
    try {
      formatted = session.queryBind("SELECT formatQuerySingleLine({q:String})", { q: query }, "TSVRaw").trim();
    } catch (err) {
      throw toSqlError(err);
    }
    if (/\bINTO\s+OUTFILE\b/i.test(formatted)) {
      throw new SqlError("Code: 164. fluxgate sql is read-only: INTO OUTFILE writes a file; use --output <file> instead. (READONLY)");
    }
    return formatted;
  }

  return {
    describe: async () => `chdb ${session.query("SELECT version()", "TSVRaw").trim()} over ${options.where}`,
    async *stream(query: string, format: OutputFormat) {
      checkReadOnly(query);
      const whole = async () => {
        try {
          return (await session.queryAsync(query, { format })).bytes();
        } catch (err) {
          throw toSqlError(err);
        }
      };
      // Pretty formats are for a terminal: formatted block by block, each block is a table of its
      // own (a header per Parquet file or part); formatted whole, the engine squashes them into one
      // and shows at most output_format_pretty_max_rows, as clickhouse-client does.
      if (format.startsWith("Pretty")) {
        yield await whole();
        return;
      }
      let chunks: AsyncIterable<Chdb.StreamChunk> | undefined;
      try {
        chunks = session.queryStream(query, { format });
        for await (const chunk of chunks) yield chunk.raw();
      } catch (err) {
        // SHOW, DESCRIBE, EXPLAIN... have no streaming form; their results are small.
        if (!/Streaming query is not supported/.test(String(err))) throw toSqlError(err);
        yield await whole();
      }
    },
    async toFile(query, format, path) {
      const formatted = checkReadOnly(query);
      try {
        // The engine writes the file itself, block by block (a stream of Parquet chunks would be one file per block).
        await session.queryAsync(`${formatted} INTO OUTFILE ${sqlString(path)} TRUNCATE FORMAT ${format}`);
      } catch (err) {
        throw toSqlError(err);
      }
    },
    close: async () => session.close(),
  };
}
