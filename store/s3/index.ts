/**
 * The cold archive, wired from configuration: Parquet files in S3 when FG_S3_ENDPOINT is set,
 * else the same layout under FG_DATA_DIR/archive. Replay and retention open the same store.
 */
import { join } from "node:path";
import { createLogger, type Logger } from "../../infra/telemetry/logger.ts";
import { createParquetArchiveSink, type ArchiveSink } from "./archive-sink.ts";
import { createCompactor, type Compactor } from "./compaction.ts";
import { archiveSettings, filePolicy, type ArchiveEnv } from "./config.ts";
import { createFsObjectStore } from "./fs-object-store.ts";
import type { ObjectStore } from "./object-store.ts";
import { createResultsArchive, type ResultsArchive } from "./results-archive.ts";
import { createResultsCompactor } from "./results-compaction.ts";
import { createS3ObjectStore } from "./s3-object-store.ts";

export type { ArchiveEnv } from "./config.ts";
export { archiveEnv } from "./config.ts";
export type { CompactionResult, Compactor } from "./compaction.ts";
export type { ObjectStore } from "./object-store.ts";
export type { ResultsArchive } from "./results-archive.ts";

export function createArchiveStore(env: ArchiveEnv): ObjectStore {
  const settings = archiveSettings(env);
  if (!env.FG_S3_ENDPOINT) return createFsObjectStore(join(env.FG_DATA_DIR, "archive"));
  // The config schema's cross-field check guarantees both keys once FG_S3_ENDPOINT is set.
  return createS3ObjectStore({
    endpoint: env.FG_S3_ENDPOINT,
    bucket: env.FG_S3_BUCKET,
    region: env.FG_S3_REGION,
    accessKeyId: env.FG_S3_ACCESS_KEY ?? "",
    secretAccessKey: env.FG_S3_SECRET_KEY ?? "",
    partSize: settings.FG_S3_PART_SIZE_BYTES,
    queueSize: settings.FG_S3_UPLOAD_CONCURRENCY,
  });
}

export function createArchiveSink(env: ArchiveEnv, logger: Logger = createLogger().child({ sink: "archive" })): ArchiveSink {
  const settings = archiveSettings(env);
  return createParquetArchiveSink({
    store: createArchiveStore(env),
    uploadConcurrency: settings.FG_S3_UPLOAD_CONCURRENCY,
    ...filePolicy(settings),
    logger,
  });
}

/** Window results and alerts as Parquet in the same store, for when no ClickHouse holds them. */
export function createResultsArchiveSink(env: ArchiveEnv): ResultsArchive {
  return createResultsArchive(createArchiveStore(env), archiveSettings(env).FG_S3_UPLOAD_CONCURRENCY);
}

/**
 * Schedule compactClosed(Date.now()) hourly, e.g. beside the retention runner: the closed hours of
 * events/, and the recent days of window_results/ and alerts/ (results-compaction.ts).
 */
export function createArchiveCompactor(env: ArchiveEnv, logger: Logger = createLogger().child({ job: "compaction" })): Compactor {
  const store = createArchiveStore(env);
  const events = createCompactor({
    store,
    minAgeMs: archiveSettings(env).FG_ARCHIVE_COMPACT_AFTER_MINUTES * 60_000,
    smallFileBytes: archiveSettings(env).FG_ARCHIVE_FILE_MAX_BYTES / 4,
    logger,
  });
  const results = createResultsCompactor({ store, logger });
  return {
    compactPartition: events.compactPartition,
    compactClosed: async (now) => [...(await events.compactClosed(now)), ...(await results.compactRecent(now))],
  };
}
