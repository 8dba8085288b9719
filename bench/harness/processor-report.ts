/**
 * The figures of bench/processor.ts (engine in process, the real role, detection delay) and their
 * section of docs/benchmarks.md, each figure beside its target (issue 13).
 */
import type { Percentiles } from "./percentiles.ts";

export interface EngineWorkload {
  name: string;
  sweep: "keys" | "hot keys";
  keys: number;
  events: number;
  /** Which rules of the set run: all 15, or only the patterns or the window rules. */
  rules: "all" | "patterns" | "windows";
  /**
   * Every key sends one event type only (a bot sending page views): its partial matches pile up
   * inside `within` and never complete, the worst case for per-key history.
   */
  oneTypePerKey: boolean;
  budgetS: number;
}

export interface EngineFigures {
  workload: EngineWorkload;
  /** Events processed: all of `events` unless the budget ran out. */
  processed: number;
  complete: boolean;
  events_per_s: number;
  cpu_us_per_event: number;
  rss_base_mb: number;
  rss_max_mb: number;
  /** Keys with state at the end, and the bytes of their records (names and JSON) per key. */
  state_keys: number;
  state_bytes_per_key: number;
}

export interface RoleFigures {
  events: number;
  /** Events committed in the measured span: all of them unless the time budget ran out. */
  processed: number;
  events_per_s: number;
  cpu_us_per_event: number;
  rss_max_mb: number;
  seconds: number;
}

export interface DelayFigures {
  rate_per_s: number;
  seconds: number;
  sent: number;
  detection_ms: Percentiles & { p99: number };
  cpu_us_per_event: number;
  rss_max_mb: number;
}

export interface ProcessorBench {
  quick: boolean;
  engine: EngineFigures[];
  role?: RoleFigures;
  delay?: DelayFigures;
  not_run: { name: string; reason: string }[];
}

const RULES_LABEL = { all: ", 10 windows + 5 patterns", patterns: ", 5 patterns", windows: ", 10 windows" } as const;
const fmt = (n: number) => (Number.isFinite(n) ? n.toLocaleString("en-US") : "–");

/** The section's explanation of what was run, for docs/benchmarks.md. */
export const processorMethod = [
  "`bun bench/processor.ts` (its `--json` prints the same figures). **Engine:** `createPartitionEngine` in one process, fed",
  "batches of 1,000 parsed envelopes (seeded random keys and types, event time +2 ms per event) and flushed after each batch as",
  "the runtime does, over `bench/processor-rules/issue-4.yaml` (10 window rules: tumbling, hopping, session with count, sum,",
  "max; 5 followedBy patterns within 10m, two with `times: { min: 3 }`). The key sweep runs all 15 rules; the hot-key sweep",
  "the 5 patterns with one event type per key (partial matches pile up inside `within` and never complete). Each workload",
  "runs in a process of its own (RSS base: the process before its first event); CPU from `process.cpuUsage`; state bytes are",
  "the records' names and JSON per key with state. A workload still running at its time budget stops and says so.",
  "**Real role:** `fluxgate processor` on Kafka and Redis consuming a fresh 4-partition topic filled beforehand (100,000",
  "keys), from its first commit to its last; CPU from /proc. **Detection delay:** events produced at a constant 10,000/s",
  "(ts = now) with 50 tracer events a second (on a producer of their own) that `bench/rules/marker.yaml` fires on; send → alert read from fg.alerts.",
];

export function renderProcessorBench(b: ProcessorBench): string[] {
  const lines: string[] = [];
  if (b.engine.length) {
    const base = b.engine.find((e) => e.workload.keys === 100_000 && e.workload.sweep === "keys");
    lines.push(
      "| engine workload | events | events/s | vs issue-4 shape | CPU µs per event | RSS max MB (base) | keys with state | state bytes per key |",
      "|---|---:|---:|---:|---:|---:|---:|---:|",
      ...b.engine.map((e) => {
        const done = e.complete ? fmt(e.processed) : `${fmt(e.processed)} of ${fmt(e.workload.events)} (stopped at ${e.workload.budgetS} s)`;
        const ratio = base ? `${(e.events_per_s / base.events_per_s).toFixed(2)}×` : "–";
        return `| ${e.workload.sweep}: ${e.workload.name}${RULES_LABEL[e.workload.rules]} | ${done} | ${fmt(e.events_per_s)} | ${ratio} | ${e.cpu_us_per_event} | ${e.rss_max_mb} (${e.rss_base_mb}) | ${fmt(e.state_keys)} | ${fmt(e.state_bytes_per_key)} |`;
      }),
      "",
    );
    if (base) lines.push(`- issue-4 shape: ${fmt(base.events_per_s)} events/s on one core (target ≥ 100,000; Esper's 250,000 the aim)`);
    for (const sweep of ["keys", "hot keys"] as const) {
      const rates = b.engine.filter((e) => e.workload.sweep === sweep).map((e) => e.events_per_s);
      if (rates.length) lines.push(`- ${sweep} sweep: events/s varies ${(Math.max(...rates) / Math.min(...rates)).toFixed(2)}× (max over min; target < 2×)`);
    }
    lines.push("");
  }
  if (b.role)
    lines.push(
      `- **Real role** (\`fluxgate processor\` on Kafka and Redis, ${fmt(b.role.events)} events filled beforehand, 100,000 keys, 4 partitions${b.role.processed < b.role.events ? `; stopped at the time budget with ${fmt(b.role.processed)} committed` : ""}): ${fmt(b.role.events_per_s)} events/s (target ≥ 50,000), ${b.role.cpu_us_per_event} CPU µs per event, RSS max ${b.role.rss_max_mb} MB, ${b.role.seconds} s from the first commit to the last.`,
    );
  if (b.delay)
    lines.push(
      `- **Detection delay** at ${fmt(b.delay.rate_per_s)} events/s for ${b.delay.seconds} s (send to fg.events → alert read from fg.alerts, ${b.delay.detection_ms.samples} tracers): p50 ${b.delay.detection_ms.p50} ms, p95 ${b.delay.detection_ms.p95} ms, p99 ${b.delay.detection_ms.p99} ms (target < 50), max ${b.delay.detection_ms.max} ms; processor ${b.delay.cpu_us_per_event} CPU µs per event, RSS max ${b.delay.rss_max_mb} MB.`,
    );
  for (const n of b.not_run) lines.push(`- not run: ${n.name}: ${n.reason}`);
  return lines;
}

