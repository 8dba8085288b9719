/** Archive retention against one object store adapter: only day partitions past their age go. */
import { describe, expect, test } from "bun:test";
import { createLogger } from "../../infra/telemetry/logger.ts";
import type { ObjectStore } from "../s3/object-store.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { writeThroughArchiveSink } from "../../test/support/store/test-stores.ts";
import { createArchiveRetentionTask } from "./archive-task.ts";

const DAY = 86_400_000;

export function archiveRetentionContract(name: string, freshStore: () => Promise<ObjectStore>): void {
  describe(`archive retention: ${name}`, () => {
    test("deletes the day partitions of every app that ended more than the retention ago, and nothing else", async () => {
      const store = await freshStore();
      const sink = writeThroughArchiveSink(store, createLogger("error"), 4);
      const d = (iso: string) => Date.parse(`${iso}T12:00:00Z`);
      for (const app of ["shop", "blog"]) {
        for (const day of ["2024-01-01", "2024-01-09", "2024-01-10", "2024-01-11"]) await sink.write(sampleEvents(3, { app, start: d(day) }));
      }
      // Retention 10 days, now 2024-01-20 06:00: the day 2024-01-09 ended 10.25 days ago, 2024-01-10 only 9.25.
      const task = createArchiveRetentionTask({ store, retentionDays: 10 });
      const now = Date.parse("2024-01-20T06:00:00Z");
      const { removed } = await task.run(now);
      expect(removed).toEqual([
        "events/app_id=blog/dt=2024-01-01/", "events/app_id=blog/dt=2024-01-09/",
        "events/app_id=shop/dt=2024-01-01/", "events/app_id=shop/dt=2024-01-09/",
      ]);
      for (const app of ["shop", "blog"]) {
        expect(await store.listDirs(`events/app_id=${app}/`)).toEqual([`events/app_id=${app}/dt=2024-01-10/`, `events/app_id=${app}/dt=2024-01-11/`]);
      }
      expect((await task.run(now)).removed).toEqual([]);
      expect((await task.run(now + DAY)).removed).toEqual(["events/app_id=blog/dt=2024-01-10/", "events/app_id=shop/dt=2024-01-10/"]);
    });
  });
}
