/**
 * The ClickHouse tier: one client, the migrations, the events Sink, and the writers of window
 * results and alerts. Every write is one batched INSERT naming its format (18.16 predates the
 * client's default); deduplication is the tables' job (ReplacingMergeTree),
 * so a batch written twice leaves each row once after merges and in every FINAL-free query of
 * docs/store.md.
 */
import { Readable } from "node:stream";
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";
import type { Envelope } from "../../schemas/envelope.ts";
import { SinkError, type Sink } from "../sink.ts";
import type { Alert, WindowRecord } from "../runtime/records.ts";
import { toSinkError } from "./errors.ts";
import { migrate } from "./migrations.ts";
import { alertRow, eventColumns, eventLine, windowRow } from "./rows.ts";

/** Rows per chunk of an events insert: building the next overlaps sending this one. */
const CHUNK_ROWS = 5_000;

export interface ClickHouseTierOptions {
  url: string;
  database: string;
  /** A write that takes longer fails (and is retried): a hung server must not hold a batch forever. */
  requestTimeoutMs?: number;
  /** A client to use instead of one for url (tests run the tier on chdb's in-process engine this way). */
  client?: ClickHouseClient;
}

export interface ClickHouseTier {
  readonly client: ClickHouseClient;
  readonly database: string;
  /** The events Sink; its close() closes the tier. */
  readonly events: Sink;
  writeWindows(records: WindowRecord[]): Promise<void>;
  writeAlerts(alerts: Alert[]): Promise<void>;
  prepare(): Promise<void>;
  close(): Promise<void>;
}

export function createClickHouseTier(options: ClickHouseTierOptions): ClickHouseTier {
  const db = options.database;
  const client = options.client ?? createClient({
    url: options.url,
    request_timeout: options.requestTimeoutMs ?? 30_000,
    // 18.16 predates the client's default of sending settings it does not know.
    clickhouse_settings: {},
    keep_alive: { enabled: true },
    // Failures reach the runtime as SinkErrors and are logged there, once, with the sink's fields.
    log: { level: ClickHouseLogLevel.OFF },
  });
  let prepared: Promise<void> | undefined;

  /** Window results and alerts: few rows, JSONEachRow (the format 18.16 accepts from the client). */
  async function insertJson<T>(table: string, items: T[], row: (item: T) => Record<string, unknown>) {
    if (items.length === 0) return;
    let values: Record<string, unknown>[];
    try {
      values = items.map(row);
    } catch (err) {
      throw new SinkError(`clickhouse: cannot build ${table} rows: ${(err as Error).message}`, true, { cause: err });
    }
    try {
      await client.insert({ table: `${db}.${table}`, values, format: "JSONEachRow" });
    } catch (err) {
      throw toSinkError(`insert into ${table}`, err);
    }
  }

  /** Events: TabSeparated text, built chunk by chunk while the previous chunk is on the wire. */
  async function insertEvents(events: Envelope[]) {
    if (events.length === 0) return;
    function* chunks() {
      for (let i = 0; i < events.length; i += CHUNK_ROWS) {
        let chunk = "";
        for (let j = i; j < Math.min(i + CHUNK_ROWS, events.length); j++) chunk += eventLine(events[j]!);
        yield chunk;
      }
    }
    try {
      await client.insert({
        table: `${db}.events`, format: "TabSeparated", columns: eventColumns as [string, ...string[]],
        values: Readable.from(chunks(), { objectMode: false }),
      });
    } catch (err) {
      throw toSinkError("insert into events", err);
    }
  }

  const prepare = () =>
    (prepared ??= migrate(client, db).then(
      () => undefined,
      (err) => {
        prepared = undefined;
        throw toSinkError("migrate", err);
      },
    ));
  const close = () => client.close();

  return {
    client,
    database: db,
    events: { name: "clickhouse", prepare, write: insertEvents, close },
    writeWindows: (records) => insertJson("window_results", records, windowRow),
    writeAlerts: (alerts) => insertJson("alerts", alerts, alertRow),
    prepare,
    close,
  };
}
