/**
 * The processes a benchmark runs (roles, baselines): started with the stack's environment,
 * awaited until they answer, sampled once a second for CPU and memory, stopped with SIGTERM
 * (SIGKILL after a grace period) also when the harness fails.
 */
import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { cpuPercent, parseRssBytes, parseStat, type ProcTimes } from "./proc-stat.ts";

export interface ResourceSample {
  t_ms: number;
  cpu_pct: number;
  rss_mb: number;
}

export interface Managed {
  name: string;
  proc: Subprocess;
  samples: ResourceSample[];
  stop(): Promise<void>;
}

const running = new Set<Managed>();

/** Stops everything still running: called on exit paths and signals. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((m) => m.stop()));
}

export function start(name: string, cmd: string[], env: Record<string, string | undefined>, logFile: string): Managed {
  const proc = Bun.spawn(cmd, { env: { ...process.env, ...env } as Record<string, string>, stdout: Bun.file(logFile), stderr: Bun.file(`${logFile}.err`) });
  const samples: ResourceSample[] = [];
  const t0 = performance.now();
  let last: { at: number; times: ProcTimes } | undefined;
  const timer = setInterval(() => {
    try {
      const times = parseStat(readFileSync(`/proc/${proc.pid}/stat`, "utf8"));
      const rss = parseRssBytes(readFileSync(`/proc/${proc.pid}/status`, "utf8"));
      const at = performance.now();
      if (last) samples.push({ t_ms: Math.round(at - t0), cpu_pct: Math.round(cpuPercent(last.times, times, at - last.at)), rss_mb: Math.round(rss / 1048576) });
      last = { at, times };
    } catch {
      // The process has exited; its last samples stand.
    }
  }, 1000);
  const managed: Managed = {
    name,
    proc,
    samples,
    async stop() {
      clearInterval(timer);
      running.delete(managed);
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const killed = await Promise.race([proc.exited.then(() => false), Bun.sleep(20_000).then(() => true)]);
      if (killed) proc.kill("SIGKILL");
    },
  };
  running.add(managed);
  return managed;
}

/** Polls a URL until it answers 200, or fails with the process's exit if it died first. */
export async function waitReady(m: Managed, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (m.proc.exitCode !== null) throw new Error(`${m.name} exited with ${m.proc.exitCode} before it was ready`);
    const ok = await fetch(url).then((r) => r.status === 200, () => false);
    if (ok) return;
    await Bun.sleep(250);
  }
  throw new Error(`${m.name} not ready at ${url} after ${timeoutMs} ms`);
}

export function summarize(samples: ResourceSample[]): { cpu_avg_pct: number; cpu_max_pct: number; rss_max_mb: number } {
  if (!samples.length) return { cpu_avg_pct: 0, cpu_max_pct: 0, rss_max_mb: 0 };
  return {
    cpu_avg_pct: Math.round(samples.reduce((s, x) => s + x.cpu_pct, 0) / samples.length),
    cpu_max_pct: Math.max(...samples.map((x) => x.cpu_pct)),
    rss_max_mb: Math.max(...samples.map((x) => x.rss_mb)),
  };
}
