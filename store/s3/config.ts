/**
 * The archive's own settings, to merge into the one schema in infra/config (beside the FG_S3_*
 * connection variables there). archiveSettings() applies their defaults itself, so the archive
 * also works when handed an Env parsed before the merge.
 */
import { z } from "zod";
import type { SharedEnv } from "../../infra/config/shared.ts";
import { positiveInt } from "../../infra/config/types.ts";

const MIB = 1024 * 1024;

export const archiveEnv = {
  FG_S3_PART_SIZE_BYTES: z.coerce.number().int().min(5 * MIB, "S3 requires parts of at least 5 MiB").default(8 * MIB)
    .describe("Archive files larger than this go to S3 as a multipart upload of parts this size"),
  FG_S3_UPLOAD_CONCURRENCY: positiveInt.default(4)
    .describe("Archive uploads in flight at once: files of one write, and parts of one multipart upload"),
  FG_ARCHIVE_COMPACT_AFTER_MINUTES: positiveInt.default(90)
    .describe("Compaction merges an hour partition's small files once the hour ended this long ago"),
  FG_ARCHIVE_FILE_MAX_ROWS: positiveInt.default(1_000_000)
    .describe("The archive cuts a partition's spool into a file once it holds this many rows (and is FG_ARCHIVE_FILE_MIN_AGE_MS old)"),
  FG_ARCHIVE_FILE_MAX_BYTES: positiveInt.default(128 * MIB)
    .describe("... or this many bytes of spooled Parquet; files under a quarter of this count as small for compaction"),
  FG_ARCHIVE_FILE_MAX_AGE_MS: positiveInt.default(600_000)
    .describe("... or once its oldest spooled write is this old, whatever its size: the most an event waits to appear under events/"),
  FG_ARCHIVE_FILE_MIN_AGE_MS: positiveInt.default(60_000)
    .describe("A file is never cut from a spool younger than this, so bursts do not make many files"),
  FG_ARCHIVE_SPOOL_MIN_ROWS: positiveInt.default(500)
    .describe("An archive write of fewer events waits until FG_ARCHIVE_SPOOL_INTERVAL_MS since the previous one, so the spool gets a few files a second at most"),
  FG_ARCHIVE_SPOOL_INTERVAL_MS: positiveInt.default(500)
    .describe("See FG_ARCHIVE_SPOOL_MIN_ROWS"),
};

const archiveSettingsSchema = z.object(archiveEnv);
export type ArchiveSettings = z.output<typeof archiveSettingsSchema>;

/** What the archive reads: connection variables from the core schema, and its own settings. */
export type ArchiveEnv =
  & Pick<SharedEnv, "FG_DATA_DIR" | "FG_S3_ENDPOINT" | "FG_S3_ACCESS_KEY" | "FG_S3_SECRET_KEY" | "FG_S3_BUCKET" | "FG_S3_REGION">
  & Partial<ArchiveSettings>;

export function archiveSettings(env: ArchiveEnv): ArchiveSettings {
  return archiveSettingsSchema.parse(env);
}

export function filePolicy(s: ArchiveSettings) {
  return {
    files: { maxRows: s.FG_ARCHIVE_FILE_MAX_ROWS, maxBytes: s.FG_ARCHIVE_FILE_MAX_BYTES, maxAgeMs: s.FG_ARCHIVE_FILE_MAX_AGE_MS, minAgeMs: s.FG_ARCHIVE_FILE_MIN_AGE_MS },
    spool: { minRows: s.FG_ARCHIVE_SPOOL_MIN_ROWS, intervalMs: s.FG_ARCHIVE_SPOOL_INTERVAL_MS },
  };
}
