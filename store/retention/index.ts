/**
 * Retention, wired from configuration: the archive's task from FG_RETENTION_S3_DAYS, plus the
 * tasks other tiers export (the warm Postgres tier's, from store/postgres), on one schedule.
 */
import type { Logger } from "../../infra/telemetry/logger.ts";
import { createArchiveStore, type ArchiveEnv } from "../s3/index.ts";
import { createArchiveRetentionTask } from "./archive-task.ts";
import { retentionSettings, type RetentionSettings } from "./config.ts";
import { createRetentionRunner, type RetentionRunner } from "./runner.ts";
import type { RetentionTask } from "./task.ts";

export { retentionEnv } from "./config.ts";
export type { RetentionReport, RetentionTask } from "./task.ts";
export type { RetentionRunner, TaskOutcome } from "./runner.ts";

export function createStoreRetention(
  env: ArchiveEnv & Partial<RetentionSettings>,
  options: { logger: Logger; tasks?: readonly RetentionTask[] },
): RetentionRunner {
  const settings = retentionSettings(env);
  const archive = createArchiveRetentionTask({ store: createArchiveStore(env), retentionDays: settings.FG_RETENTION_S3_DAYS });
  return createRetentionRunner({
    tasks: [archive, ...(options.tasks ?? [])],
    intervalMs: settings.FG_RETENTION_INTERVAL_MS,
    jitterMs: settings.FG_RETENTION_JITTER_MS,
    logger: options.logger,
  });
}
