/**
 * Samples the registry once a second, off the ingest path: rates from counter deltas, latency
 * quantiles from histogram bucket deltas, and the last 15 minutes of chart points in a bounded
 * ring. Consumer lag asks the bus (a broker round trip), so it is fetched only while someone
 * watches, every few seconds.
 */
import { CircularBuffer } from "mnemonist";
import type { Bus, PartitionLag } from "../infra/bus/port.ts";
import type { Role } from "../infra/role.ts";
import { rejectSamples } from "../infra/telemetry/samples.ts";
import type { DeadLetterFeed } from "./dead-letters.ts";
import { quantileBetween, readHistogram, readMetric, type HistogramRows, type Row } from "./metrics-reader.ts";
import type { GroupRegistry } from "./groups.ts";
import type { IngestRow, Pipeline, Point, RejectRow, Scope, SinkHealth, Snapshot } from "./types.ts";

export const HISTORY_SECONDS = 15 * 60;

type PipelineMetrics = Pick<Pipeline, "watermarks" | "stateKeys" | "stateBytes" | "sinks">;

interface Reading {
  at: number;
  events: Row[];
  processed: number;
  stored: Map<string, number>;
  writes: Map<string, number>;
  ack: HistogramRows;
  write: HistogramRows;
}

export interface Collector {
  start(): void;
  stop(): void;
  snapshot(scope: Scope): Snapshot;
  history(scope: Scope): Point[];
  latestPoint(scope: Scope): Point | null;
  /** Called while a page is open: keeps consumer lag fresh. */
  watched(): void;
}

const sum = (rows: Row[], pick: (r: Row) => boolean = () => true) => rows.reduce((s, r) => (pick(r) ? s + r.value : s), 0);
const bySink = (rows: Row[]) => {
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.labels.sink ?? "", (m.get(r.labels.sink ?? "") ?? 0) + r.value);
  return m;
};
const eventKey = (r: Row) => `${r.labels.source}|${r.labels.app}|${r.labels.outcome}`;

