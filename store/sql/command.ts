/**
 * `fluxgate sql "<query>"`: ClickHouse SQL over the tier's tables, on the ClickHouse server when
 * FG_CLICKHOUSE_URL is set, else in process on chdb over the embedded archive (FG_DATA_DIR/archive,
 * or the S3 bucket when FG_S3_ENDPOINT is set). The result streams to stdout (or --output) as the
 * engine produces it. Exit codes: 0 done, 1 the query failed or was refused (ClickHouse's message
 * on stderr), 2 bad usage.
 */
import { join, resolve } from "node:path";
import type { StoreEnv } from "../config.ts";
import { parseSqlArgs, sqlUsage } from "./args.ts";
import { SqlError, type SqlEngine } from "./engine.ts";

export interface SqlIo {
  /** Resolves once the chunk is handed on (waits while the reader is behind). */
  write(chunk: Uint8Array): Promise<void>;
  stderr(line: string): void;
  isTty: boolean;
}

const stdoutIo: SqlIo = {
  write: (chunk) => new Promise((done, fail) => process.stdout.write(chunk, (err) => (err ? fail(err) : done()))),
  stderr: (line) => process.stderr.write(`${line}\n`),
  isTty: Boolean(process.stdout.isTTY),
};

/**
 * The engine the configuration points at: the ClickHouse tier if there is one, else chdb over the
 * archive. Each adapter is imported only when chosen (the HTTP client or the schemas and chdb),
 * since every run of the command pays for what it loads.
 */
/** `notice` gets lines for the user while the engine opens (a long first copy of the archive). */
export async function openSqlEngine(env: StoreEnv, notice?: (line: string) => void): Promise<SqlEngine> {
  const database = env.FG_CLICKHOUSE_DATABASE;
  if (env.FG_CLICKHOUSE_URL) {
    const { createRemoteEngine } = await import("./remote.ts");
    return createRemoteEngine({ url: env.FG_CLICKHOUSE_URL, database });
  }
  const [{ createEmbeddedEngine }, { fileSource, s3Source }] = await Promise.all([import("./embedded.ts"), import("./tables.ts")]);
  if (env.FG_S3_ENDPOINT) {
    return createEmbeddedEngine({
      database, where: `${env.FG_S3_ENDPOINT}/${env.FG_S3_BUCKET}`,
      source: s3Source({ endpoint: env.FG_S3_ENDPOINT, bucket: env.FG_S3_BUCKET, accessKey: env.FG_S3_ACCESS_KEY ?? "", secretKey: env.FG_S3_SECRET_KEY ?? "" }),
    });
  }
  const dir = resolve(join(env.FG_DATA_DIR, "archive"));
  return createEmbeddedEngine({ database, where: dir, source: fileSource(dir), copy: { dir: resolve(join(env.FG_DATA_DIR, "sql")), archiveDir: dir }, notice });
}

export async function runSqlCommand(argv: string[], env: StoreEnv, io: SqlIo = stdoutIo): Promise<number> {
  const parsed = parseSqlArgs(argv, io.isTty);
  if (parsed.ok === "help") {
    io.stderr(sqlUsage);
    return 0;
  }
  if (!parsed.ok) {
    io.stderr(`fluxgate sql: ${parsed.error}\n${sqlUsage}`);
    return 2;
  }
  const { query, format, output } = parsed.args;
  let engine: SqlEngine | undefined;
  try {
    engine = await openSqlEngine(env, io.stderr);
    if (output) await engine.toFile(query, format, resolve(output));
    else for await (const chunk of engine.stream(query, format)) await io.write(chunk);
    return 0;
  } catch (err) {
    const message = err instanceof SqlError ? err.message : `fluxgate sql: ${(err as Error).message ?? String(err)}`;
    io.stderr(/\bREADONLY\b|readonly mode/.test(message) ? `${message}\nfluxgate sql is a read path: writes, DDL and SETTINGS are refused` : message);
    return 1;
  } finally {
    await engine?.close();
  }
}
