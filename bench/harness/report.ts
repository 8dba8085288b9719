/**
 * One run's results (written as JSON under bench/results/) and docs/benchmarks.md generated from
 * them: every figure beside the baseline measured in the same run, the machine, the versions and
 * the command that produced it.
 */
import { fmt, ratio } from "./format.ts";
import type { Percentiles } from "./percentiles.ts";
import { renderGatewayBench, type GatewayBench } from "./gateway-report.ts";
import type { LoadResult } from "./k6.ts";
import type { Machine } from "./machine.ts";
import { processorMethod, renderProcessorBench, type ProcessorBench } from "./processor-report.ts";
import { renderSqlBench, sqlMethod, type SqlBench } from "./sql-report.ts";
import { storeSinksSection, type StoreSinksResult } from "./store-sinks-report.ts";

export interface Scenario {
  group: string;
  name: string;
  /** Name of the scenario in the same group this one is read against. */
  baseline?: string;
  load: LoadResult;
  /** CPU and memory of the process under test during the measured run (not its start-up or warm-up). */
  resources?: { cpu_avg_pct: number; cpu_max_pct: number; rss_max_mb: number };
  note?: string;
}

export interface EndToEnd {
  accepted_events: number;
  accept_to_clickhouse_ms: Percentiles;
  accept_to_alert_ms: Percentiles;
  max_lag: Record<string, number>;
  resources: Record<string, { cpu_avg_pct: number; cpu_max_pct: number; rss_max_mb: number }>;
  /** Tracer events by the time they were accepted: accept -> ClickHouse and accept -> alert latency over time. */
  tracers: { to_clickhouse: Arrival[]; to_alert: Arrival[] };
  /** Once a second: accepted events/s, ClickHouse rows/s, consumer lag per group. */
  series: { t_s: number; accepted_per_s: number; clickhouse_rows_per_s: number; lag: Record<string, number> }[];
}

export interface Arrival {
  t_s: number;
  ms: number;
}

export interface RunResult {
  started_at: string;
  command: string;
  mode: "quick" | "full";
  duration_s: number;
  machine: Machine;
  scenarios: Scenario[];
  end_to_end?: EndToEnd;
  /** Median rates of `repeats` runs of bench/kafka-clients.ts. */
  kafka_clients?: {
    records: number; size: number; compression?: string; repeats?: number; kafkajs: Rates; platformatic: Rates;
    /** The bus's consumer adapter as a bare consumer (what the processor's consume path starts from). */
    bus?: { consume_per_s: number };
  };
  /** bench/store-sinks.ts --kafka --together. */
  store_sinks?: StoreSinksResult;
  /** bench/processor.ts --json */
  processor?: ProcessorBench;
  /** bench/sql.ts --json */
  sql?: SqlBench;
  /** bench/gateway.ts --json: wrk against the bare server, Benthos and the gateway; WebSocket against ProducerPerformance. */
  gateway?: GatewayBench;
  not_run: { name: string; reason: string }[];
}

export interface Rates {
  produce_per_s: number;
  consume_per_s: number;
}

/** Per client and rate, the median over runs: one run of a few seconds swings by 2× on a shared machine. */
export function medianRates<T extends { kafkajs: Rates; platformatic: Rates; bus?: { consume_per_s: number } }>(runs: T[]): T & { repeats: number } {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const of = (client: "kafkajs" | "platformatic"): Rates => ({
    produce_per_s: median(runs.map((r) => r[client].produce_per_s)),
    consume_per_s: median(runs.map((r) => r[client].consume_per_s)),
  });
  const bus = runs.every((r) => r.bus) ? { bus: { consume_per_s: median(runs.map((r) => r.bus!.consume_per_s)) } } : {};
  return { ...runs[0]!, kafkajs: of("kafkajs"), platformatic: of("platformatic"), ...bus, repeats: runs.length };
}


/** CPU time of the process under test per event (µs): a figure k6 sharing the cores disturbs less than events/s. */
const cpuPerEvent = (cpuPct: number, eventsPerS: number): string => (eventsPerS > 0 ? fmt(Math.round((cpuPct * 10_000) / eventsPerS)) : "–");

