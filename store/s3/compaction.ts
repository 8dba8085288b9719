/**
 * Hourly compaction: once an hour partition is closed (its hour ended more than minAge ago, so
 * the roller has cut its last file there), its small files — a roll of few rows, late events
 * rolled after the hour, files of an older version written one per batch — are merged into one,
 * deduplicated by event_id, and deleted. Files of `smallFileBytes` or more are left as they are.
 *
 * Crash safety: the merged file is named by the keys it merges (merge.ts), so a re-run after a
 * crash writes the same key again and then deletes what is left. Between the put and the
 * deletes, readers may briefly see the merged file and the small files together; the rows are
 * the same events, and readers dedupe by event_id (replay does), so this is harmless. A late
 * event that lands in a compacted hour adds a new small file, merged by the next run. Only files
 * listed before the merge are deleted, so a file put during compaction is never lost.
 *
 * Files are merged a row group at a time (merge.ts), so memory holds one slice of rows, the
 * merged file's bytes and the ids seen, not the whole hour as objects.
 */
import type { Logger } from "../../infra/telemetry/logger.ts";
import { counter } from "../../infra/telemetry/metrics.ts";
import { mergeFiles } from "./merge.ts";
import type { ObjectStore } from "./object-store.ts";
import { ARCHIVE_ROOT, dayEnd, parseDay, parsePartition, partitionEnd } from "./partition.ts";

const filesCompacted = counter("archive_files_compacted_total", "Small archive files merged away by compaction", ["store"]);

const HOUR_MS = 3_600_000;

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
  /** Files at least this large are not merged (default: all are). */
  smallFileBytes?: number;
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
    const small = options.smallFileBytes ?? Infinity;
    const files = (await store.list(prefix)).filter((o) => o.key.endsWith(".parquet") && !o.key.slice(prefix.length).includes("/") && o.size < small);
    if (files.length < 2) return { partition: prefix, removed: [], rows: 0 };
    const result = await mergeFiles(store, files.map((f) => f.key), prefix);
    if (result) await store.put(result.key, result.body);
    const merged = result?.key;
    const removed = files.map((f) => f.key).filter((k) => k !== merged);
    await store.delete(removed);
    filesCompacted.inc({ store: store.kind }, removed.length);
    logger.info("compacted partition", { partition: prefix, files: files.length, rows: result?.rows ?? 0, merged });
    return { partition: prefix, merged, removed, rows: result?.rows ?? 0 };
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
