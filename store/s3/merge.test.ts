/** Merging archive files keeps each event once, the copy received first, even when it comes last. */
import { expect, test } from "bun:test";
import { decodeEnvelopes } from "../parquet/decode.ts";
import { encodeEnvelopes } from "../parquet/encode.ts";
import { canonical } from "./canonical.ts";
import { createFileIndex, MERGE_ROW_GROUP, mergeFiles } from "./merge.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { freshFsStore } from "../../test/support/store/test-stores.ts";

const prefix = "events/app_id=shop/dt=2024-03-10/hour=22/";

async function merged(files: Parameters<typeof encodeEnvelopes>[0][]) {
  const store = await freshFsStore();
  const keys = files.map((_, i) => `${prefix}f${i}.parquet`);
  for (const [i, rows] of files.entries()) await store.put(keys[i]!, encodeEnvelopes(canonical(rows)));
  const out = await mergeFiles(store, keys, prefix);
  return decodeEnvelopes(out!.body);
}

test("a later file's copy received earlier replaces the one in the row group being built", async () => {
  const events = sampleEvents(20);
  const early = { ...events[4]!, ts: events[4]!.ts + 5, received_at: events[4]!.received_at - 1, props: { n: "early" } };
  const rows = await merged([events, [early]]);
  expect(rows.length).toBe(20);
  expect(rows.find((e) => e.event_id === early.event_id)).toEqual(early);
});

test("a copy received earlier than one already written in a full row group wins too (a second pass)", async () => {
  const events = sampleEvents(MERGE_ROW_GROUP + 1, { stepMs: 10 });
  const early = { ...events[0]!, received_at: events[0]!.received_at - 1, props: { n: "early" } };
  const rows = await merged([events, [early]]);
  expect(rows.length).toBe(MERGE_ROW_GROUP + 1);
  expect(rows.filter((e) => e.event_id === early.event_id)).toEqual([early]);
}, 60_000);

test("a merge against earlier files reads only those whose event_id ranges overlap its own, once each for their footer", async () => {
  const store = await freshFsStore();
  // UUIDv7 ids of the events' times: in time order, as a client's ids made over seconds are.
  const events = sampleEvents(300, { stepMs: 10 }).map((e) => ({ ...e, event_id: Bun.randomUUIDv7("hex", e.ts) }));
  const earlierKey = `${prefix}earlier.parquet`;
  await store.put(earlierKey, encodeEnvelopes(canonical(events.slice(0, 100))));
  const gets: string[] = [];
  const counting = { ...store, get: (key: string) => (gets.push(key), store.get(key)) };
  const index = createFileIndex();
  const write = async (name: string, rows: typeof events) => {
    await store.put(`${prefix}${name}`, encodeEnvelopes(canonical(rows)));
    return `${prefix}${name}`;
  };
  const later = await write("later.parquet", events.slice(200));
  const first = await mergeFiles(counting, [later], prefix, { against: [earlierKey], index });
  expect(first!.rows).toBe(100);
  expect(gets.filter((k) => k === earlierKey).length).toBe(1); // its footer, remembered
  gets.length = 0;
  const again = await mergeFiles(counting, [later], prefix, { against: [earlierKey], index });
  expect(again!.key).toBe(first!.key);
  expect(gets).toEqual([later]); // no overlap: the earlier file is not fetched at all
  gets.length = 0;
  const redelivered = await write("redelivered.parquet", events.slice(50, 250));
  const overlapping = await mergeFiles(counting, [redelivered], prefix, { against: [earlierKey], index });
  expect(overlapping!.rows).toBe(150); // events 100-249: the 50 the earlier file holds are left out
  expect(overlapping!.replaces).toEqual([]);
  expect(gets.filter((k) => k === earlierKey).length).toBe(1);
});
