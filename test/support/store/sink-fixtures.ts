/**
 * Test support: each events Sink adapter set up for store/sink.contract.ts on a database, schema,
 * bucket or folder no other test shares, with a reader of what the tier holds.
 */
import { requireEnv, uniqueName } from "../services.ts";
import { createLogger } from "../../../infra/telemetry/logger.ts";
import { createClickHouseTier } from "../../../store/clickhouse/tier.ts";
import { decodeEnvelopes } from "../../../store/parquet/decode.ts";
import { createPostgresTier } from "../../../store/postgres/tier.ts";
import { createCompactor } from "../../../store/s3/compaction.ts";
import type { ObjectStore } from "../../../store/s3/object-store.ts";
import type { SinkFixture, StoredEvent } from "../../../store/sink.contract.ts";
import { writeThroughArchiveSink } from "./test-stores.ts";

const logger = createLogger("error");

export async function clickHouseSinkFixture(): Promise<SinkFixture> {
  const database = uniqueName("fg_sink");
  const tier = createClickHouseTier({ url: requireEnv("FG_CLICKHOUSE_URL"), database });
  return {
    sink: tier.events,
    async stored() {
      // Duplicates of an event_id live until ClickHouse merges the parts; force the merge.
      await tier.client.command({ query: `OPTIMIZE TABLE ${database}.events FINAL` });
      const rows = await (await tier.client.query({ query: `SELECT event_id, app_id, ts_ms, received_at_ms, props FROM ${database}.events`, format: "JSONEachRow" }))
        .json<{ event_id: string; app_id: string; ts_ms: string; received_at_ms: string; props: string }>();
      return rows.map((r): StoredEvent => ({ event_id: r.event_id, app_id: r.app_id, ts: Number(r.ts_ms), received_at: Number(r.received_at_ms), props: JSON.parse(r.props) }));
    },
    async close() {
      await tier.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await tier.close();
    },
  };
}

export async function postgresSinkFixture(): Promise<SinkFixture> {
  const schema = uniqueName("fg_sink").toLowerCase();
  const tier = createPostgresTier({ url: requireEnv("FG_POSTGRES_URL"), schema, partitionsAheadDays: 1, retentionDays: 3 });
  return {
    sink: tier.events,
    async stored() {
      const rows = await tier.sql.unsafe(`select event_id, app_id, ts, received_at, props from ${schema}.events`);
      return rows.map((r): StoredEvent => ({ event_id: r.event_id, app_id: r.app_id, ts: new Date(r.ts).getTime(), received_at: new Date(r.received_at).getTime(), props: r.props }));
    },
    async close() {
      await tier.sql.unsafe(`drop schema if exists ${schema} cascade`);
      await tier.close();
    },
  };
}

/** The archive sink on `store`, each write rolled to events/ at once; stored() compacts every hour first, as the compactor does once it closes. */
export async function archiveSinkFixture(store: ObjectStore): Promise<SinkFixture> {
  const sink = writeThroughArchiveSink(store, logger);
  const compactor = createCompactor({ store, minAgeMs: 0, logger });
  return {
    sink,
    async stored() {
      const prefixes = new Set((await store.list("events/")).map((o) => o.key.slice(0, o.key.lastIndexOf("/") + 1)));
      for (const prefix of prefixes) await compactor.compactPartition(prefix);
      const rows: StoredEvent[] = [];
      for (const o of await store.list("events/")) {
        for (const e of await decodeEnvelopes(await store.get(o.key))) rows.push({ event_id: e.event_id, app_id: e.app_id, ts: e.ts, received_at: e.received_at, props: e.props });
      }
      return rows;
    },
    close: () => sink.close(),
  };
}
