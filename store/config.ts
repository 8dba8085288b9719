/** The store's settings (FG_STORE_*), merged into the one schema in infra/config. */
import { z } from "zod";
import type { SharedEnv } from "../infra/config/shared.ts";
import { nonNegativeInt, positiveInt } from "../infra/config/types.ts";
import { retentionEnv } from "./retention/config.ts";
import { archiveEnv } from "./s3/config.ts";

export const storeEnv = {
  ...archiveEnv,
  ...retentionEnv,
  FG_STORE_GROUP_PREFIX: z.string().default("fluxgate-store").describe("Each sink consumes in group <prefix>-<sink>"),
  FG_STORE_BATCH_MAX_ROWS: positiveInt.default(20_000)
    .describe("A sink writes a batch once it holds this many rows (and never more in one write())"),
  FG_STORE_BATCH_MAX_WAIT_MS: positiveInt.default(250)
    .describe("... or once its oldest row reached Kafka this long ago, whichever comes first (docs/store.md: freshness against writes per second)"),
  FG_STORE_CONSUMERS_PER_SINK: positiveInt.default(1)
    .describe("Group members each sink runs in this process; their deliveries are batched together"),
  FG_STORE_START_WAIT_MS: positiveInt.default(10_000)
    .describe("How long start-up waits for the sinks to join their groups; a sink still preparing its tier goes on in the background"),
  FG_STORE_RETRY_MAX_ATTEMPTS: positiveInt.default(5)
    .describe("Writes of one batch before it goes to the DLQ (a sink that cannot be reached is retried without limit)"),
  FG_STORE_RETRY_BASE_MS: positiveInt.default(200).describe("First retry delay of a failed sink write; doubles each attempt, with jitter"),
  FG_STORE_RETRY_MAX_MS: positiveInt.default(30_000).describe("Longest delay between two attempts of a sink write"),
  FG_STORE_COMPACT_INTERVAL_MS: positiveInt.default(3_600_000).describe("How often the archive's small files are compacted"),
  FG_STORE_POSTGRES_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default("fluxgate")
    .describe("Postgres schema of the warm tier's events and window_results"),
  FG_POSTGRES_PARTITIONS_AHEAD_DAYS: nonNegativeInt.default(3).describe("Daily partitions of the warm tier created ahead of today"),
  FG_RETENTION_POSTGRES_DAYS: positiveInt.default(90).describe("Days the warm tier keeps a day partition after it ends"),
  FG_RETENTION_CLICKHOUSE_DAYS: positiveInt.default(365).describe("Days ClickHouse keeps a partition (events by day, results and alerts by month) after it ends"),
};

const storeSettingsSchema = z.object(storeEnv);
export type StoreSettings = z.output<typeof storeSettingsSchema>;
/** What the store reads: the shared settings and its own. */
export type StoreEnv = SharedEnv & StoreSettings;

/** Defaults applied here too, so the store works when handed an Env parsed before the merge. */
export function storeSettings(env: Partial<StoreSettings>): StoreSettings {
  return storeSettingsSchema.parse(env);
}
