/**
 * Test support for the store's end-to-end tests: a store configuration no other test shares
 * (topic prefix, consumer groups, ClickHouse database, Postgres schema, S3 bucket), ledgers of
 * what each tier holds, and a TCP proxy that can cut a sink off its service without touching
 * the shared service.
 */
import { createClient } from "@clickhouse/client";
import { createServer, connect, type Server, type Socket } from "node:net";
import postgres from "postgres";
import { requireEnv, uniqueName } from "../test/support/services.ts";
import { decodeEnvelopes } from "./parquet/decode.ts";
import { createArchiveStore } from "./s3/index.ts";
import { freshBucketName } from "../test/support/store/test-stores.ts";

export type StoreTestEnv = Record<string, string>;

export function storeTestEnv(overrides: StoreTestEnv = {}): StoreTestEnv {
  const id = uniqueName("st").toLowerCase();
  return {
    FG_KAFKA_BROKERS: requireEnv("FG_KAFKA_BROKERS"),
    FG_POSTGRES_URL: requireEnv("FG_POSTGRES_URL"),
    FG_CLICKHOUSE_URL: requireEnv("FG_CLICKHOUSE_URL"),
    FG_S3_ENDPOINT: requireEnv("FG_S3_ENDPOINT"),
    FG_S3_ACCESS_KEY: requireEnv("FG_S3_ACCESS_KEY"),
    FG_S3_SECRET_KEY: requireEnv("FG_S3_SECRET_KEY"),
    FG_S3_BUCKET: freshBucketName(),
    FG_TOPIC_PREFIX: `${id}.`,
    FG_STORE_GROUP_PREFIX: id,
    FG_CLICKHOUSE_DATABASE: id,
    FG_STORE_POSTGRES_SCHEMA: id,
    FG_STORE_BATCH_MAX_WAIT_MS: "200",
    FG_STORE_RETRY_BASE_MS: "100",
    FG_STORE_RETRY_MAX_MS: "500",
    // The archive cuts its files within a second, so tests read events/ soon after a write.
    FG_ARCHIVE_FILE_MAX_AGE_MS: "1000",
    FG_ARCHIVE_FILE_MIN_AGE_MS: "500",
    FG_ARCHIVE_SPOOL_MIN_ROWS: "1",
    FG_LOG_LEVEL: "warn",
    ...overrides,
  };
}

export interface TierLedger {
  rows: number;
  ids: Set<string>;
}

const ledger = (ids: string[]): TierLedger => ({ rows: ids.length, ids: new Set(ids) });

/** What each tier holds for the test's configuration, as rows (duplicates counted) and distinct ids. */
export function tierReaders(env: StoreTestEnv) {
  const ch = createClient({ url: env.FG_CLICKHOUSE_URL! });
  const sql = postgres(env.FG_POSTGRES_URL!, { max: 1, onnotice: () => {} });
  const archive = createArchiveStore({
    FG_DATA_DIR: "/nonexistent", FG_S3_ENDPOINT: env.FG_S3_ENDPOINT, FG_S3_ACCESS_KEY: env.FG_S3_ACCESS_KEY,
    FG_S3_SECRET_KEY: env.FG_S3_SECRET_KEY, FG_S3_BUCKET: env.FG_S3_BUCKET!, FG_S3_REGION: "us-east-1",
  });
  const db = env.FG_CLICKHOUSE_DATABASE!;
  const schema = env.FG_STORE_POSTGRES_SCHEMA!;
  const missing = (err: unknown, what: RegExp) => (what.test(String((err as Error).message)) ? ledger([]) : Promise.reject(err));
  return {
    ch,
    sql,
    async clickhouse(): Promise<TierLedger> {
      const q = ch.query({ query: `SELECT event_id FROM ${db}.events`, format: "JSONEachRow" });
      return q.then(async (r) => ledger((await r.json<{ event_id: string }>()).map((x) => x.event_id)), (e) => missing(e, /doesn't exist|UNKNOWN_DATABASE|Unknown/i));
    },
    async postgres(): Promise<TierLedger> {
      return sql.unsafe(`select event_id from ${schema}.events`).then((rows) => ledger(rows.map((r) => r.event_id as string)), (e) => missing(e, /does not exist/));
    },
    async archive(): Promise<TierLedger> {
      const files = await archive.list("events/").catch((e) => (/NoSuchBucket|404/.test(String(e)) ? [] : Promise.reject(e)));
      const ids: string[] = [];
      for (const f of files) for (const e of await decodeEnvelopes(await archive.get(f.key))) ids.push(e.event_id);
      return ledger(ids);
    },
    async close() {
      await Promise.allSettled([ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }), sql.unsafe(`drop schema if exists ${schema} cascade`)]);
      await Promise.allSettled([ch.close(), sql.end()]);
    },
  };
}

/** Holds exactly the expected ids, each once. */
export const exactlyOnce = (l: TierLedger, expected: readonly string[]): boolean =>
  l.rows === expected.length && l.ids.size === expected.length && expected.every((id) => l.ids.has(id));

/** A TCP proxy to host:port that can be cut (listener and live connections closed) and restored on the same port. */
export async function createTcpProxy(target: string) {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(targetPort), hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s)).on("error", () => {});
        }
        client.pipe(upstream).pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      server.once("error", reject).listen(port, "127.0.0.1", () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    async cut() {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    close() {
      for (const s of sockets) s.destroy();
      server?.close();
    },
  };
}
