/**
 * The archive's own settings, to merge into the one schema in infra/config (beside the FG_S3_*
 * connection variables there). archiveSettings() applies their defaults itself, so the archive
 * also works when handed an Env parsed before the merge.
 */
import { z } from "zod";
import type { Env } from "../../infra/config/schema.ts";
import { positiveInt } from "../../infra/config/types.ts";

const MIB = 1024 * 1024;

export const archiveEnv = {
  FG_S3_PART_SIZE_BYTES: z.coerce.number().int().min(5 * MIB, "S3 requires parts of at least 5 MiB").default(8 * MIB)
    .describe("Archive files larger than this go to S3 as a multipart upload of parts this size"),
  FG_S3_UPLOAD_CONCURRENCY: positiveInt.default(4)
    .describe("Archive uploads in flight at once: files of one write, and parts of one multipart upload"),
  FG_ARCHIVE_COMPACT_AFTER_MINUTES: positiveInt.default(90)
    .describe("Compaction merges an hour partition's small files once the hour ended this long ago"),
};

const archiveSettingsSchema = z.object(archiveEnv);
export type ArchiveSettings = z.output<typeof archiveSettingsSchema>;

/** What the archive reads: connection variables from the core schema, and its own settings. */
export type ArchiveEnv =
  & Pick<Env, "FG_DATA_DIR" | "FG_S3_ENDPOINT" | "FG_S3_ACCESS_KEY" | "FG_S3_SECRET_KEY" | "FG_S3_BUCKET" | "FG_S3_REGION">
  & Partial<ArchiveSettings>;

export function archiveSettings(env: ArchiveEnv): ArchiveSettings {
  return archiveSettingsSchema.parse(env);
}
