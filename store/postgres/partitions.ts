/**
 * Daily partitions of the warm tier's events table: named events_pYYYYMMDD, covering one UTC
 * day of event time. Naming, date arithmetic and the partition's DDL (used by the migrations and
 * the tier).
 */
export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The dedup bucket of an event time: its UTC hour (the events table's ts_hour). */
export const hourStart = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

export const dayStart = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

const ymd = (dayMs: number) => new Date(dayMs).toISOString().slice(0, 10);

export const partitionName = (dayMs: number): string => `events_p${ymd(dayMs).replaceAll("-", "")}`;

/** The day a partition name covers, or undefined for a table that is not a day partition. */
export function partitionDay(name: string): number | undefined {
  const m = /^events_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return partitionName(ms) === name ? ms : undefined;
}

export const partitionBounds = (dayMs: number): { from: string; to: string } => ({ from: ymd(dayMs), to: ymd(dayMs + DAY_MS) });

/**
 * The table is partitioned by ts_hour (a partition key must be in the primary key); the CHECK on
 * ts, implied by the bounds, lets the planner skip partitions for filters on ts as well.
 */
export function partitionDdl(schema: string, dayMs: number): string {
  const { from, to } = partitionBounds(dayMs);
  return `create table if not exists ${schema}.${partitionName(dayMs)} partition of ${schema}.events
    (constraint ts_in_day check (ts >= '${from}' and ts < '${to}')) for values from ('${from}') to ('${to}')`;
}

/** Days from today to `ahead` days later. */
export const daysAhead = (now: number, ahead: number): number[] =>
  Array.from({ length: ahead + 1 }, (_, i) => dayStart(now) + i * DAY_MS);

/** A day partition is expired once its whole day ended more than retentionDays ago. */
export const isExpired = (dayMs: number, now: number, retentionDays: number): boolean =>
  dayMs + DAY_MS <= now - retentionDays * DAY_MS;
