/**
 * Retention for the ClickHouse tier. ClickHouse 18.16 has no TTL, so this task drops whole
 * partitions (events and the rollup by day, window results and alerts by month) once everything
 * they can hold is older than the retention period. DROP PARTITION ID runs on 18.16 and current
 * versions alike and is a metadata operation: no rows are rewritten.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import type { RetentionTask } from "../retention/task.ts";

const TABLES = ["events", "events_per_minute", "window_results", "alerts"];
const DAY_MS = 86_400_000;
const literal = (s: string) => `'${s.replace(/[\\']/g, "\\$&")}'`;

/** When a partition's range ends (exclusive): ids are YYYYMMDD (day partitions) or YYYYMM (months). */
export function partitionEnd(partitionId: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})?$/.exec(partitionId);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]) - 1, m[3] === undefined ? undefined : Number(m[3])];
  return day === undefined ? Date.UTC(year, month + 1, 1) : Date.UTC(year, month, day + 1);
}

export function createClickHouseRetentionTask(o: { client: ClickHouseClient; database: string; retentionDays: number }): RetentionTask {
  return {
    tier: "clickhouse",
    async run(now) {
      const parts = await o.client
        .query({
          // Literals, not query parameters: 18.16 has no parameters.
          query: `SELECT DISTINCT table, partition_id FROM system.parts WHERE database = ${literal(o.database)} AND active AND table IN (${TABLES.map(literal).join(", ")})`,
          format: "JSONEachRow",
        })
        .then((r) => r.json<{ table: string; partition_id: string }>());
      const cutoff = now - o.retentionDays * DAY_MS;
      const expired = parts.filter((p) => {
        const end = partitionEnd(p.partition_id);
        return end !== undefined && end <= cutoff;
      });
      for (const p of expired) {
        await o.client.command({ query: `ALTER TABLE ${o.database}.${p.table} DROP PARTITION ID '${p.partition_id}'` });
      }
      return { removed: expired.map((p) => `${o.database}.${p.table} partition ${p.partition_id}`) };
    },
  };
}
