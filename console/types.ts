/**
 * What the console's API answers and its live feed sends: the contract between the server side
 * (console/*.ts) and the page (console/ui/), both in this folder. Rates are per second over the
 * last sampling interval; totals since the process started.
 */
import type { PartitionLag } from "../infra/bus/port.ts";
import type { RejectSample, RuleSetStatus } from "../schemas/status.ts";

/** Who is looking: the operator sees everything; an app's key sees only its app's data. */
export type Scope = { kind: "operator" } | { kind: "app"; app: string };

export interface IngestRow { app: string; source: string; rate: number; total: number }
export interface RejectRow { app: string; reason: string; rate: number; total: number }

export interface DeadLetter {
  at: number;
  app: string | null;
  sink: string;
  reason: string;
  error: string;
  source: string;
  preview: string;
}

export interface SinkHealth {
  sink: string;
  rows: number;
  rowsPerSecond: number;
  writes: number;
  /** Wall time of the last write this console saw (null: none since it started). */
  lastWriteAt: number | null;
  avgBatchRows: number | null;
  retries: number;
  dlq: number;
  lagSeconds: number | null;
}

export interface ProcessorStatus {
  name: string;
  ready: boolean;
  rules: RuleSetStatus | null;
}

export interface Pipeline {
  services: { name: string; ready: boolean }[];
  bus: string;
  lag: PartitionLag[];
  lagAt: number | null;
  lagError: string | null;
  watermarks: { partition: string; watermarkMs: number; eventTimeLagSeconds: number | null }[];
  stateKeys: { rule: string; keys: number }[];
  stateBytes: { partition: string; bytes: number }[];
  sinks: SinkHealth[];
  processors: ProcessorStatus[];
}

export interface Snapshot {
  at: number;
  scope: Scope;
  ingest: {
    rows: IngestRow[];
    rejects: RejectRow[];
    rateLimited: { app: string; rate: number; total: number }[];
    samples: RejectSample[];
    deadLetters: DeadLetter[];
  };
  /** Operator only. */
  pipeline: Pipeline | null;
}

/** One second of the charts. Per-app series for the app's own view; the rest is operator only. */
export interface Point {
  t: number;
  accepted: Record<string, number>;
  rejected: Record<string, number>;
  processed?: number;
  stored?: number;
  ackP50Ms?: number | null;
  ackP99Ms?: number | null;
  writeP99Ms?: number | null;
}

export type { RejectSample, RuleSetStatus, PartitionLag };
