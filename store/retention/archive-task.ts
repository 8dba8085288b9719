/**
 * Retention of the cold archive: deletes each app's day partitions (dt=) whose whole day ended
 * more than the retention ago. Whole days go at once, so no partition is ever left half-deleted
 * for longer than one run: a run that crashes midway deletes the rest next time.
 */
import type { ObjectStore } from "../s3/object-store.ts";
import { ARCHIVE_ROOT, dayEnd, parseDay } from "../s3/partition.ts";
import type { RetentionTask } from "./task.ts";

const DAY_MS = 86_400_000;

export function createArchiveRetentionTask(options: { store: ObjectStore; retentionDays: number }): RetentionTask {
  const { store } = options;
  return {
    tier: "s3",
    async run(now) {
      const cutoff = now - options.retentionDays * DAY_MS;
      const removed: string[] = [];
      for (const app of await store.listDirs(ARCHIVE_ROOT)) {
        for (const day of await store.listDirs(app)) {
          const dt = parseDay(day);
          if (!dt || dayEnd(dt) > cutoff) continue;
          await store.delete((await store.list(day)).map((o) => o.key));
          removed.push(day);
        }
      }
      return { removed };
    },
  };
}
