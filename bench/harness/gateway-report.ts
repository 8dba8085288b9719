/**
 * bench/gateway.ts's figures and their section of docs/benchmarks.md: every figure read as a ratio
 * to a peer measured in the same run, and issue 15's targets judged from those ratios.
 */
import { fmt } from "./format.ts";

export type Shape = "single" | "batch";

export interface HttpRow {
  server: "bare" | "benthos" | "gateway";
  shape: Shape;
  requests_per_s: number;
  events_per_s: number;
  /** CPU of the server process over the measured seconds, in % of one core. */
  cpu_pct: number;
  cpu_us_per_event: number;
  p50_ms: number;
  p99_ms: number;
  failed: number;
  /** /proc/loadavg (1, 5, 15 min) at the end of the measured run. */
  load: number[];
}

export interface GatewayBench {
  seconds: number;
  warmup_s: number;
  load_at_start: number[];
  http: HttpRow[];
  ws?: { events_per_s: number; cpu_us_per_event: number; refused_frames: number; producer_perf_per_s: number; producer_perf_record_bytes: number; load: number[] };
  latency?: {
    rate: number;
    runs: { pinned: boolean; requests: number; failed: number; achieved_per_s: number; p50_ms: number; p99_ms: number; max_ms: number; cpu_us_per_event: number; load: number[] }[];
  };
}

const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : "–");
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
const la = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");

/** The targets of issue 15 from one run's ratios. */
export function gatewayTargets(b: GatewayBench): { target: string; figure: string; met: boolean }[] {
  const row = (server: HttpRow["server"], shape: Shape) => b.http.find((r) => r.server === server && r.shape === shape);
  const out: { target: string; figure: string; met: boolean }[] = [];
  const [bareS, gwS, gwB] = [row("bare", "single"), row("gateway", "single"), row("gateway", "batch")];
  if (bareS && gwS) {
    const r = gwS.cpu_us_per_event / bareS.cpu_us_per_event;
    out.push({ target: "single event: CPU µs/event ≤ 2.5× the bare server's", figure: x(r), met: r <= 2.5 });
  }
  if (gwB) out.push({ target: "100 per request: ≤ 8 CPU µs/event", figure: `${gwB.cpu_us_per_event} µs`, met: gwB.cpu_us_per_event <= 8 });
  for (const shape of ["single", "batch"] as const) {
    const [gw, peer] = [row("gateway", shape), row("benthos", shape)];
    if (!gw || !peer) continue;
    const perCpu = peer.cpu_us_per_event / gw.cpu_us_per_event;
    const rate = gw.events_per_s / peer.events_per_s;
    const what = shape === "single" ? "single event" : "100 per request";
    out.push({ target: `${what}: ≥ 1.5× Benthos's events per CPU-second`, figure: x(perCpu), met: perCpu >= 1.5 });
    out.push({ target: `${what}: ≥ 1× Benthos's events/s`, figure: x(rate), met: rate >= 1 });
  }
  if (b.ws) {
    const r = b.ws.events_per_s / b.ws.producer_perf_per_s;
    out.push({ target: "WebSocket, 100 per frame: ≥ 0.5× ProducerPerformance's events/s", figure: x(r), met: r >= 0.5 });
  }
  const pinned = b.latency?.runs.find((r) => r.pinned);
  if (pinned) out.push({ target: "p99 ack at half the maximum rate, generator pinned: < 10 ms", figure: `${pinned.p99_ms} ms`, met: pinned.p99_ms < 10 });
  return out;
}

export function renderGatewayBench(b: GatewayBench): string[] {
  const lines = [
    "## Gateway against its peers (`bench/gateway.ts`)",
    "",
    `wrk (1 thread, 50 connections; ${b.warmup_s} s warm-up, then ${b.seconds} s measured) against each server in turn, on the`,
    "stack's Kafka: the bare Bun.serve baseline (parses the JSON, answers 202), Benthos 4.27.0 (http_server → kafka_franz,",
    "acks=all, idempotent, zstd, max_in_flight 64, keyed by user_id, a batch split into one record per event; it checks",
    "nothing) and the gateway (auth, rate limits set out of the way, validation, enrichment, acks=all). Server CPU from",
    "/proc/<pid>/stat over the measured seconds. The same seeded event mix as the k6 scripts, app `bench`.",
    `Load average at the start: ${la(b.load_at_start)}.`,
    "",
  ];
  for (const shape of ["single", "batch"] as const) {
    const rows = b.http.filter((r) => r.shape === shape);
    if (!rows.length) continue;
    const bare = rows.find((r) => r.server === "bare");
    const peer = rows.find((r) => r.server === "benthos");
    lines.push(
      `### HTTP, ${shape === "single" ? "one event" : "100 events"} per request`,
      "",
      "| server | events/s | CPU % | CPU µs/event | CPU/event vs bare | events per CPU-s vs Benthos | events/s vs Benthos | p50 ms | p99 ms | failed | load (1/5/15) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
      ...rows.map((r) => `| ${r.server} | ${fmt(r.events_per_s)} | ${r.cpu_pct} | ${r.cpu_us_per_event} | ${bare ? x(r.cpu_us_per_event / bare.cpu_us_per_event) : "–"} | ${peer ? x(peer.cpu_us_per_event / r.cpu_us_per_event) : "–"} | ${peer ? x(r.events_per_s / peer.events_per_s) : "–"} | ${r.p50_ms} | ${r.p99_ms} | ${r.failed} | ${la(r.load)} |`),
      "",
    );
  }
  if (b.ws) {
    lines.push(
      "### WebSocket, 100 events per frame, against Kafka's own producer",
      "",
      "4 connections × 8 frames in flight (bench/harness/ws-load.ts), then `ProducerPerformance` (300,000 records of the same",
      `event JSON, ${b.ws.producer_perf_record_bytes} B on average; acks=all, idempotent, zstd, linger 5 ms) in the same run.`,
      "",
      "| | events/s | gateway CPU µs/event | ratio | load (1/5/15) |",
      "|---|---:|---:|---:|---|",
      `| gateway, WebSocket | ${fmt(b.ws.events_per_s)} | ${b.ws.cpu_us_per_event} | ${x(b.ws.events_per_s / b.ws.producer_perf_per_s)} of ProducerPerformance | ${la(b.ws.load)} |`,
      `| ProducerPerformance (Java) | ${fmt(b.ws.producer_perf_per_s)} | – | baseline | |`,
      "",
    );
  }
  if (b.latency) {
    lines.push(
      `### Ack latency at half the single-event maximum (${fmt(b.latency.rate)} requests/s, open loop)`,
      "",
      "bench/harness/open-loop.ts sends each request when it is due and times it from then (no coordinated omission).",
      "",
      "| placement | achieved/s | p50 ms | p99 ms | max ms | failed | gateway CPU µs/event | load (1/5/15) |",
      "|---|---:|---:|---:|---:|---:|---:|---|",
      ...b.latency.runs.map((r) => `| ${r.pinned ? "gateway on core 0, generator on core 1 (taskset)" : "unpinned"} | ${fmt(r.achieved_per_s)} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.failed} | ${r.cpu_us_per_event} | ${la(r.load)} |`),
      "",
    );
  }
  const targets = gatewayTargets(b);
  if (targets.length) {
    lines.push("### Issue 15's targets in this run", "", "| target | this run | |", "|---|---:|---|", ...targets.map((t) => `| ${t.target} | ${t.figure} | ${verdict(t.met)} |`), "");
  }
  return lines;
}
