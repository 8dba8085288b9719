/**
 * The archive's file policy: what the sink writes goes first to a spool
 * (`spool/events/app_id=…/dt=…/hour=…/<ms>-part-<hash>.parquet`, in the same object store), one
 * small file per write, durable before the runtime commits its offsets. The roller cuts a
 * partition's spool into one archive file under `events/` when it holds `maxRows` rows or
 * `maxBytes` bytes and its oldest spooled write is at least `minAgeMs` old, or when that write is
 * `maxAgeMs` old; then it deletes the spooled files it merged. A roll takes only writes at least
 * `minAgeMs` old (rollAll(), at stop, takes all): a younger one may belong to a batch whose
 * offsets are not committed yet, which a crash would redeliver into the spool, and both copies
 * then go into one roll. Copies that come later than that (a broker down for minutes, a put
 * retried after it had in fact succeeded) are left out against the partition's earlier files
 * (merge.ts), so every event is in one archive file at any time, without waiting for
 * compaction. Writes are stamped with their time in their key. So at any rate an hour partition
 * gets a handful of files (at most one per `maxAgeMs`, fewer when larger files fill first), and
 * readers of `events/` see an event within `maxAgeMs` of its write.
 *
 * Crash safety: a roll first puts a manifest (`spool/…/hour=HH/roll.json`: the spooled keys and
 * the file they make), then the file, then deletes the spooled keys and the manifest. A process
 * that finds a manifest (at start, or before the next roll of that partition after a failed one)
 * finishes that roll: if its file exists, the keys it lists are
 * deleted (whatever the crash left of them); if not, the manifest is dropped and the keys are
 * rolled again. So a crash mid-roll never leaves the same events in two archive files. Only files
 * listed before the merge are deleted, so a write during a roll is kept for the next one.
 */
import type { Logger } from "../../infra/telemetry/logger.ts";
import { counter, gauge, histogram } from "../../infra/telemetry/metrics.ts";
import { eventIdRangesOf } from "../parquet/columns.ts";
import { createFileIndex, mergeFiles } from "./merge.ts";
import type { ObjectStore } from "./object-store.ts";
import { ARCHIVE_ROOT } from "./partition.ts";

export const SPOOL_ROOT = "spool/";
const MANIFEST = "roll.json";

interface Manifest {
  file: string;
  keys: string[];
}

const spoolPartitions = gauge("archive_spool_partitions", "Hour partitions with spooled writes not yet rolled into an archive file", ["store"]);
const spoolRows = gauge("archive_spool_rows", "Rows spooled and not yet rolled into an archive file", ["store"]);
const rolls = counter("archive_rolls_total", "Archive files cut from the spool", ["store"]);
const rollSeconds = histogram("archive_roll_seconds", "Duration of one roll (merge, put, deletes)", ["store"]);

export interface FilePolicy {
  maxRows: number;
  maxBytes: number;
  maxAgeMs: number;
  minAgeMs: number;
}

interface Open {
  /** When its oldest spooled write (still unrolled) was put. */
  since: number;
  rows: number;
  bytes: number;
}

export interface Roller {
  /** Counts a spooled write of `rows` rows and `bytes` bytes into the partition `prefix` (events/…/hour=HH/). */
  spooled(prefix: string, rows: number, bytes: number): void;
  /** Finds the spool a previous process left (and finishes a roll it left half-done). */
  recover(): Promise<void>;
  /** Rolls every partition that is due (one roll at a time). */
  rollDue(): Promise<void>;
  /** Rolls every spooled partition, due or not (at stop, and for tests). */
  rollAll(): Promise<void>;
}

const STAMP = 15;

export function spoolKey(prefix: string, at: number, name: string): string {
  // The time first: a roll merges a partition's writes in the order they were put, and knows their age.
  return `${SPOOL_ROOT}${prefix}${String(at).padStart(STAMP, "0")}-${name}`;
}

const spooledAt = (key: string): number => Number(key.slice(key.lastIndexOf("/") + 1).slice(0, STAMP)) || 0;

