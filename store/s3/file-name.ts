/**
 * File names derived from content: the SHA-256 of the sorted, distinct event_ids. Writing the
 * same events again (a batch redelivered after a crash, a compaction re-run) puts an object with
 * the same key, which replaces the first one instead of adding a duplicate next to it.
 */
export function partFileName(eventIds: Iterable<string>): string {
  const ids = [...new Set(eventIds)].sort();
  const hash = new Bun.CryptoHasher("sha256");
  for (const id of ids) hash.update(`${id}\n`); // the separator keeps ["ab","c"] apart from ["a","bc"]
  return `part-${hash.digest("hex").slice(0, 32)}.parquet`;
}
