/**
 * Merges archive files into one, a row group at a time: the rolls of the spool (roll.ts) and
 * compaction both use it. Memory holds one slice of decoded rows, the merged file's bytes and
 * the ids seen (each event is kept once: a batch redelivered after a crash may sit in two files).
 * Of an id's copies the one received first is kept (canonical.ts, as in Postgres and ClickHouse):
 * a later file's copy with an earlier received_at replaces one still in the row group being
 * built; if that group was already written, the merge runs again knowing each id's winner (rare:
 * a resend received earlier than a copy in an earlier file).
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

/** Rows per row group of a merged file, and per slice decoded at once: what a roll holds as objects (the 30-minute soak ran with 50,000, and RSS rose by ~100 MiB at its first roll). */
export const MERGE_ROW_GROUP = 10_000;

export interface Merged {
  key: string;
  rows: number;
  body: Uint8Array;
}

/** Merges `sources` (in that order) into one file for `prefix`; undefined when they hold no rows. */
export async function mergeFiles(store: ObjectStore, sources: readonly string[], prefix: string): Promise<Merged | undefined> {
  /** Each id's kept copy: its received_at. */
  const kept = new Map<string, number>();
  const first = await mergePass(store, sources, kept, undefined);
  const merged = first.redo ? (await mergePass(store, sources, new Map(), kept)).writer : first.writer;
  if (merged.rows === 0) return undefined;
  return { key: prefix + partFileName(kept.keys()), rows: merged.rows, body: merged.finish() };
}

/** One pass over the sources; with `winners` (each id's smallest received_at) only the winning copies are written. */
async function mergePass(store: ObjectStore, sources: readonly string[], kept: Map<string, number>, winners: Map<string, number> | undefined) {
  const writer = createEnvelopeFileWriter();
  let redo = false;
  let group: Envelope[] = [];
  /** Index in `group` of the ids it holds. */
  const inGroup = new Map<string, number>();
  const flush = () => {
    writer.write(group.sort(byTimeThenId));
    group = [];
    inGroup.clear();
  };
  for (const key of sources) {
    for await (const slice of decodeEnvelopeSlices(await store.get(key), MERGE_ROW_GROUP)) {
      for (const e of slice) {
        if (winners && winners.get(e.event_id) !== e.received_at) continue;
        const before = kept.get(e.event_id);
        if (before !== undefined) {
          if (e.received_at >= before) continue;
          kept.set(e.event_id, e.received_at);
          const at = inGroup.get(e.event_id);
          if (at === undefined) redo = true;
          else group[at] = e;
          continue;
        }
        kept.set(e.event_id, e.received_at);
        inGroup.set(e.event_id, group.length);
        group.push(e);
        if (group.length >= MERGE_ROW_GROUP) flush();
      }
    }
  }
  flush();
  return { writer, redo };
}
