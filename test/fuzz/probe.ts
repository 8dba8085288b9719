/**
 * The fuzz suite's /healthz prober, in a process of its own so that the fuzzer's own work cannot
 * delay it: one request at a time, every 20 ms, until stdin closes. Each probe also asks an idle
 * control server (a process of its own, doing nothing else) at the same moment: on a shared
 * machine whole processes stall now and then, and what the gateway must answer for is the time
 * it takes beyond what an idle server needs. A busy process also waits for a CPU where an idle
 * one is woken at once: with the gateway's pid, the time its main thread (the event loop) spent
 * runnable but not running during the probe (/proc/<pid>/task/<pid>/schedstat, the kernel's
 * run-queue delay) is not counted either, so what remains is the time its loop was busy or
 * blocked. Prints one JSON line of figures and exits.
 */
import { readFileSync } from "node:fs";

const url = process.argv[2]!;
const pid = process.argv[3];
/** The gateway's event loop's run-queue delay so far, in ms (0 without a pid or schedstat). */
const waited = (): number => {
  if (!pid) return 0;
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[1]) / 1e6;
  } catch {
    return 0;
  }
};
const control = Bun.spawn([process.execPath, "-e", 'const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") }); console.log(s.port);'], { stdout: "pipe" });
const reader = control.stdout.getReader();
const controlUrl = `http://127.0.0.1:${new TextDecoder().decode((await reader.read()).value).trim()}/`;

const timed = async (u: string) => {
  const t = performance.now();
  const ok = await fetch(u, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status === 200, () => false);
  return { ok, ms: performance.now() - t };
};
const gateway: number[] = [];
const idle: number[] = [];
const excess: number[] = [];
/** Per probe, the gateway's run-queue delay it contained. */
const queued: number[] = [];
/** The slowest probes (beyond the control's time), with when they started (epoch ms). */
const slowest: { at: number; excessMs: number }[] = [];
let failures = 0;
let running = true;
void (async () => {
  for await (const _ of Bun.stdin.stream()) void _;
  running = false;
})();
while (running) {
  const at = Date.now();
  const before = waited();
  const [g, c] = await Promise.all([timed(url), timed(controlUrl)]);
  const q = waited() - before;
  const over = g.ms - c.ms - q;
  slowest.push({ at, excessMs: over });
  slowest.sort((a, b) => b.excessMs - a.excessMs).splice(5);
  if (!g.ok) failures++;
  gateway.push(g.ms);
  idle.push(c.ms);
  excess.push(over);
  queued.push(q);
  await Bun.sleep(20);
}
control.kill();
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const p99 = (xs: number[]) => sorted(xs)[Math.floor(xs.length * 0.99)] ?? 0;
console.log(JSON.stringify({
  probes: gateway.length, failures, maxMs: Math.max(0, ...gateway), p99Ms: p99(gateway),
  controlMaxMs: Math.max(0, ...idle), queuedMaxMs: Math.max(0, ...queued), excessMaxMs: Math.max(0, ...excess), excessP99Ms: p99(excess), slowest,
}));
