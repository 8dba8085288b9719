/**
 * The cold-archive sink: each write() groups its events by Hive partition (app, UTC day and
 * hour of event time) and puts one Parquet file per partition, resolving only when every file
 * is durable in the object store, so the runtime's offset commit never runs ahead of the data.
 * Batching by size and time is the runtime's job; this writes exactly what it is given.
 *
 * Idempotence: a file holds the canonical form of its events (canonical.ts) and is named by
 * their ids (file-name.ts), so a batch written again replaces its own files. A batch that is
 * redelivered with other boundaries lands in other files; compaction and readers dedupe by
 * event_id, as they must for at-least-once delivery anyway.
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

const filesWritten = counter("archive_files_written_total", "Parquet files the archive sink put", ["store"]);
const rowsWritten = counter("archive_rows_written_total", "Rows in Parquet files the archive sink put", ["store"]);
const bytesWritten = counter("archive_bytes_written_total", "Bytes of Parquet files the archive sink put", ["store"]);
const writeSeconds = histogram("archive_write_seconds", "Duration of one archive sink write()", ["store"]);

export interface ParquetArchiveSinkOptions {
  store: ObjectStore;
  /** Files of one write() uploaded at once. */
  uploadConcurrency: number;
  logger: Logger;
}

interface PartFile {
  key: string;
  rows: number;
  body: Uint8Array;
}

/** One file per partition touched by the batch, in canonical form. */
function planFiles(events: readonly Envelope[]): PartFile[] {
  const byPartition = new Map<string, Envelope[]>();
  for (const e of events) {
    const prefix = partitionPrefix(partitionOf(e.app_id, e.ts));
    let group = byPartition.get(prefix);
    if (!group) byPartition.set(prefix, (group = []));
    group.push(e);
  }
  return [...byPartition].map(([prefix, group]) => {
    const rows = canonical(group);
    return { key: prefix + partFileName(rows.map((e) => e.event_id)), rows: rows.length, body: encodeEnvelopes(rows) };
  });
}

export function createParquetArchiveSink(options: ParquetArchiveSinkOptions): Sink {
  const { store, logger } = options;
  const labels = { store: store.kind };
  return {
    name: "archive",
    prepare: () => store.prepare(),
    async write(events) {
      if (events.length === 0) return;
      const stop = writeSeconds.startTimer(labels);
      let files: PartFile[];
      try {
        files = planFiles(events);
      } catch (err) {
        // The events passed the envelope schema, so a failure to encode them is not transient.
        throw new SinkError(`archive: cannot encode batch as Parquet: ${(err as Error).message}`, true, { cause: err });
      }
      try {
        await mapLimit(files, options.uploadConcurrency, (f) => store.put(f.key, f.body));
      } catch (err) {
        throw new SinkError(`archive: ${store.kind} put failed: ${(err as Error).message}`, false, { cause: err });
      }
      for (const f of files) {
        rowsWritten.inc(labels, f.rows);
        bytesWritten.inc(labels, f.body.byteLength);
      }
      filesWritten.inc(labels, files.length);
      stop();
      logger.debug("archived batch", { events: events.length, files: files.length });
    },
    async close() {},
  };
}
