/**
 * A retention task: removes what one storage tier keeps past its retention, given the current
 * time, and says what it removed. The S3 archive's task is archive-task.ts; the warm Postgres
 * tier's task comes from store/postgres and plugs into the same runner.
 */
export interface RetentionReport {
  /** What was removed, in the tier's own terms (object keys, partition names, table names). */
  removed: string[];
}

export interface RetentionTask {
  readonly tier: string;
  run(now: number): Promise<RetentionReport>;
}
