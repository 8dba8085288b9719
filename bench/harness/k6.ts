/** Runs a k6 script and reads its summary export: throughput and latency percentiles. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LoadResult {
  /** Requests (or frames) per second completed. */
  requests_per_s: number;
  /** Events per second sent (requests_per_s × events per request). */
  events_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  /** Share of checks that failed (non-202 answers, rejected frames). */
  failed_ratio: number;
}

export interface SummaryMetrics {
  /** Counter of requests or frames completed. */
  requests: string;
  /** Trend of ack latency. */
  latency: string;
  /** Counter of events sent, when a request carries several; else the requests counter is used. */
  events?: string;
}

type Metric = Record<string, number>;

export function parseSummary(summary: { metrics: Record<string, Metric> }, names: SummaryMetrics): LoadResult {
  const metric = (name: string): Metric => {
    const m = summary.metrics[name];
    if (!m) throw new Error(`k6 summary has no metric ${name} (has: ${Object.keys(summary.metrics).join(", ")})`);
    return m;
  };
  const requests = metric(names.requests);
  const latency = metric(names.latency);
  const events = names.events ? metric(names.events) : requests;
  const checks = summary.metrics.checks;
  const total = checks ? (checks.passes ?? 0) + (checks.fails ?? 0) : 0;
  return {
    requests_per_s: Math.round(requests.rate ?? 0),
    events_per_s: Math.round(events.rate ?? 0),
    p50_ms: round2(latency.med ?? latency["p(50)"] ?? NaN),
    p95_ms: round2(latency["p(95)"] ?? NaN),
    p99_ms: round2(latency["p(99)"] ?? NaN),
    failed_ratio: total ? round2((checks!.fails ?? 0) / total) : 0,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export async function runK6(script: string, env: Record<string, string>, names: SummaryMetrics, logFile: string): Promise<LoadResult> {
  const k6 = process.env.FG_K6;
  if (!k6) throw new Error("FG_K6 is not set: run through bench/run, which installs k6");
  const dir = mkdtempSync(join(tmpdir(), "fg-k6-"));
  const summary = join(dir, "summary.json");
  const proc = Bun.spawn([k6, "run", "--quiet", "--no-usage-report", `--summary-export=${summary}`, script], {
    env: { ...process.env, ...env },
    stdout: Bun.file(logFile),
    stderr: Bun.file(`${logFile}.err`),
  });
  const code = await proc.exited;
  // k6 exits 99 when thresholds fail; the summary is still valid and the failure shows in failed_ratio.
  if (code !== 0 && code !== 99) throw new Error(`k6 ${script} exited ${code}: see ${logFile}.err`);
  const parsed = JSON.parse(readFileSync(summary, "utf8"));
  rmSync(dir, { recursive: true, force: true });
  try {
    return parseSummary(parsed, names);
  } catch (err) {
    throw new Error(`${k6Trouble(parsed, readFileSync(`${logFile}.err`, "utf8"))}; ${(err as Error).message}`);
  }
}

/** Why a k6 run produced no results, in one line: its first error, else its failed checks. */
export function k6Trouble(summary: { metrics: Record<string, Metric>; root_group?: { checks?: Record<string, { name: string; fails: number }> } }, stderr: string): string {
  const error = /level=error msg="((?:[^"\\]|\\.)*)"/.exec(stderr)?.[1]?.split("\\n")[0];
  if (error) return `k6: ${error.replace(/\\"/g, '"').slice(0, 200)}`;
  const failed = Object.values(summary.root_group?.checks ?? {}).filter((c) => c.fails > 0).map((c) => c.name);
  return failed.length ? `k6: checks failed: ${failed.join(", ")}` : "k6 reported no error";
}
