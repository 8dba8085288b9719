/**
 * Compaction of the results archive (results-archive.ts): each write of window results or alerts
 * puts a file per UTC day, so a day directory (`window_results/dt=…/`, `alerts/dt=…/`) gathers a
 * file per store batch, thousands a day, and a reader pays for every file it opens (chdb ~0.15 ms
 * of CPU each, docs/store.md). A run merges a day's small files into files of up to
 * RESULTS_MERGE_BYTES of input each, keeping one row per id and revision (window results) or per
 * id (alerts): copies of a row are a batch written again, the same row. Days within the lookback
 * are looked at, today's included: files keep coming in, and a merged file under the size is
 * merged again with them on the next run, so a day ends with a few files whatever the batching.
 *
 * Crash safety, as for the events (compaction.ts): the merged file is put before the files it
 * holds are deleted, and is named by its rows' keys, so a run after a crash merges the same rows
 * into the same key and then deletes what is left; only files listed before the merge are deleted,
 * so a file written meanwhile waits for the next run. Readers may briefly see a row twice, which
 * the tier's queries (argMax by revision, GROUP BY id) collapse anyway.
 */
import type { Logger } from "../../infra/telemetry/logger.ts";
import { decodeRows, encodeRows, type FlatRow } from "../parquet/rows.ts";
import type { CompactionResult } from "./compaction.ts";
import { partFileName } from "./file-name.ts";
import type { ObjectInfo, ObjectStore } from "./object-store.ts";
import { ALERTS_ROOT, dayEnd, parseDay, WINDOW_RESULTS_ROOT } from "./partition.ts";

/**
 * Input bytes per merged file, and the size under which a file is small. Results are JSON-heavy
 * (alert bodies, window values): 4 MiB of Parquet are tens of MiB as objects, which a merge holds.
 */
export const RESULTS_MERGE_BYTES = 4 * 1024 * 1024;
const HOUR_MS = 3_600_000;

/** The key a row is kept once by, per results root. */
const keyOf: Record<string, (row: FlatRow) => string> = {
  [WINDOW_RESULTS_ROOT]: (r) => `${r.id}\u0000${r.revision}`,
  [ALERTS_ROOT]: (r) => String(r.id),
};

export interface ResultsCompactor {
  /** Merges the small files of one day directory (`window_results/dt=…/` or `alerts/dt=…/`). */
  compactDay(prefix: string): Promise<CompactionResult[]>;
  /** Every day directory of both roots whose day ended less than lookbackMs before `now`, or is still going. */
  compactRecent(now: number): Promise<CompactionResult[]>;
}

/** Consecutive files whose sizes add up to at most `max` each (a file larger than that alone). */
function groupsOf(files: ObjectInfo[], max: number): ObjectInfo[][] {
  const groups: ObjectInfo[][] = [];
  let group: ObjectInfo[] = [];
  let bytes = 0;
  for (const f of files) {
    if (group.length && bytes + f.size > max) groups.push(group), (group = []), (bytes = 0);
    group.push(f);
    bytes += f.size;
  }
  if (group.length) groups.push(group);
  return groups;
}

export function createResultsCompactor(options: { store: ObjectStore; logger: Logger; lookbackMs?: number; mergeBytes?: number }): ResultsCompactor {
  const { store, logger } = options;
  const lookbackMs = options.lookbackMs ?? 48 * HOUR_MS;
  const mergeBytes = options.mergeBytes ?? RESULTS_MERGE_BYTES;

  async function compactDay(prefix: string): Promise<CompactionResult[]> {
    const root = [WINDOW_RESULTS_ROOT, ALERTS_ROOT].find((r) => prefix.startsWith(r));
    if (!root) throw new Error(`not a results day directory: ${prefix}`);
    const small = (await store.list(prefix)).filter((o) => o.key.endsWith(".parquet") && !o.key.slice(prefix.length).includes("/") && o.size < mergeBytes);
    const results: CompactionResult[] = [];
    for (const group of groupsOf(small, mergeBytes)) {
      if (group.length < 2) continue;
      const rows = new Map<string, FlatRow>();
      for (const f of group) for (const row of await decodeRows(await store.get(f.key))) if (!rows.has(keyOf[root]!(row))) rows.set(keyOf[root]!(row), row);
      const key = prefix + partFileName(rows.keys());
      await store.put(key, encodeRows([...rows.values()]));
      const removed = group.map((f) => f.key).filter((k) => k !== key);
      await store.delete(removed);
      logger.info("compacted results", { prefix, files: group.length, rows: rows.size, merged: key });
      results.push({ partition: prefix, merged: key, removed, rows: rows.size });
    }
    return results;
  }

  async function compactRecent(now: number): Promise<CompactionResult[]> {
    const results: CompactionResult[] = [];
    for (const root of [WINDOW_RESULTS_ROOT, ALERTS_ROOT]) {
      for (const day of await store.listDirs(root)) {
        const dt = parseDay(day);
        if (dt && dayEnd(dt) > now - lookbackMs) results.push(...(await compactDay(day)));
      }
    }
    return results;
  }

  return { compactDay, compactRecent };
}
