/**
 * Window results and alerts as Parquet beside the events archive, for the embedded store (no
 * ClickHouse configured), so that `fluxgate sql` can offer the tier's window_results and alerts
 * tables there too (docs/store.md, "SQL on embedded defaults").
 *
 * Each write() puts one file per UTC day (of window_start, or of the alert's ts) under
 * `window_results/dt=<day>/` or `alerts/dt=<day>/`, holding the ClickHouse tier's rows
 * (store/clickhouse/rows.ts) unchanged, so the reader casts them to the same columns and types.
 * Files are named by their rows' ids (and revisions), so a batch written again replaces its own
 * files; what remains duplicated is collapsed by the queries, as on ReplacingMergeTree.
 */
import type { Alert, WindowRecord } from "../runtime/records.ts";
import { alertRow, windowRow } from "../clickhouse/rows.ts";
import { encodeRows, type FlatRow } from "../parquet/rows.ts";
import { SinkError } from "../sink.ts";
import { partFileName } from "./file-name.ts";
import { mapLimit } from "./map-limit.ts";
import type { ObjectStore } from "./object-store.ts";
import { ALERTS_ROOT, WINDOW_RESULTS_ROOT } from "./partition.ts";

export interface ResultsArchive {
  prepare(): Promise<void>;
  writeWindows(records: WindowRecord[]): Promise<void>;
  writeAlerts(alerts: Alert[]): Promise<void>;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function createResultsArchive(store: ObjectStore, uploadConcurrency: number): ResultsArchive {
  async function put<T>(root: string, items: T[], row: (item: T) => FlatRow, dayOf: (item: T) => number, idOf: (item: T) => string) {
    if (items.length === 0) return;
    let files: { key: string; body: Uint8Array }[];
    try {
      const byDay = Map.groupBy(items, (item) => day(dayOf(item)));
      files = [...byDay].map(([dt, group]) => ({
        key: `${root}dt=${dt}/${partFileName(group.map(idOf))}`,
        body: encodeRows(group.map(row)),
      }));
    } catch (err) {
      throw new SinkError(`archive: cannot encode ${root} rows: ${(err as Error).message}`, true, { cause: err });
    }
    try {
      await mapLimit(files, uploadConcurrency, (f) => store.put(f.key, f.body));
    } catch (err) {
      throw new SinkError(`archive: ${store.kind} put failed: ${(err as Error).message}`, false, { cause: err });
    }
  }
  return {
    prepare: () => store.prepare(),
    writeWindows: (records) =>
      put(WINDOW_RESULTS_ROOT, records, (w) => windowRow(w) as FlatRow, (w) => w.window_start, (w) => `${w.id}\u0000${w.revision}`),
    writeAlerts: (alerts) => put(ALERTS_ROOT, alerts, (a) => alertRow(a) as FlatRow, (a) => a.ts, (a) => a.id),
  };
}
