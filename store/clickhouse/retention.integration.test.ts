/** ClickHouse retention against the real server: only partitions wholly past the period go. */
import { afterAll, expect, test } from "bun:test";
import { requireEnv, uniqueName } from "../../test/support/services.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { createClickHouseRetentionTask } from "./retention.ts";
import { createClickHouseTier } from "./tier.ts";

const database = uniqueName("fg_ch_ret");
const tier = createClickHouseTier({ url: requireEnv("FG_CLICKHOUSE_URL"), database });
afterAll(async () => {
  await tier.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await tier.close();
});

test("drops the day partitions past retention, keeps the rest, and says what it removed", async () => {
  await tier.prepare();
  const now = Date.UTC(2026, 10, 23, 12);
  const day = 86_400_000;
  const at = (ms: number, n: number, app: string) => sampleEvents(n, { app }).map((e) => ({ ...e, ts: ms, received_at: ms }));
  // 30-day retention: 40 days old goes; 29 days old and today stay.
  await tier.events.write([...at(now - 40 * day, 3, "old"), ...at(now - 29 * day, 4, "recent"), ...at(now, 5, "today")]);
  const task = createClickHouseRetentionTask({ client: tier.client, database, retentionDays: 30 });
  const report = await task.run(now);
  const oldDay = new Date(now - 40 * day).toISOString().slice(0, 10).replaceAll("-", "");
  expect(report.removed).toContain(`${database}.events partition ${oldDay}`);
  expect(report.removed.every((r) => r.endsWith(oldDay))).toBe(true);
  const left = await tier.client.query({ query: `SELECT app_id, count() AS n FROM ${database}.events GROUP BY app_id ORDER BY app_id`, format: "JSONEachRow" }).then((r) => r.json<{ app_id: string; n: string }>());
  expect(left.map((r) => [r.app_id, Number(r.n)])).toEqual([["recent", 4], ["today", 5]]);
  expect((await task.run(now)).removed).toEqual([]);
});
