/**
 * The figures of bench/store-sinks.ts (each sink's write() against the store runtime through
 * Kafka, then all sinks in one store process under a constant rate) and their section of
 * docs/benchmarks.md, each beside its target (issue 16).
 */
import { fmt, ratio } from "./format.ts";

export interface PathResult {
  rows_per_s: number;
  seconds: number;
  cpu_us_per_row: number;
}

export interface TogetherResult {
  rate_target: number;
  produced_per_s: number;
  seconds: number;
  /** Per consumer group of fg.events: the most events it was behind at a sample, and at the end of producing. */
  max_lag: Record<string, number>;
  lag_at_end: Record<string, number>;
  /** From the end of producing until every group had caught up (null: not within 60 s). */
  drain_s: number | null;
  store: { cpu_avg_pct: number; cpu_max_pct: number; rss_max_mb: number };
  cpu_us_per_event: number;
  /** Per event sink, from the store's metrics (counted until the figures were read, after producing): busy_pct is time spent in writes over the producing time. */
  writes?: Record<string, { writes: number; rows_per_write: number; mean_write_ms: number; busy_pct: number }>;
}

/** Three sinks' runtimes with counting writes on one topic: the consume path alone, each decoding apart, then sharing one decoder. */
export interface ConsumeResult {
  events: number;
  separate: PathResult;
  shared: PathResult;
  /** Decodes per event with the shared decoder (1: every record decoded once for the three sinks; 3: never shared). */
  decodes_per_event_shared?: number;
}

export interface StoreSinksResult {
  rows: number;
  batch: number;
  sinks: { sink: string; direct: PathResult; kafka?: PathResult & { join_s: number } }[];
  consume?: ConsumeResult;
  together?: TogetherResult;
}


/** The issue's targets for the store's path through Kafka (rows/s, and the share of the same run's write()). */
const STORE_TARGETS: Record<string, number> = { clickhouse: 150_000, postgres: 50_000, "archive (parquet to s3)": 100_000 };
const STORE_SHARE = 0.75;

export function storeSinksSection(r: StoreSinksResult): string[] {
  const lines = [
    "## Store sinks: write() and through Kafka",
    "",
    `${fmt(r.rows)} events of ~350 B JSON per path, batches of ${fmt(r.batch)} rows, each sink on a fresh database / schema / bucket.`,
    "*write()*: batches handed to the Sink directly. *Kafka + runtime*: fresh events produced beforehand to a topic of 4",
    "partitions (zstd), then fetched, decompressed, decoded and validated, batched, written and committed by the store runtime;",
    "timed from the first record decoded to the last row written (the group join apart). CPU: this process, all threads.",
    "With --kafka the two paths run interleaved twice (write(), Kafka, write(), Kafka) and the faster run of each is shown.",
    "",
    "| sink | write() rows/s | CPU µs/row | Kafka + runtime rows/s | of write() | CPU µs/row | group join s | target |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    ...r.sinks.map((s) => {
      const target = STORE_TARGETS[s.sink];
      const k = s.kafka;
      const met = k && target !== undefined ? (k.rows_per_s >= target && k.rows_per_s >= STORE_SHARE * s.direct.rows_per_s ? "met" : "missed") : "";
      return `| ${s.sink} | ${fmt(s.direct.rows_per_s)} | ${s.direct.cpu_us_per_row} | ${k ? fmt(k.rows_per_s) : "–"} | ${k ? ratio(k.rows_per_s, s.direct.rows_per_s) : "–"} | ${k?.cpu_us_per_row ?? "–"} | ${k?.join_s ?? "–"} | ${target !== undefined ? `≥ ${fmt(target)} and ≥ ${STORE_SHARE}× write(): ${met}` : "–"} |`;
    }),
    "",
  ];
  const c = r.consume;
  if (c) {
    lines.push(
      `**Consume path of three sinks in one process** (${fmt(c.events)} events on a topic of 4 partitions; three runtimes, a group each,`,
      "writes that only count; CPU of the process per event for all three; each way twice, interleaved, the lower CPU of the two):",
      "",
      "| decoding | events/s (each sink) | CPU µs per event |",
      "|---|---:|---:|",
      `| each sink for itself | ${fmt(c.separate.rows_per_s)} | ${c.separate.cpu_us_per_row} |`,
      `| shared (store/runtime/shared-decode.ts) | ${fmt(c.shared.rows_per_s)} | ${c.shared.cpu_us_per_row} (${ratio(c.shared.cpu_us_per_row, c.separate.cpu_us_per_row)}) |`,
      "",
      ...(c.decodes_per_event_shared === undefined ? [] : [`With the shared decoder each event was decoded ${c.decodes_per_event_shared} times for the three sinks.`, ""]),
    );
  }
  const t = r.together;
  if (t) {
    const groups = Object.keys(t.max_lag).sort();
    lines.push(
      `**All sinks in one store process** (\`infra/app/main.ts store\`, default settings) while ${fmt(t.rate_target)} events/s were produced to its`,
      `fg.events for ${t.seconds} s (${fmt(t.produced_per_s)} events/s reached by the producer). Lag: the group's committed offsets`,
      "against the topic's end offsets, every second.",
      "",
      "| consumer group | largest lag (events) | lag when producing stopped | writes | rows a write | mean write ms | busy writing |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...groups.map((g) => {
        const w = t.writes?.[g];
        return `| ${g} | ${fmt(t.max_lag[g]!)} | ${fmt(t.lag_at_end[g] ?? NaN)} | ${w ? `${fmt(w.writes)} | ${fmt(w.rows_per_write)} | ${fmt(w.mean_write_ms)} | ${w.busy_pct}%` : "– | – | – | –"} |`;
      }),
      "",
      `Caught up ${t.drain_s === null ? "not within 60 s" : `${t.drain_s} s`} after producing stopped. Store process: CPU ${t.store.cpu_avg_pct}% avg / ${t.store.cpu_max_pct}% max,`,
      `${t.cpu_us_per_event} CPU µs per event, RSS ${t.store.rss_max_mb} MB max.`,
      "",
    );
  }
  return lines;
}
