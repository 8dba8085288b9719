/**
 * Merges archive files into one, a row group at a time: the rolls of the spool (roll.ts) and
 * compaction both use it. Memory holds one slice of decoded rows, the merged file's bytes and
 * the ids seen (each event is kept once: a batch redelivered after a crash may sit in two files).
 *
 * The merged file is named by its event ids (file-name.ts), so a merge of the same events (a
 * compaction re-run after a crash) writes the same key again. The caller puts it. Row groups follow the order of the keys given; each group is in (ts,
 * event_id) order, so a file of one group is in canonical form (canonical.ts).
 */
import type { Envelope } from "../../schemas/envelope.ts";
import { decodeEnvelopeSlices } from "../parquet/decode.ts";
import { createEnvelopeFileWriter } from "../parquet/encode.ts";
import { byTimeThenId } from "./canonical.ts";
import { partFileName } from "./file-name.ts";
import type { ObjectStore } from "./object-store.ts";

/** Rows per row group of a merged file, and per slice decoded at once. */
export const MERGE_ROW_GROUP = 50_000;

export interface Merged {
  key: string;
  rows: number;
  body: Uint8Array;
}

/** Merges `sources` (in that order) into one file for `prefix`; undefined when they hold no rows. */
export async function mergeFiles(store: ObjectStore, sources: readonly string[], prefix: string): Promise<Merged | undefined> {
  const writer = createEnvelopeFileWriter();
  const seen = new Set<string>();
  let group: Envelope[] = [];
  const flush = () => {
    writer.write(group.sort(byTimeThenId));
    group = [];
  };
  for (const key of sources) {
    for await (const slice of decodeEnvelopeSlices(await store.get(key), MERGE_ROW_GROUP)) {
      for (const e of slice) {
        if (seen.has(e.event_id)) continue;
        seen.add(e.event_id);
        group.push(e);
        if (group.length >= MERGE_ROW_GROUP) flush();
      }
    }
  }
  flush();
  if (writer.rows === 0) return undefined;
  return { key: prefix + partFileName(seen), rows: writer.rows, body: writer.finish() };
}
