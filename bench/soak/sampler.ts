/**
 * What the soak records every 10 s: per role process its RSS, CPU, open files; the archive's files
 * (and ClickHouse's parts on the stack); consumer lag (the roles' own lag metrics, and Kafka's
 * offsets on the stack); ack rate and latency from the clients.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpuPercent, parseRssBytes, parseStat, type ProcTimes } from "../harness/proc-stat.ts";

export interface RoleSample {
  rss_mb: number;
  cpu_pct: number;
  open_files: number;
}

export interface Sample {
  t_s: number;
  roles: Record<string, RoleSample>;
  files: Record<string, number>;
  lag: Record<string, number>;
  acks_per_s: number;
  p50_ms: number;
  p99_ms: number;
  pending: number;
}

export function processProbe(pid: () => number | undefined) {
  let last: { at: number; times: ProcTimes; pid: number } | undefined;
  return (): RoleSample | undefined => {
    const p = pid();
    if (p === undefined) return undefined;
    try {
      const times = parseStat(readFileSync(`/proc/${p}/stat`, "utf8"));
      const rss = parseRssBytes(readFileSync(`/proc/${p}/status`, "utf8"));
      const fds = readdirSync(`/proc/${p}/fd`).length;
      const at = performance.now();
      const cpu = last && last.pid === p ? cpuPercent(last.times, times, at - last.at) : 0;
      last = { at, times, pid: p };
      return { rss_mb: Math.round(rss / 1048576), cpu_pct: Math.round(cpu), open_files: fds };
    } catch {
      return undefined; // between a kill and the restart
    }
  };
}

/** Sum (or max) of a metric's samples in Prometheus text. */
export function metric(text: string, name: string, how: "sum" | "max" = "max", labels?: RegExp): number | undefined {
  let out: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== "{" && line[name.length] !== " ")) continue;
    if (labels && !labels.test(line)) continue;
    const v = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (!Number.isFinite(v)) continue;
    out = out === undefined ? v : how === "sum" ? out + v : Math.max(out, v);
  }
  return out;
}

export const percentile = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : 0);
