/**
 * The archive's Hive layout (docs/design.md, "Stores"):
 * `events/app_id=<app>/dt=<YYYY-MM-DD>/hour=<HH>/<file>.parquet`, by event time (ts) in UTC.
 * Engines that understand Hive partitioning (DuckDB, Spark, Athena) turn the path segments into
 * app_id, dt and hour columns and prune on them.
 */
export const ARCHIVE_ROOT = "events/";
/** Window results and alerts beside the events, when no ClickHouse holds them (results-archive.ts). */
export const WINDOW_RESULTS_ROOT = "window_results/";
export const ALERTS_ROOT = "alerts/";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Partition {
  app: string;
  /** YYYY-MM-DD, UTC */
  dt: string;
  /** 00..23, UTC */
  hour: string;
}

export function partitionOf(app: string, ts: number): Partition {
  const iso = new Date(ts).toISOString(); // YYYY-MM-DDTHH:...Z, always UTC
  return { app, dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

export const appPrefix = (app: string): string => `${ARCHIVE_ROOT}app_id=${app}/`;
export const dayPrefix = (app: string, dt: string): string => `${appPrefix(app)}dt=${dt}/`;
export const partitionPrefix = (p: Partition): string => `${dayPrefix(p.app, p.dt)}hour=${p.hour}/`;

const PARTITION_KEY = /^events\/app_id=([a-z0-9_-]{1,64})\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//;

/** The partition an object key or partition prefix lies in; undefined for keys outside the layout. */
export function parsePartition(key: string): Partition | undefined {
  const m = PARTITION_KEY.exec(key);
  return m ? { app: m[1]!, dt: m[2]!, hour: m[3]! } : undefined;
}

/** Milliseconds of the partition's first instant. */
export const partitionStart = (p: Partition): number => Date.parse(`${p.dt}T${p.hour}:00:00Z`);
export const partitionEnd = (p: Partition): number => partitionStart(p) + HOUR_MS;

/** The `dt=` value of a day prefix (`.../dt=2024-01-31/`), or undefined if it is not one. */
export function parseDay(prefix: string): string | undefined {
  return /\/dt=(\d{4}-\d{2}-\d{2})\/$/.exec(prefix)?.[1];
}

export const dayStart = (dt: string): number => Date.parse(`${dt}T00:00:00Z`);
export const dayEnd = (dt: string): number => dayStart(dt) + DAY_MS;
