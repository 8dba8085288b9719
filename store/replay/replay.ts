/**
 * Replay from the archive: finds the app's hour partitions that overlap [since, until), reads
 * their Parquet files, keeps the events in range, and publishes them at a bounded rate.
 *
 * Order: partitions are hours of event time, so taking them in order and each one's events in
 * canonical order (ts, then event_id, one row per event_id) publishes the whole range in
 * (ts, event_id) order, which keeps every key's events in order while holding one hour in memory.
 * Duplicates across files (a redelivered batch, a compaction caught midway) collapse there too.
 */
import { busKey, type Envelope } from "../../schemas/envelope.ts";
import type { Publisher } from "../../infra/bus/port.ts";
import { decodeEnvelopes } from "../parquet/decode.ts";
import { canonical } from "../s3/canonical.ts";
import type { ObjectStore } from "../s3/object-store.ts";
import { appPrefix, dayEnd, dayStart, parseDay, parsePartition, partitionEnd, partitionStart } from "../s3/partition.ts";
import { createTokenBucket, type Clock } from "./token-bucket.ts";

export interface ReplayProgress {
  events: number;
  files: number;
  totalFiles: number;
  elapsedMs: number;
}

export interface ReplayOptions {
  store: ObjectStore;
  publisher: Publisher;
  topic: string;
  app: string;
  since: number;
  until: number;
  /** Events per second. */
  rate: number;
  clock: Clock;
  /** Called after every published chunk. */
  onProgress?: (progress: ReplayProgress) => void;
  /** Records per send; also the token bucket's burst. */
  chunkSize?: number;
  /** W3C trace context every replayed record carries (the archive keeps no event's own). */
  traceparent?: string;
}

interface HourFiles {
  start: number;
  keys: string[];
}

async function hoursInRange(store: ObjectStore, app: string, since: number, until: number): Promise<HourFiles[]> {
  const hours: HourFiles[] = [];
  for (const day of await store.listDirs(appPrefix(app))) {
    const dt = parseDay(day);
    if (!dt || dayEnd(dt) <= since || dayStart(dt) >= until) continue;
    for (const hour of await store.listDirs(day)) {
      const p = parsePartition(hour);
      if (!p || partitionEnd(p) <= since || partitionStart(p) >= until) continue;
      const keys = (await store.list(hour)).map((o) => o.key).filter((k) => k.endsWith(".parquet"));
      if (keys.length) hours.push({ start: partitionStart(p), keys });
    }
  }
  return hours.sort((a, b) => a.start - b.start);
}

export async function replayArchive(options: ReplayOptions): Promise<ReplayProgress> {
  const headers = options.traceparent ? { traceparent: options.traceparent } : undefined;
  const { store, publisher, topic, clock, since, until } = options;
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? 500, Math.floor(options.rate)));
  const bucket = createTokenBucket({ rate: options.rate, burst: chunkSize, clock });
  const started = clock.now();
  const hours = await hoursInRange(store, options.app, since, until);
  const progress: ReplayProgress = { events: 0, files: 0, totalFiles: hours.reduce((n, h) => n + h.keys.length, 0), elapsedMs: 0 };
  const report = () => options.onProgress?.({ ...progress, elapsedMs: clock.now() - started });

  for (const hour of hours) {
    const rows: Envelope[] = [];
    for (const key of hour.keys) {
      for (const e of await decodeEnvelopes(await store.get(key))) if (e.ts >= since && e.ts < until) rows.push(e);
      progress.files++;
    }
    const events = canonical(rows);
    for (let i = 0; i < events.length; i += chunkSize) {
      const chunk = events.slice(i, i + chunkSize);
      await bucket.take(chunk.length);
      await publisher.send(topic, chunk.map((e) => ({ key: busKey(e), value: JSON.stringify(e), headers })));
      progress.events += chunk.length;
      report();
    }
    if (events.length === 0) report();
  }
  return { ...progress, elapsedMs: clock.now() - started };
}
