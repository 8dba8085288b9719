/** Retention settings (FG_RETENTION_*), to merge into the one schema in infra/config. */
import { z } from "zod";
import { nonNegativeInt, positiveInt } from "../../infra/config/types.ts";

export const retentionEnv = {
  FG_RETENTION_S3_DAYS: positiveInt.default(3650).describe("Days the cold archive keeps a day partition (dt=) after it ends"),
  FG_RETENTION_INTERVAL_MS: positiveInt.default(3_600_000).describe("How often retention runs"),
  FG_RETENTION_JITTER_MS: nonNegativeInt.default(300_000)
    .describe("Up to this much random delay is added to each interval, so many store processes do not run retention in step"),
};

const retentionSettingsSchema = z.object(retentionEnv);
export type RetentionSettings = z.output<typeof retentionSettingsSchema>;

/** Defaults applied here too, so retention works when handed an Env parsed before the merge. */
export function retentionSettings(env: Partial<RetentionSettings>): RetentionSettings {
  return retentionSettingsSchema.parse(env);
}
