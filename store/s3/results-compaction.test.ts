/**
 * Window results and alerts written a batch at a time are merged into a few files per day, each
 * row kept once, files written meanwhile kept, and a run after a crash between the merged file's
 * put and the deletes ends with the same files.
 */
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Alert, WindowRecord } from "../runtime/records.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { alertRow, windowRow } from "../clickhouse/rows.ts";
import { decodeRows, type FlatRow } from "../parquet/rows.ts";
import { tierAlerts, tierWindows } from "../clickhouse/tier-sql.test-support.ts";
import { createFsObjectStore } from "./fs-object-store.ts";
import type { ObjectStore } from "./object-store.ts";
import { createResultsArchive } from "./results-archive.ts";
import { createResultsCompactor } from "./results-compaction.ts";

const logger = createLogger("error");
const NOW = Date.UTC(2024, 2, 11, 12);

async function freshStore() {
  const store = createFsObjectStore(mkdtempSync(join(tmpdir(), "fg-results-compaction-")));
  await store.prepare();
  return store;
}

const alert = (i: number): Alert => ({ ...tierAlerts[0]!, id: `a${i}`, dedup_key: `d${i}`, ts: Date.UTC(2024, 2, 10, 22) + i * 1000 });
const windows = tierWindows.flat();

async function rowsUnder(store: ObjectStore, prefix: string) {
  const rows = [];
  for (const o of await store.list(prefix)) rows.push(...(await decodeRows(await store.get(o.key))));
  return rows;
}

test("a day's files, a batch each and some batches twice, become one file with every row once", async () => {
  const store = await freshStore();
  const archive = createResultsArchive(store, 4);
  for (let i = 0; i < 30; i++) await archive.writeAlerts([alert(i), alert(i + 1)]); // each alert but the ends in two batches
  for (const batch of [...tierWindows, ...tierWindows]) await archive.writeWindows(batch);
  expect((await store.list("alerts/")).length).toBe(30);
  const results = await createResultsCompactor({ store, logger }).compactRecent(NOW);
  expect(results.map((r) => [r.partition, r.removed.length])).toEqual([
    ...[...new Set(windows.map((w) => new Date(w.window_start).toISOString().slice(0, 10)))].sort().map((d) => [`window_results/dt=${d}/`, expect.any(Number)]),
    ["alerts/dt=2024-03-10/", 30],
  ]);
  expect((await store.list("alerts/")).length).toBe(1);
  const alerts = await rowsUnder(store, "alerts/");
  expect(alerts.map((r) => r.id).sort()).toEqual(Array.from({ length: 31 }, (_, i) => `a${i}`).sort());
  expect(alerts.find((r) => r.id === "a3")).toEqual(alertRow(alert(3)) as FlatRow);
  const kept = await rowsUnder(store, "window_results/");
  expect(kept.map((r) => `${r.id}/${r.revision}`).sort()).toEqual([...new Set(windows.map((w: WindowRecord) => `${w.id}/${w.revision}`))].sort());
  expect(kept).toContainEqual(windowRow(windows[0]!) as FlatRow);
  // Nothing small is left to merge: a second run changes nothing.
  expect(await createResultsCompactor({ store, logger }).compactRecent(NOW)).toEqual([]);
});

test("files under a day's size cap merge in groups; big files and old days stay; today's keep merging", async () => {
  const store = await freshStore();
  const archive = createResultsArchive(store, 4);
  for (let i = 0; i < 12; i++) await archive.writeAlerts([alert(i)]);
  const largest = Math.max(...(await store.list("alerts/")).map((o) => o.size));
  const compactor = createResultsCompactor({ store, logger, mergeBytes: largest * 4 });
  await compactor.compactRecent(NOW);
  expect((await store.list("alerts/")).length).toBe(3); // 12 files of about one size, 4 to a group
  await archive.writeAlerts([alert(100)]);
  await compactor.compactRecent(NOW);
  expect((await rowsUnder(store, "alerts/")).length).toBe(13);
  // A day that ended more than the lookback ago is left alone, small files and all.
  await archive.writeAlerts([alert(200)]);
  await archive.writeAlerts([alert(201)]);
  const files = (await store.list("alerts/")).length;
  expect(await createResultsCompactor({ store, logger }).compactRecent(NOW + 72 * 3_600_000)).toEqual([]);
  expect((await store.list("alerts/")).length).toBe(files);
  expect((await createResultsCompactor({ store, logger }).compactRecent(NOW)).length).toBe(1);
});

test("a run after a crash between the merged file's put and the deletes ends with the same file", async () => {
  const store = await freshStore();
  const archive = createResultsArchive(store, 4);
  for (let i = 0; i < 5; i++) await archive.writeAlerts([alert(i)]);
  const before = (await store.list("alerts/")).map((o) => o.key);
  // The first run "crashes" after its put: deletes do nothing.
  const crashing: ObjectStore = { ...store, delete: async () => {} };
  const [first] = await createResultsCompactor({ store: crashing, logger }).compactRecent(NOW);
  expect((await store.list("alerts/")).length).toBe(6);
  const [second] = await createResultsCompactor({ store, logger }).compactRecent(NOW);
  expect(second?.merged).toBe(first?.merged);
  expect((await store.list("alerts/")).map((o) => o.key)).toEqual([first!.merged!]);
  expect(before).not.toContain(first!.merged);
  expect((await rowsUnder(store, "alerts/")).length).toBe(5);
});
