/**
 * Merges archive files into one, a row group at a time: the rolls of the spool (roll.ts) and
 * compaction both use it. Rows pass through as columns (store/parquet/columns.ts): only
 * event_id, ts and received_at are looked at, to order and deduplicate; every other value is the
 * string the source held. Memory holds one output row group's source columns, the merged file's
 * bytes and the ids seen.
 *
 * Each event is kept once, its copy received first (canonical.ts, as in Postgres and ClickHouse):
 * a later source's copy with an earlier received_at replaces one still in the row group being
 * built; if that group was already written, the merge runs again knowing each id's winner (rare:
 * a resend received earlier than a copy in an earlier file).
 *
 * `against`: files already in the partition (earlier rolls). A batch can reach the spool again
 * after its first copy was rolled: a broker down for minutes (the commits fail, the batches come
 * again), a put that succeeded but answered an error (the retry spools the same events under a
 * new key). So the merge leaves out every event an earlier file holds, unless the source's copy
 * was received earlier, in which case that file is merged in and replaced (`replaces`): one row
 * per event in the partition, the first received, with no wait for compaction. Which earlier
 * files to read is decided by their row groups' event_id statistics (UUIDv7 ids are time-ordered,
 * so a roll usually overlaps one group of the previous file), then only the event_id and
 * received_at columns of the overlapping groups are read.
 *
 * The merged file is named by its event ids (file-name.ts), so a merge of the same events (a
 * compaction re-run after a crash) writes the same key again. The caller puts it. Row groups
 * follow the order of the keys given; each group is in (ts, event_id) order, so a file of one
 * group is in canonical form (canonical.ts).
 */
import { createArchiveFileWriter } from "../parquet/encode.ts";
import { boundsOf, openColumns, type RowGroupColumns, type RowGroupRange } from "../parquet/columns.ts";
import { archiveColumns } from "../parquet/schema.ts";
import { partFileName } from "./file-name.ts";
import type { ObjectStore } from "./object-store.ts";

/** Rows per row group of a merged file: what a merge holds as values at once (the 30-minute soak ran with 50,000, and RSS rose by ~100 MiB at its first roll). */
export const MERGE_ROW_GROUP = 10_000;

export interface Merged {
  key: string;
  rows: number;
  body: Uint8Array;
  /** Files of `against` merged in because a source held an earlier-received copy of one of their events: delete them once `key` is put (never `key` itself). */
  replaces: string[];
}

export interface MergeOptions {
  /** Files already in the partition whose events the merged file must not hold again. */
  against?: readonly string[];
  /** Row-group ranges of files already looked at, so that each is fetched once for its footer. */
  index?: FileIndex;
}

/** Merges `sources` (in that order) into one file for `prefix`; undefined when they hold no rows (or only events `against` holds). */
export async function mergeFiles(store: ObjectStore, sources: readonly string[], prefix: string, options: MergeOptions = {}): Promise<Merged | undefined> {
  let against = options.against ?? [];
  let exclude = new Set<string>();
  let replaces: string[] = [];
  let merged = await mergeAll(store, sources, exclude);
  if (against.length > 0) {
    const prior = await priorCopies(store, against, merged.kept, options.index ?? createFileIndex());
    if (prior.size > 0) {
      const replaced = new Set<string>();
      for (const [id, p] of prior) if (merged.kept.get(id)! < p.receivedAt) replaced.add(p.file);
      exclude = new Set([...prior].filter(([, p]) => !replaced.has(p.file)).map(([id]) => id));
      replaces = [...replaced];
      against = against.filter((k) => !replaced.has(k));
      merged = await mergeAll(store, [...replaces, ...sources], exclude);
    }
  }
  if (merged.writer.rows === 0) return undefined;
  const key = prefix + partFileName(merged.kept.keys());
  return { key, rows: merged.writer.rows, body: merged.writer.finish(), replaces: replaces.filter((k) => k !== key) };
}

async function mergeAll(store: ObjectStore, sources: readonly string[], exclude: ReadonlySet<string>) {
  const first = await mergePass(store, sources, exclude, undefined);
  return first.redo ? mergePass(store, sources, exclude, first.kept) : first;
}

const INT64 = new Set(archiveColumns.filter((c) => c.type === "INT64").map((c) => c.name));