function scenarioTables(scenarios: Scenario[]): string[] {
  const groups = [...new Set(scenarios.map((s) => s.group))];
  return groups.flatMap((group) => {
    const rows = scenarios.filter((s) => s.group === group);
    const byName = new Map(rows.map((s) => [s.name, s]));
    return [
      `### ${group}`,
      "",
      "| scenario | events/s | ratio to baseline | requests/s | p50 ms | p95 ms | p99 ms | failed | CPU avg/max % | CPU µs per event | RSS max MB |",
      "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...rows.map((s) => {
        const base = s.baseline ? byName.get(s.baseline) : undefined;
        const r = s.resources;
        return `| ${s.name}${s.note ? ` (${s.note})` : ""} | ${fmt(s.load.events_per_s)} | ${base ? `${ratio(s.load.events_per_s, base.load.events_per_s)} of ${base.name}` : "baseline"} | ${fmt(s.load.requests_per_s)} | ${s.load.p50_ms} | ${s.load.p95_ms} | ${s.load.p99_ms} | ${(s.load.failed_ratio * 100).toFixed(1)}% | ${r ? `${r.cpu_avg_pct}/${r.cpu_max_pct}` : "–"} | ${r ? cpuPerEvent(r.cpu_avg_pct, s.load.events_per_s) : "–"} | ${r ? r.rss_max_mb : "–"} |`;
      }),
      "",
    ];
  });
}

/** Chart files next to the markdown, by what they show. */
export interface Charts {
  throughput?: string;
  latency?: string;
}

/** A group's name without the prefix all the run's groups share (the run's id), cut at a dash. */
export function shortGroupName(group: string, all: string[]): string {
  let common = all[0] ?? "";
  for (const g of all) while (!g.startsWith(common)) common = common.slice(0, -1);
  const cut = common.lastIndexOf("-") + 1;
  return group.slice(cut) || group;
}

/** Below this gain a switch is within the noise of a shared 2-core machine. */
const WORTH_SWITCHING = 1.2;

/** Producing (gateway) and consuming (processor, store) are judged apart: the bus port allows one client for each. */
export function kafkaClientAdvice(k: NonNullable<RunResult["kafka_clients"]>): string {
  const produce = k.platformatic.produce_per_s / k.kafkajs.produce_per_s;
  const consume = k.platformatic.consume_per_s / k.kafkajs.consume_per_s;
  const figures = `(@platformatic/kafka at ${produce.toFixed(2)}× kafkajs's produce rate, ${consume.toFixed(2)}× its consume rate; median of ${k.repeats ?? 1})`;
  const sides = [produce >= WORTH_SWITCHING && "the producer (gateway)", consume >= WORTH_SWITCHING && "consumers (processor, store)"].filter(Boolean);
  if (!sides.length) return `stay on kafkajs ${figures}: no gain of ${Math.round((WORTH_SWITCHING - 1) * 100)}% or more, the noise of this machine.`;
  return `@platformatic/kafka for ${sides.join(" and ")} ${figures}, as an adapter behind the bus port (infra/bus/port.ts) that passes the bus contract tests; kafkajs elsewhere.`;
}

