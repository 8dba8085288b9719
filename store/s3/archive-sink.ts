/**
 * The cold-archive sink: each write() groups its events by Hive partition (app, UTC day and
 * hour of event time) and puts one small Parquet file per partition into the spool, resolving
 * only when every file is durable in the object store, so the runtime's offset commit never runs
 * ahead of the data. The roller (roll.ts) cuts the spool into the archive's files by rows, bytes
 * or age, so the number of files does not follow the number of writes.
 *
 * A write of fewer than `spool.minRows` events waits until `spool.intervalMs` has passed since the
 * previous one: the bus hands the runtime one delivery at a time, so at a low rate every write
 * would hold a handful of events; waiting lets the next delivery gather more, for at most that
 * interval of added latency, and bounds the spool to a few files a second.
 *
 * Idempotence: a spooled file holds the canonical form of its events (canonical.ts); a batch
 * written again (redelivered, or retried after a put that had in fact succeeded) is spooled
 * again, and the roll keeps each event once: within what it merges, and against the
 * partition's earlier archive files (merge.ts).
 */
import type { Envelope } from "../../schemas/envelope.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import { counter, histogram } from "../../infra/telemetry/metrics.ts";
import { encodeEnvelopes } from "../parquet/encode.ts";
import { SinkError, type Sink } from "../sink.ts";
import { canonical } from "./canonical.ts";
import { partFileName } from "./file-name.ts";
import { mapLimit } from "./map-limit.ts";
import type { ObjectStore } from "./object-store.ts";
import { partitionOf, partitionPrefix } from "./partition.ts";
import { createRoller, spoolKey, type FilePolicy } from "./roll.ts";

const filesWritten = counter("archive_spool_files_written_total", "Parquet files the archive sink put into its spool", ["store"]);
const rowsWritten = counter("archive_rows_written_total", "Rows in Parquet files the archive sink put", ["store"]);
const bytesWritten = counter("archive_bytes_written_total", "Bytes of Parquet files the archive sink put", ["store"]);
const writeSeconds = histogram("archive_write_seconds", "Duration of one archive sink write()", ["store"]);

export interface SpoolPolicy {
  /** A write smaller than this waits for intervalMs since the previous one. */
  minRows: number;
  intervalMs: number;
}

export interface ParquetArchiveSinkOptions {
  store: ObjectStore;
  /** Files of one write() uploaded at once. */
  uploadConcurrency: number;
  files: FilePolicy;
  spool: SpoolPolicy;
  /** How often the roller looks for partitions due. */
  rollCheckMs?: number;
  logger: Logger;
  now?: () => number;
}

export interface ArchiveSink extends Sink {
  /** Rolls the partitions that are due now (a timer does it every few seconds). */
  rollDue(): Promise<void>;
  /** Rolls every spooled partition into archive files now (close() does it too). */
  rollAll(): Promise<void>;
}

interface PartFile {
  prefix: string;
  name: string;
  rows: number;
  body: Uint8Array;
}

const HOUR_MS = 3_600_000;

/** One file per partition touched by the batch, in canonical form. */
function planFiles(events: readonly Envelope[]): PartFile[] {
  // Grouped by app and hour number, so that no key is built per event: the prefix once per group.
  const byApp = new Map<string, Map<number, Envelope[]>>();
  for (const e of events) {
    let hours = byApp.get(e.app_id);
    if (!hours) byApp.set(e.app_id, (hours = new Map()));
    const hour = Math.floor(e.ts / HOUR_MS);
    let group = hours.get(hour);
    if (!group) hours.set(hour, (group = []));
    group.push(e);
  }
  return [...byApp].flatMap(([app, hours]) => [...hours].map(([hour, group]) => {
    const rows = canonical(group);
    const prefix = partitionPrefix(partitionOf(app, hour * HOUR_MS));
    return { prefix, name: partFileName(rows.map((e) => e.event_id)), rows: rows.length, body: encodeEnvelopes(rows) };
  }));
}

export function createParquetArchiveSink(options: ParquetArchiveSinkOptions): ArchiveSink {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const labels = { store: store.kind };
  const roller = createRoller({ store, policy: options.files, logger, now });
  let ticker: ReturnType<typeof setInterval> | undefined;
  let lastWriteAt = 0;
  let prepared = false;

  return {
    name: "archive",
    async prepare() {
      await store.prepare();
      if (prepared) return;
      await roller.recover();
      prepared = true;
      const every = options.rollCheckMs ?? Math.min(5_000, options.files.minAgeMs);
      ticker = setInterval(() => void roller.rollDue(), every);
    },
    async write(events) {
      if (events.length === 0) return;
      if (events.length < options.spool.minRows) {
        const wait = lastWriteAt + options.spool.intervalMs - now();
        if (wait > 0) await Bun.sleep(wait);
      }
      lastWriteAt = now();
      const stop = writeSeconds.startTimer(labels);
      let files: PartFile[];
      try {
        files = planFiles(events);
      } catch (err) {
        // The events passed the envelope schema, so a failure to encode them is not transient.
        throw new SinkError(`archive: cannot encode batch as Parquet: ${(err as Error).message}`, true, { cause: err });
      }
      const at = now();
      try {
        await mapLimit(files, options.uploadConcurrency, (f) => store.put(spoolKey(f.prefix, at, f.name), f.body));
      } catch (err) {
        throw new SinkError(`archive: ${store.kind} put failed: ${(err as Error).message}`, false, { cause: err });
      }
      for (const f of files) {
        roller.spooled(f.prefix, f.rows, f.body.byteLength);
        rowsWritten.inc(labels, f.rows);
        bytesWritten.inc(labels, f.body.byteLength);
      }
      filesWritten.inc(labels, files.length);
      stop();
      logger.debug("spooled batch", { events: events.length, files: files.length });
    },
    rollDue: () => roller.rollDue(),
    rollAll: () => roller.rollAll(),
    async close() {
      clearInterval(ticker);
      if (prepared) await roller.rollAll();
    },
  };
}
