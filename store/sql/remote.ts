/**
 * The SqlEngine on a ClickHouse server (FG_CLICKHOUSE_URL), through @clickhouse/client's exec():
 * the query goes as written, the result comes back as the server's raw bytes in the format asked
 * for (HTTP `default_format`, so a query's own FORMAT clause still wins), streamed. The server
 * enforces the read path itself: every query carries readonly=1, which refuses writes, DDL and
 * SETTINGS changes. The default database is the tier's (FG_CLICKHOUSE_DATABASE), so `events`
 * and `fluxgate.events` both resolve.
 */
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type DataFormat } from "@clickhouse/client";
import type { OutputFormat } from "./args.ts";
import { SqlError, type SqlEngine } from "./engine.ts";

export interface RemoteEngineOptions {
  url: string;
  database: string;
}

/** ClickHouse's own text: `Code: 62. DB::Exception: Syntax error ...` as the server sent it. */
function toSqlError(err: unknown): SqlError {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  // 18.16's text already starts with its code; current servers' message does not.
  const code = e.code && /^\d+$/.test(e.code) && !message.startsWith("Code:") ? `Code: ${e.code}. ` : "";
  return new SqlError(`${code}${message}`, { cause: err });
}

export function createRemoteEngine(options: RemoteEngineOptions): SqlEngine {
  const client: ClickHouseClient = createClient({
    url: options.url,
    database: options.database,
    // 18.16 predates the settings the client sends by default; readonly=1 also refuses any it would send.
    clickhouse_settings: {},
    request_timeout: 3_600_000,
    log: { level: ClickHouseLogLevel.OFF },
  });

  async function exec(query: string, format: OutputFormat): Promise<Readable> {
    try {
      const { stream } = await client.exec({ query, clickhouse_settings: { readonly: "1", default_format: format as DataFormat } });
      return stream;
    } catch (err) {
      throw toSqlError(err);
    }
  }

  return {
    async describe() {
      const rows = await (await client.query({ query: "SELECT version() AS v", format: "JSONEachRow" })).json<{ v: string }>();
      return `clickhouse ${rows[0]?.v} at ${new URL(options.url).host}`;
    },
    async *stream(query, format) {
      for await (const chunk of await exec(query, format)) yield chunk as Uint8Array;
    },
    async toFile(query, format, path) {
      await pipeline(await exec(query, format), createWriteStream(path));
    },
    close: () => client.close(),
  };
}