export function renderMarkdown(run: RunResult, charts: Charts = {}): string {
  const m = run.machine;
  const lines = [
    "# Benchmarks",
    "",
    "Generated by `bench/run` from one run; do not edit by hand. Figures from a 2-core machine shared with the",
    "services are noisy: read each one as a ratio to the baseline measured in the same run. Run `bench/run --quick`",
    "(< 3 min) or `bench/run` (< 15 min); each run also leaves bench/results/<time>.json, from which",
    "`bun bench/harness/publish.ts bench/results/<time>.json` writes this page again.",
    "",
    `- **Command:** \`${run.command}\` (${run.mode} mode, ${run.duration_s} s, started ${run.started_at})`,
    `- **Machine:** ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.kernel}`,
    `- **Versions:** Bun ${m.bun}; ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    "",
    "## Method",
    "",
    "- **Closed loop** (k6 `constant-vus`, 50 VUs) finds the maximum throughput; **open loop** (`constant-arrival-rate`) measures",
    "  ack latency at a fixed load without coordinated omission, at half the gateway's closed-loop maximum of the same run.",
    "  k6 runs on the same 2 cores as the server: when the bare server and the no-op gateway come out close, k6 itself was",
    "  the limit. Every scenario first runs unmeasured (5 s; 3 s in quick mode) so JIT warm-up and connection set-up stay out.",
    "- **CPU** of the process under test is read from /proc once a second during the measured run only. *CPU µs per event*",
    "  (its average CPU over events/s) is the server's own cost, which k6 and the broker sharing the cores disturb less than",
    "  events/s: read the gateway's against the bare server's for what each event costs it.",
    "- **Baselines:** `bench/baseline/bare-server.ts` (Bun.serve parsing the JSON, 202) for the HTTP front;",
    "  `bench/baseline/noop-gateway.ts` (the real gateway role on a bus whose sends succeed at once) for the cost of the durable",
    "  Kafka ack; Kafka's own `ProducerPerformance` with the seeded event JSON as payload, with the gateway's producer",
    "  settings (acks=all, idempotent, zstd), for the bus ceiling.",
    "- **End to end:** gateway, processor and store as separate processes on topics of the run; tracer events with known",
    "  ids sent twice a second beside the load time accept → row in ClickHouse (polled every 100 ms) and accept → alert",
    "  on fg.alerts (`bench/rules/marker.yaml`). Lag: committed offsets of each group against the topics' end offsets, every",
    "  second. CPU and RSS of each process from /proc, every second.",
    "",
    "## Load scenarios",
    "",
    ...scenarioTables(run.scenarios),
    ...(run.gateway ? renderGatewayBench(run.gateway) : []),
  ];
  const e = run.end_to_end;
  if (e) {
    lines.push(
      "## End to end (gateway → Kafka → processor, store)",
      "",
      `${fmt(e.accepted_events)} events accepted at a constant arrival rate.`,
      "",
      "| latency | samples | p50 ms | p95 ms | max ms |",
      "|---|---:|---:|---:|---:|",
      `| accept → row in ClickHouse | ${e.accept_to_clickhouse_ms.samples} | ${fmt(e.accept_to_clickhouse_ms.p50)} | ${fmt(e.accept_to_clickhouse_ms.p95)} | ${fmt(e.accept_to_clickhouse_ms.max)} |`,
      `| accept → alert on fg.alerts | ${e.accept_to_alert_ms.samples} | ${fmt(e.accept_to_alert_ms.p50)} | ${fmt(e.accept_to_alert_ms.p95)} | ${fmt(e.accept_to_alert_ms.max)} |`,
      "",
      "| role | CPU avg % | CPU max % | RSS max MB |",
      "|---|---:|---:|---:|",
      ...Object.entries(e.resources).map(([role, r]) => `| ${role} | ${r.cpu_avg_pct} | ${r.cpu_max_pct} | ${r.rss_max_mb} |`),
      "",
      `Largest consumer lag seen (events behind, per consumer group): ${Object.entries(e.max_lag).sort(([, a], [, b]) => b - a).map(([g, l]) => `${shortGroupName(g, Object.keys(e.max_lag))} ${fmt(l)}`).join(", ") || "–"}.`,
      "",
    );
    if (charts.throughput) lines.push(`![throughput and consumer lag over time](${charts.throughput})`, "");
    if (charts.latency) lines.push(`![end-to-end latency over time](${charts.latency})`, "");
  }
  const k = run.kafka_clients;
  if (k) {
    lines.push(
      "## Kafka clients on Bun",
      "",
      `${fmt(k.records)} records of ${k.size} B${k.compression ? ` (event JSON, ${k.compression})` : ""}, idempotent, acks=all; the median of ${k.repeats ?? 1} runs.`,
      "",
      "| client | produce records/s | consume records/s |",
      "|---|---:|---:|",
      `| kafkajs | ${fmt(k.kafkajs.produce_per_s)} | ${fmt(k.kafkajs.consume_per_s)} |`,
      `| @platformatic/kafka | ${fmt(k.platformatic.produce_per_s)} (${ratio(k.platformatic.produce_per_s, k.kafkajs.produce_per_s)}) | ${fmt(k.platformatic.consume_per_s)} (${ratio(k.platformatic.consume_per_s, k.kafkajs.consume_per_s)}) |`,
      ...(k.bus ? [`| the bus's consumer adapter (kafkajs, infra/bus/kafka.ts), bare handler | – | ${fmt(k.bus.consume_per_s)} (${ratio(k.bus.consume_per_s, k.kafkajs.consume_per_s)}) |`] : []),
      "",
      `Recommendation: ${kafkaClientAdvice(k)}`,
      "",
    );
  }
  if (run.processor) lines.push("## Processor", "", ...processorMethod, "", ...renderProcessorBench(run.processor), "");
  if (run.sql) lines.push("## SQL (`fluxgate sql`)", "", ...sqlMethod, "", ...renderSqlBench(run.sql), "");
  if (run.store_sinks) lines.push(...storeSinksSection(run.store_sinks));
  if (run.not_run.length) {
    lines.push("## Not run", "", ...run.not_run.map((n) => `- ${n.name}: ${n.reason}`), "");
  }
  return lines.join("\n");
}