export function createCollector(o: {
  bus: Bus;
  roles: () => readonly Role[];
  groups: GroupRegistry;
  deadLetters: DeadLetterFeed;
  intervalMs?: number;
  lagEveryMs?: number;
}): Collector {
  const intervalMs = o.intervalMs ?? 1_000;
  const lagEveryMs = o.lagEveryMs ?? 3_000;
  const points = new CircularBuffer<Point>(Array, Math.ceil((HISTORY_SECONDS * 1_000) / intervalMs));
  let last: Reading | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let watchedUntil = 0;
  let lag: { rows: PartitionLag[]; at: number | null; error: string | null; pending: boolean } = { rows: [], at: null, error: null, pending: false };
  let ingest: Pick<Snapshot["ingest"], "rows" | "rejects" | "rateLimited"> = { rows: [], rejects: [], rateLimited: [] };
  let base: PipelineMetrics | undefined;
  const lastWriteAt = new Map<string, number>();

  async function read(): Promise<Reading> {
    const [events, processed, stored, write, ack] = await Promise.all([
      readMetric("gateway_events_total"), readMetric("processor_events_total"), readMetric("store_rows_written_total"),
      readHistogram("store_write_seconds"), readHistogram("gateway_ack_seconds"),
    ]);
    const writes = new Map<string, number>();
    for (const [key, n] of write.count) writes.set((JSON.parse(key) as [string, string][]).find(([k]) => k === "sink")?.[1] ?? "", n);
    return { at: Date.now(), events, processed: sum(processed), stored: bySink(stored), writes, ack, write };
  }

  async function refreshLag() {
    if (lag.pending || Date.now() > watchedUntil) return;
    lag.pending = true;
    try {
      const rows = await o.bus.lag(o.groups.list());
      lag = { rows, at: Date.now(), error: null, pending: false };
    } catch (err) {
      lag = { ...lag, error: (err as Error).message, pending: false };
    }
  }

  async function tick() {
    const now = await read();
    const before = last;
    last = now;
    const seconds = before ? (now.at - before.at) / 1000 : 1;
    const previous = new Map(before?.events.map((r) => [eventKey(r), r.value]) ?? []);
    const rate = (r: Row) => (before ? Math.max(0, r.value - (previous.get(eventKey(r)) ?? 0)) / seconds : 0);

    const rows: IngestRow[] = [];
    const rejects: RejectRow[] = [];
    const rateLimited: { app: string; rate: number; total: number }[] = [];
    const accepted: Record<string, number> = {};
    const rejected: Record<string, number> = {};
    for (const r of now.events) {
      const { app = "", source = "", outcome = "" } = r.labels;
      const rs = rate(r);
      if (outcome === "accepted") {
        rows.push({ app, source, rate: rs, total: r.value });
        accepted[app] = (accepted[app] ?? 0) + rs;
      } else if (outcome !== "unavailable") {
        const row = rejects.find((x) => x.app === app && x.reason === outcome);
        if (row) {
          row.rate += rs;
          row.total += r.value;
        } else rejects.push({ app, reason: outcome, rate: rs, total: r.value });
        rejected[app] = (rejected[app] ?? 0) + rs;
        if (outcome === "rate_limited") {
          const rl = rateLimited.find((x) => x.app === app);
          if (rl) {
            rl.rate += rs;
            rl.total += r.value;
          } else rateLimited.push({ app, rate: rs, total: r.value });
        }
      }
    }
    const storedNow = [...now.stored.values()].reduce((a, b) => a + b, 0);
    const storedBefore = before ? [...before.stored.values()].reduce((a, b) => a + b, 0) : storedNow;
    for (const [sink, n] of now.writes) if (before && n !== (before.writes.get(sink) ?? 0)) lastWriteAt.set(sink, now.at);
    points.push({
      t: now.at, accepted, rejected,
      processed: before ? Math.max(0, now.processed - before.processed) / seconds : 0,
      stored: Math.max(0, storedNow - storedBefore) / seconds,
      ackP50Ms: ms(quantileBetween(before?.ack, now.ack, 0.5)),
      ackP99Ms: ms(quantileBetween(before?.ack, now.ack, 0.99)),
      writeP99Ms: ms(quantileBetween(before?.write, now.write, 0.99)),
    });
    ingest = { rows, rejects, rateLimited };
    base = await pipelineMetrics(now, before, seconds);
    void refreshLag();
  }

  async function pipelineMetrics(now: Reading, before: Reading | undefined, seconds: number): Promise<PipelineMetrics> {
    const [watermark, timeLag, keys, bytes, retries, dlq, lagSeconds, batchRows] = await Promise.all([
      readMetric("processor_watermark_seconds"), readMetric("processor_event_time_lag_seconds"), readMetric("processor_state_keys"),
      readMetric("processor_state_bytes"), readMetric("store_write_retries_total"), readMetric("store_dlq_total"),
      readMetric("store_lag_seconds"), readHistogram("store_batch_rows"),
    ]);
    const stateKeys = new Map<string, number>();
    for (const r of keys) stateKeys.set(r.labels.rule ?? "", (stateKeys.get(r.labels.rule ?? "") ?? 0) + r.value);
    const retriesBySink = bySink(retries);
    const dlqBySink = bySink(dlq);
    const lagBySink = new Map(lagSeconds.map((r) => [r.labels.sink ?? "", r.value]));
    const sinks: SinkHealth[] = [...new Set([...now.stored.keys(), ...now.writes.keys(), ...dlqBySink.keys()])].sort().map((sink) => {
      const key = JSON.stringify([["sink", sink]]);
      const n = batchRows.count.get(key) ?? 0;
      return {
        sink,
        rows: now.stored.get(sink) ?? 0,
        rowsPerSecond: before ? Math.max(0, (now.stored.get(sink) ?? 0) - (before.stored.get(sink) ?? 0)) / seconds : 0,
        writes: now.writes.get(sink) ?? 0,
        lastWriteAt: lastWriteAt.get(sink) ?? null,
        avgBatchRows: n > 0 ? (batchRows.sum.get(key) ?? 0) / n : null,
        retries: retriesBySink.get(sink) ?? 0,
        dlq: dlqBySink.get(sink) ?? 0,
        lagSeconds: lagBySink.get(sink) ?? null,
      };
    });
    const lagByPartition = new Map(timeLag.map((r) => [r.labels.partition ?? "", r.value]));
    return {
      watermarks: watermark.map((r) => ({ partition: r.labels.partition ?? "", watermarkMs: r.value * 1000, eventTimeLagSeconds: lagByPartition.get(r.labels.partition ?? "") ?? null }))
        .sort((a, b) => a.partition.localeCompare(b.partition, undefined, { numeric: true })),
      stateKeys: [...stateKeys].map(([rule, k]) => ({ rule, keys: k })).sort((a, b) => a.rule.localeCompare(b.rule)),
      stateBytes: bytes.map((r) => ({ partition: r.labels.partition ?? "", bytes: r.value })).sort((a, b) => a.partition.localeCompare(b.partition, undefined, { numeric: true })),
      sinks,
    };
  }

  const mine = (scope: Scope, app: string | null) => scope.kind === "operator" || scope.app === app;

  return {
    start() {
      void tick();
      timer = setInterval(() => void tick().catch(() => {}), intervalMs);
    },
    stop() {
      clearInterval(timer);
    },
    watched() {
      const first = Date.now() > watchedUntil;
      watchedUntil = Date.now() + 10_000;
      if (first) void refreshLag();
    },
    snapshot(scope) {
      const roles = o.roles();
      const samples = Object.values(rejectSamples.latest()).flat().filter((s) => mine(scope, s.app)).sort((a, b) => b.at - a.at).slice(0, 20)
        .map((s) => ({ ...s, event: s.event === undefined ? undefined : preview(s.event) }));
      return {
        at: last?.at ?? Date.now(),
        scope,
        ingest: {
          rows: ingest.rows.filter((r) => mine(scope, r.app)),
          rejects: ingest.rejects.filter((r) => mine(scope, r.app)),
          rateLimited: ingest.rateLimited.filter((r) => mine(scope, r.app)),
          samples,
          deadLetters: o.deadLetters.latest().filter((d) => mine(scope, d.app)),
        },
        pipeline: scope.kind !== "operator" ? null : {
          services: roles.map((r) => ({ name: r.name, ready: r.ready?.() ?? true })),
          bus: o.bus.kind,
          lag: lag.rows, lagAt: lag.at, lagError: lag.error,
          watermarks: base?.watermarks ?? [], stateKeys: base?.stateKeys ?? [], stateBytes: base?.stateBytes ?? [], sinks: base?.sinks ?? [],
          processors: roles.filter((r) => r.status?.().rules).map((r) => ({ name: r.name, ready: r.ready?.() ?? true, rules: r.status!().rules ?? null })),
        },
      };
    },
    history(scope) {
      const out: Point[] = [];
      points.forEach((p) => void out.push(scoped(scope, p)));
      return out;
    },
    latestPoint(scope) {
      const p = points.size ? points.peekLast() : undefined;
      return p ? scoped(scope, p) : null;
    },
  };
}

/** An app's view of a chart point: its own series only (latency and pipeline rates are every app's). */
function scoped(scope: Scope, p: Point): Point {
  if (scope.kind === "operator") return p;
  const own = (m: Record<string, number>) => (scope.app in m ? { [scope.app]: m[scope.app]! } : {});
  return { t: p.t, accepted: own(p.accepted), rejected: own(p.rejected) };
}

const ms = (seconds: number | null) => (seconds === null ? null : seconds * 1000);

/** A submitted event as a short JSON text: samples are for reading, not for replaying. */
function preview(event: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(event) ?? String(event);
  } catch {
    text = String(event);
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