export function createRoller(options: { store: ObjectStore; policy: FilePolicy; logger: Logger; now?: () => number }): Roller {
  const { store, policy, logger } = options;
  const now = options.now ?? Date.now;
  const labels = { store: store.kind };
  const open = new Map<string, Open>();
  const index = createFileIndex();
  let rolling: Promise<void> = Promise.resolve();

  const report = () => {
    spoolPartitions.set(labels, open.size);
    spoolRows.set(labels, [...open.values()].reduce((n, o) => n + o.rows, 0));
  };

  const isDue = (o: Open, at: number) => {
    const age = at - o.since;
    return age >= policy.maxAgeMs || (age >= policy.minAgeMs && (o.rows >= policy.maxRows || o.bytes >= policy.maxBytes));
  };

  /** Rolls the partition's spooled files put before `cutoff`; later ones stay open for the next roll. */
  async function roll(prefix: string, cutoff: number) {
    const state = open.get(prefix);
    open.delete(prefix);
    const stop = rollSeconds.startTimer(labels);
    try {
      const dir = SPOOL_ROOT + prefix;
      // A roll of this partition that failed half-way (here or in a process that died) is finished first.
      if ((await store.list(dir + MANIFEST)).some((o) => o.key === dir + MANIFEST)) await finishRoll(dir);
      const all = (await store.list(dir)).filter((o) => o.key.endsWith(".parquet") && !o.key.slice(dir.length).includes("/"));
      const spooled = all.filter((o) => spooledAt(o.key) <= cutoff);
      const rest = all.filter((o) => spooledAt(o.key) > cutoff);
      if (rest.length) {
        // Younger writes may not be committed yet (a crash would redeliver them): the next roll takes them.
        const bytes = rest.reduce((n, o) => n + o.size, 0);
        const rows = state && state.bytes > 0 ? Math.round((state.rows * bytes) / state.bytes) : 0;
        const later = open.get(prefix);
        open.set(prefix, { since: Math.min(spooledAt(rest[0]!.key), later?.since ?? Infinity), rows: rows + (later?.rows ?? 0), bytes: bytes + (later?.bytes ?? 0) });
      }
      if (spooled.length === 0) return;
      const keys = spooled.map((o) => o.key);
      // The partition's earlier files: a batch spooled again after its first copy was rolled is not archived twice (merge.ts).
      const earlier = (await store.list(prefix)).filter((o) => o.key.endsWith(".parquet") && !o.key.slice(prefix.length).includes("/")).map((o) => o.key);
      const merged = await mergeFiles(store, keys, prefix, { against: earlier, index });
      if (merged) {
        const manifest = SPOOL_ROOT + prefix + MANIFEST;
        const done = [...keys, ...merged.replaces];
        await store.put(manifest, new TextEncoder().encode(JSON.stringify({ file: merged.key, keys: done } satisfies Manifest)));
        await store.put(merged.key, merged.body);
        index.remember(merged.key, eventIdRangesOf(merged.body));
        await store.delete(done);
        await store.delete([manifest]);
      } else await store.delete(keys);
      rolls.inc(labels);
      logger.info("archive file cut", { partition: prefix, spooled: keys.length, rows: merged?.rows ?? 0, bytes: merged?.body.byteLength ?? 0, key: merged?.key, replaced: merged?.replaces.length || undefined });
    } catch (err) {
      // Nothing was deleted that is not in a merged file: keep the partition open and try again.
      const later = open.get(prefix);
      if (state) open.set(prefix, { since: state.since, rows: state.rows + (later?.rows ?? 0), bytes: state.bytes + (later?.bytes ?? 0) });
      logger.error("archive roll failed; retrying on the next tick", { partition: prefix, err });
    } finally {
      stop();
      report();
    }
  }

  const serially = (work: () => Promise<void>) => (rolling = rolling.then(work));

  /** Finishes the roll a crash interrupted, if the manifest says one was under way. */
  async function finishRoll(dir: string) {
    const manifestKey = dir + MANIFEST;
    const manifest = JSON.parse(new TextDecoder().decode(await store.get(manifestKey))) as Manifest;
    const done = (await store.list(manifest.file)).some((o) => o.key === manifest.file);
    if (done) await store.delete(manifest.keys);
    await store.delete([manifestKey]);
    logger.info("finished an interrupted archive roll", { manifest: manifestKey, file: manifest.file, completed: done });
  }

  async function walk(prefix: string, depth: number) {
    for (const dir of await store.listDirs(prefix)) {
      if (depth > 0) {
        await walk(dir, depth - 1);
        continue;
      }
      let files = await store.list(dir);
      if (files.some((f) => f.key === dir + MANIFEST)) {
        await finishRoll(dir);
        files = await store.list(dir);
      }
      const spooled = files.filter((f) => f.key.endsWith(".parquet"));
      if (spooled.length) open.set(dir.slice(SPOOL_ROOT.length), { since: spooledAt(spooled[0]!.key), rows: 0, bytes: spooled.reduce((n, f) => n + f.size, 0) });
    }
  }

  return {
    spooled(prefix, rows, bytes) {
      const o = open.get(prefix);
      if (o) {
        o.rows += rows;
        o.bytes += bytes;
      } else open.set(prefix, { since: now(), rows, bytes });
      report();
    },
    async recover() {
      await walk(SPOOL_ROOT + ARCHIVE_ROOT, 2); // app_id=… / dt=… / hour=…
      report();
    },
    rollDue: () => serially(async () => {
      const at = now();
      for (const [prefix, o] of [...open]) if (isDue(o, at)) await roll(prefix, at - policy.minAgeMs);
    }),
    rollAll: () => serially(async () => {
      for (const prefix of [...open.keys()]) await roll(prefix, Infinity);
    }),
  };
}