/** One pass over the sources; with `winners` (each id's smallest received_at) only the winning copies are written. */
async function mergePass(store: ObjectStore, sources: readonly string[], exclude: ReadonlySet<string>, winners: ReadonlyMap<string, number> | undefined) {
  const writer = createArchiveFileWriter();
  /** Each id's kept copy: its received_at. */
  const kept = new Map<string, number>();
  let redo = false;
  // The row group being built, as (source group, row) pairs with the row's ts and id for sorting.
  let from: RowGroupColumns[] = [];
  let row: number[] = [];
  let ts: number[] = [];
  let ids: string[] = [];
  const inGroup = new Map<string, number>();
  const flush = () => {
    const n = row.length;
    if (n === 0) return;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ts[a]! - ts[b]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
    const values: Record<string, ArrayLike<unknown>> = {};
    for (const { name } of archiveColumns) {
      const out: { [i: number]: unknown; length: number } = INT64.has(name) ? new BigInt64Array(n) : new Array<unknown>(n);
      for (let k = 0; k < n; k++) {
        const i = order[k]!;
        out[k] = from[i]!.values[name]![row[i]!];
      }
      values[name] = out;
    }
    writer.writeColumns(values, n);
    from = [];
    row = [];
    ts = [];
    ids = [];
    inGroup.clear();
  };
  for (const key of sources) {
    const file = await openColumns(await store.get(key));
    for (const range of file.ranges) {
      if (range.rowEnd === range.rowStart) continue;
      const group = await file.read(range.rowStart, range.rowEnd);
      const groupIds = group.values.event_id as ArrayLike<string>;
      const groupTs = group.values.ts as BigInt64Array;
      const received = group.values.received_at as BigInt64Array;
      for (let i = 0; i < group.rows; i++) {
        const id = groupIds[i]!;
        if (exclude.has(id)) continue;
        const r = Number(received[i]);
        if (winners && winners.get(id) !== r) continue;
        const before = kept.get(id);
        if (before !== undefined) {
          if (r >= before) continue;
          kept.set(id, r);
          const at = inGroup.get(id);
          if (at === undefined) redo = true;
          else {
            from[at] = group;
            row[at] = i;
            ts[at] = Number(groupTs[i]);
          }
          continue;
        }
        kept.set(id, r);
        inGroup.set(id, row.length);
        from.push(group);
        row.push(i);
        ts.push(Number(groupTs[i]));
        ids.push(id);
        if (row.length >= MERGE_ROW_GROUP) flush();
      }
    }
  }
  flush();
  return { writer, kept, redo };
}

/** What the archive knows of files it has looked at: their row groups' event_id ranges. Files are immutable per key (named by content). */
export interface FileIndex {
  ranges(key: string): RowGroupRange[] | undefined;
  remember(key: string, ranges: RowGroupRange[]): void;
}

/** At most `capacity` files, the least recently remembered dropped first (a few per partition-hour are ever looked at again). */
export function createFileIndex(capacity = 2_000): FileIndex {
  const byKey = new Map<string, RowGroupRange[]>();
  return {
    ranges: (key) => byKey.get(key),
    remember(key, ranges) {
      byKey.delete(key);
      byKey.set(key, ranges);
      if (byKey.size > capacity) byKey.delete(byKey.keys().next().value!);
    },
  };
}

interface Prior {
  receivedAt: number;
  file: string;
}

/** The copies `files` hold of the ids in `kept`: for each such id, its received_at there and the file. */
async function priorCopies(store: ObjectStore, files: readonly string[], kept: ReadonlyMap<string, number>, index: FileIndex): Promise<Map<string, Prior>> {
  const prior = new Map<string, Prior>();
  if (kept.size === 0) return prior;
  const sorted = [...kept.keys()].sort();
  const anyIn = (range: RowGroupRange) => {
    const bounds = boundsOf(range);
    if (!bounds) return true;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < bounds.min) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length && sorted[lo]! <= bounds.max;
  };
  for (const key of files) {
    let bytes: Uint8Array | undefined;
    let ranges = index.ranges(key);
    if (!ranges) {
      bytes = await store.get(key);
      ranges = (await openColumns(bytes, ["event_id"])).ranges;
      index.remember(key, ranges);
    }
    const overlapping = ranges.filter((r) => r.rowEnd > r.rowStart && anyIn(r));
    if (overlapping.length === 0) continue;
    const file = await openColumns(bytes ?? (await store.get(key)), ["event_id", "received_at"]);
    for (const range of overlapping) {
      const group = await file.read(range.rowStart, range.rowEnd);
      const groupIds = group.values.event_id as ArrayLike<string>;
      const received = group.values.received_at as BigInt64Array;
      for (let i = 0; i < group.rows; i++) {
        const id = groupIds[i]!;
        if (kept.has(id)) prior.set(id, { receivedAt: Number(received[i]), file: key });
      }
    }
  }
  return prior;
}
