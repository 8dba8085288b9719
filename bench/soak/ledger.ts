/**
 * The soak's ledger: how many times each tier holds each acknowledged event, read back after the
 * run, and every expected alert (one per acknowledged marker) against what the webhook received.
 * Counts are per id, so a loss or a duplicate can be tied to the fault it happened under.
 */
import { createClient } from "@clickhouse/client";
import postgres from "postgres";
import { decodeEnvelopeSlices } from "../../store/parquet/decode.ts";
import { createArchiveStore } from "../../store/s3/index.ts";

export interface TierCount {
  tier: string;
  counts: Map<string, number>;
  note?: string;
}

export interface StackTiers {
  clickhouseUrl: string;
  clickhouseDatabase: string;
  postgresUrl: string;
  postgresSchema: string;
  s3: { endpoint: string; accessKey: string; secretKey: string; bucket: string };
}

async function archiveCounts(store: ReturnType<typeof createArchiveStore>, tier: string): Promise<TierCount> {
  const counts = new Map<string, number>();
  const keys = (await store.list("events/")).filter((o) => o.key.endsWith(".parquet"));
  const spooled = (await store.list("spool/")).filter((o) => o.key.endsWith(".parquet"));
  for (const o of [...keys, ...spooled]) {
    for await (const slice of decodeEnvelopeSlices(await store.get(o.key), 50_000)) {
      for (const e of slice) counts.set(e.event_id, (counts.get(e.event_id) ?? 0) + 1);
    }
  }
  return { tier, counts, note: `${keys.length} files under events/, ${spooled.length} still in the spool` };
}

export const embeddedTiers = (dataDir: string): Promise<TierCount[]> =>
  Promise.all([archiveCounts(createArchiveStore({ FG_DATA_DIR: dataDir, FG_S3_BUCKET: "unused", FG_S3_REGION: "us-east-1" }), "archive (files)")]);

export async function stackTiers(t: StackTiers): Promise<TierCount[]> {
  const ch = createClient({ url: t.clickhouseUrl, database: t.clickhouseDatabase, request_timeout: 300_000 });
  const sql = postgres(t.postgresUrl, { max: 1, onnotice: () => {} });
  try {
    const chRows = async () => {
      const r = await ch.query({ query: "SELECT event_id, toUInt32(count()) AS n FROM events GROUP BY event_id", format: "JSONEachRow" });
      return new Map((await r.json<{ event_id: string; n: number }>()).map((x) => [x.event_id, Number(x.n)]));
    };
    const raw = await chRows();
    // ReplacingMergeTree collapses duplicates only when parts merge: the figure that counts is after a merge.
    await ch.command({ query: "OPTIMIZE TABLE events FINAL" });
    const merged = await chRows();
    const rawDuplicates = [...raw.values()].reduce((s, n) => s + n - 1, 0);
    const pg = await sql.unsafe(`select event_id, count(*)::int as n from ${t.postgresSchema}.events group by event_id`);
    const archive = await archiveCounts(createArchiveStore({
      FG_DATA_DIR: "/nonexistent", FG_S3_ENDPOINT: t.s3.endpoint, FG_S3_ACCESS_KEY: t.s3.accessKey, FG_S3_SECRET_KEY: t.s3.secretKey, FG_S3_BUCKET: t.s3.bucket, FG_S3_REGION: "us-east-1",
    }), "archive (S3)");
    return [
      { tier: "ClickHouse", counts: merged, note: `${rawDuplicates} duplicate rows before OPTIMIZE FINAL (ReplacingMergeTree merges them)` },
      { tier: "Postgres", counts: new Map(pg.map((r) => [r.event_id as string, r.n as number])) },
      archive,
    ];
  } finally {
    await Promise.allSettled([ch.close(), sql.end()]);
  }
}

export interface Verdict {
  tier: string;
  acked: number;
  found: number;
  lost: string[];
  duplicated: string[];
  note?: string;
}

export function judge(acked: ReadonlyMap<string, number>, tier: TierCount): Verdict {
  const lost: string[] = [];
  const duplicated: string[] = [];
  let found = 0;
  for (const id of acked.keys()) {
    const n = tier.counts.get(id) ?? 0;
    if (n === 0) lost.push(id);
    else found++;
    if (n > 1) duplicated.push(id);
  }
  return { tier: tier.tier, acked: acked.size, found, lost, duplicated, note: tier.note };
}
