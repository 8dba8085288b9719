/**
 * Hourly compaction: once an hour partition is closed (its hour ended more than minAge ago, so
 * the runtime has almost surely flushed its last batch there), its many small files — one per
 * sink write — are merged into one, deduplicated by event_id, and the small ones deleted.
 *
 * Crash safety: the merged file is named by its content like any part file, so a re-run after a
 * crash writes the same key again and then deletes what is left. Between the put and the
 * deletes, readers may briefly see the merged file and the small files together; the rows are
 * the same events, and readers dedupe by event_id (replay does), so this is harmless. A late
 * event that lands in a compacted hour adds a new small file, merged by the next run. Only files
 * listed before the merge are deleted, so a file put during compaction is never lost.
 *
 * A partition is merged in memory; one app-hour of events must fit (Parquet is ~10x smaller
 * than the decoded rows).
 */
import type { Logger } from "../../infra/telemetry/logger.ts";
import { counter } from "../../infra/telemetry/metrics.ts";
import { decodeEnvelopes } from "../parquet/decode.ts";
import { encodeEnvelopes } from "../parquet/encode.ts";
import { canonical } from "./canonical.ts";
import { partFileName } from "./file-name.ts";
import { mapLimit } from "./map-limit.ts";
import type { ObjectStore } from "./object-store.ts";
import { ARCHIVE_ROOT, dayEnd, parseDay, parsePartition, partitionEnd } from "./partition.ts";

const filesCompacted = counter("archive_files_compacted_total", "Small archive files merged away by compaction", ["store"]);

const HOUR_MS = 3_600_000;
const READ_CONCURRENCY = 4;

export interface CompactionResult {
  /** The partition prefix, `events/app_id=…/dt=…/hour=…/`. */
  partition: string;
  /** Key of the merged file; absent when there was nothing to merge. */
  merged?: string;
  /** Keys of the small files deleted. */
  removed: string[];
  rows: number;
}

export interface CompactorOptions {
  store: ObjectStore;
  /** An hour is closed once it ended this long ago. */
  minAgeMs: number;
  /** compactClosed() looks at hours that ended within this window (late events rarely go further back). */
  lookbackMs?: number;
  logger: Logger;
}

export interface Compactor {
  /** Merges one partition's files, whatever its age. */
  compactPartition(prefix: string): Promise<CompactionResult>;
  /** Merges every closed hour of every app within the lookback window. */
  compactClosed(now: number): Promise<CompactionResult[]>;
}

export function createCompactor(options: CompactorOptions): Compactor {
  const { store, logger } = options;
  const lookbackMs = options.lookbackMs ?? 48 * HOUR_MS;

  async function compactPartition(prefix: string): Promise<CompactionResult> {
    const files = (await store.list(prefix)).filter((o) => o.key.endsWith(".parquet") && !o.key.slice(prefix.length).includes("/"));
    if (files.length < 2) return { partition: prefix, removed: [], rows: 0 };
    const parts = await mapLimit(files, READ_CONCURRENCY, async (f) => decodeEnvelopes(await store.get(f.key)));
    const rows = canonical(parts.flat());
    const merged = prefix + partFileName(rows.map((e) => e.event_id));
    await store.put(merged, encodeEnvelopes(rows));
    const removed = files.map((f) => f.key).filter((k) => k !== merged);
    await store.delete(removed);
    filesCompacted.inc({ store: store.kind }, removed.length);
    logger.info("compacted partition", { partition: prefix, files: files.length, rows: rows.length, merged });
    return { partition: prefix, merged, removed, rows: rows.length };
  }

  async function compactClosed(now: number): Promise<CompactionResult[]> {
    const closedBefore = now - options.minAgeMs;
    const results: CompactionResult[] = [];
    for (const app of await store.listDirs(ARCHIVE_ROOT)) {
      for (const day of await store.listDirs(app)) {
        const dt = parseDay(day);
        if (!dt || dayEnd(dt) <= closedBefore - lookbackMs) continue;
        for (const hour of await store.listDirs(day)) {
          const p = parsePartition(hour);
          if (!p) continue;
          const end = partitionEnd(p);
          if (end > closedBefore || end <= closedBefore - lookbackMs) continue;
          const result = await compactPartition(hour);
          if (result.merged) results.push(result);
        }
      }
    }
    return results;
  }

  return { compactPartition, compactClosed };
}
