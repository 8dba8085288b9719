/**
 * The fuzz suite's /healthz prober, in a process of its own so that the fuzzer's own work cannot
 * delay it: one request at a time, every 20 ms, until stdin closes. Each probe also asks an idle
 * control server (a process of its own, doing nothing else) at the same moment: on a shared
 * machine whole processes stall now and then, and what the gateway must answer for is the time
 * it takes beyond what an idle server needs. Prints one JSON line of figures and exits.
 */
export {};

const url = process.argv[2]!;
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
  const [g, c] = await Promise.all([timed(url), timed(controlUrl)]);
  slowest.push({ at, excessMs: g.ms - c.ms });
  slowest.sort((a, b) => b.excessMs - a.excessMs).splice(5);
  if (!g.ok) failures++;
  gateway.push(g.ms);
  idle.push(c.ms);
  excess.push(g.ms - c.ms);
  await Bun.sleep(20);
}
control.kill();
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const p99 = (xs: number[]) => sorted(xs)[Math.floor(xs.length * 0.99)] ?? 0;
console.log(JSON.stringify({
  probes: gateway.length, failures, maxMs: Math.max(0, ...gateway), p99Ms: p99(gateway),
  controlMaxMs: Math.max(0, ...idle), excessMaxMs: Math.max(0, ...excess), excessP99Ms: p99(excess), slowest,
}));
