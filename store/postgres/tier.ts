/**
 * The warm tier in Postgres: events partitioned by day and window results, in one schema.
 * Events go in with COPY; a batch that holds events already stored (a retry, a redelivery after a
 * crash, a client's resend) goes through a staging table and an upsert, so every event is stored
 * once, as the copy received first. Day
 * partitions are created before the rows that need them and ahead of time; the retention task
 * drops the expired ones.
 */
import { once } from "node:events";
import postgres, { type Sql } from "postgres";
import type { Envelope } from "../../schemas/envelope.ts";
import type { RetentionTask } from "../retention/task.ts";
import type { WindowRecord } from "../runtime/records.ts";
import type { Sink } from "../sink.ts";
import { eventColumns, eventCopyLine } from "./copy-text.ts";
import { toSinkError } from "./errors.ts";
import { ignoreDuplicate, insertFirstReceived, migratePg } from "./migrations.ts";
import { dayStart, daysAhead, isExpired, partitionDay, partitionDdl } from "./partitions.ts";

export interface PostgresTierOptions {
  url: string;
  schema: string;
  partitionsAheadDays: number;
  retentionDays: number;
  /** Connections in the pool: one per concurrent write is enough. */
  maxConnections?: number;
}

export interface PostgresTier {
  readonly sql: Sql;
  readonly schema: string;
  /** The events Sink; its close() closes the tier. */
  readonly events: Sink;
  writeWindows(records: WindowRecord[]): Promise<void>;
  /** Creates the partitions ahead and drops the expired ones (tier "postgres"). */
  readonly retention: RetentionTask;
  prepare(): Promise<void>;
  close(): Promise<void>;
}

/**
 * postgres.js (3.4) resolves a COPY query with its stream, and when the server then refuses the
 * data (a duplicate key, a malformed value) it rejects the already-resolved query and never ends
 * the stream: awaiting "finish" alone would hang. Its rejection is the only signal, so catch it.
 */
function copyFailure(query: object): Promise<never> {
  const q = query as { reject(err: unknown): void };
  const reject = q.reject;
  return new Promise<never>((_, fail) => {
    q.reject = (err) => {
      fail(err);
      reject(err);
    };
  });
}

/** Rows per chunk handed to the COPY stream: big enough to be cheap, small enough to respect backpressure. */
const COPY_CHUNK_ROWS = 2_000;

export function createPostgresTier(options: PostgresTierOptions): PostgresTier {
  const s = options.schema;
  const sql = postgres(options.url, { max: options.maxConnections ?? 4, onnotice: () => {}, connect_timeout: 5 });
  const known = new Set<number>();
  let prepared: Promise<void> | undefined;

  async function ensurePartitions(days: Iterable<number>) {
    for (const day of days) {
      if (known.has(day)) continue;
      await sql.unsafe(partitionDdl(s, day)).catch(ignoreDuplicate);
      known.add(day);
    }
  }

  async function copyInto(tx: postgres.TransactionSql, table: string, events: readonly Envelope[]) {
    const query = tx.unsafe(`copy ${table} (${eventColumns.join(", ")}) from stdin`);
    const stream = await query.writable();
    const failed = copyFailure(query);
    failed.catch(() => {}); // raced below; never an unhandled rejection in between
    const finished = Promise.race([once(stream, "finish"), failed]);
    for (let i = 0; i < events.length; i += COPY_CHUNK_ROWS) {
      let chunk = "";
      for (const e of events.slice(i, i + COPY_CHUNK_ROWS)) chunk += eventCopyLine(e);
      if (!stream.write(chunk)) await Promise.race([once(stream, "drain"), failed]);
    }
    stream.end();
    await finished;
  }

  /**
   * Most batches are new: COPY them straight into the table. A batch holding an event seen before
   * (a retry, a redelivery, a resend) violates the primary key and rolls back whole; it then goes
   * through a staging table and an upsert that keeps the copy received first, which costs about
   * twice as much.
   */
  async function copyEvents(events: readonly Envelope[]) {
    try {
      await sql.begin((tx) => copyInto(tx, `${s}.events`, events));
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "23505") throw err;
    }
    await sql.begin(async (tx) => {
      await tx.unsafe(`create temp table fg_stage (like ${s}.events) on commit drop`);
      await copyInto(tx, "fg_stage", events);
      await tx.unsafe(insertFirstReceived(s, "fg_stage"));
    });
  }

  async function writeEvents(events: Envelope[]) {
    if (events.length === 0) return;
    try {
      await ensurePartitions(new Set(events.map((e) => dayStart(e.ts))));
      await copyEvents(events);
    } catch (err) {
      // Another store's retention may have dropped a partition this one still believes in.
      if ((err as { code?: string }).code === "23514") known.clear();
      throw toSinkError("write events", err);
    }
  }

  async function writeWindows(records: WindowRecord[]) {
    if (records.length === 0) return;
    // ON CONFLICT DO UPDATE may touch a row once per statement: keep each id's newest revision.
    const newest = new Map<string, WindowRecord>();
    for (const r of records) if ((newest.get(r.id)?.revision ?? 0) < r.revision) newest.set(r.id, r);
    const rows = [...newest.values()].map((w) => ({
      id: w.id, rule_id: w.rule_id, group_key: w.group_key, window_start: new Date(w.window_start).toISOString(),
      window_end: new Date(w.window_end).toISOString(), revision: w.revision,
      closed: w.kind === "result" && w.closed, retracted: w.kind === "retraction",
      merged_into: w.kind === "retraction" ? w.merged_into : null,
      group_values: w.kind === "result" ? w.group : {}, agg_values: w.kind === "result" ? w.values : {},
    }));
    try {
      await sql.unsafe(`
        insert into ${s}.window_results as w (id, rule_id, group_key, window_start, window_end, revision, closed, retracted, merged_into, group_values, agg_values)
        select id, rule_id, group_key, window_start, window_end, revision, closed, retracted, merged_into, group_values, agg_values
        from jsonb_to_recordset($1::text::jsonb) as x(id text, rule_id text, group_key text, window_start timestamptz, window_end timestamptz,
          revision integer, closed boolean, retracted boolean, merged_into text, group_values jsonb, agg_values jsonb)
        on conflict (id) do update set revision = excluded.revision, closed = excluded.closed, retracted = excluded.retracted,
          merged_into = excluded.merged_into, group_values = excluded.group_values, agg_values = excluded.agg_values, updated_at = now()
        where w.revision < excluded.revision`, [JSON.stringify(rows)]);
    } catch (err) {
      throw toSinkError("write window results", err);
    }
  }

  async function partitions(): Promise<string[]> {
    const rows = await sql`
      select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent join pg_namespace n on n.oid = p.relnamespace
      where n.nspname = ${s} and p.relname = 'events'`;
    return rows.map((r) => r.name as string);
  }

  const retention: RetentionTask = {
    tier: "postgres",
    async run(now) {
      await ensurePartitions(daysAhead(now, options.partitionsAheadDays));
      const removed: string[] = [];
      for (const name of (await partitions()).sort()) {
        const day = partitionDay(name);
        if (day === undefined || !isExpired(day, now, options.retentionDays)) continue;
        await sql.unsafe(`drop table if exists ${s}.${name}`);
        known.delete(day);
        removed.push(`${s}.${name}`);
      }
      return { removed };
    },
  };

  const prepare = () =>
    (prepared ??= (async () => {
      await migratePg(sql, s);
      await ensurePartitions(daysAhead(Date.now(), options.partitionsAheadDays));
    })().catch((err) => {
      prepared = undefined;
      throw toSinkError("migrate", err);
    }));
  const close = () => sql.end({ timeout: 5 });

  return {
    sql,
    schema: s,
    events: { name: "postgres", prepare, write: writeEvents, close },
    writeWindows,
    retention,
    prepare,
    close,
  };
}
