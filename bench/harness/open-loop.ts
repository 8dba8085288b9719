/**
 * Open-loop HTTP load for bench/gateway.ts, run as its own process so it can be pinned to a core
 * (taskset): RATE requests/s of the BODIES file's bodies for SECONDS, each sent when it is due
 * whether or not earlier ones were answered, and its latency counted from that due time, so a
 * slow answer delays no later request's clock (no coordinated omission). Prints one JSON line.
 *   bun bench/harness/open-loop.ts <url> <api-key> <bodies-file> <rate> <seconds>
 */
import { readFileSync } from "node:fs";

const [url, key, bodiesFile, rate, seconds] = process.argv.slice(2) as [string, string, string, string, string];
const bodies = readFileSync(bodiesFile, "utf8").trim().split("\n");
const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
const perMs = Number(rate) / 1000;
const total = Math.round(Number(rate) * Number(seconds));
const latencies = new Float64Array(total);
let sent = 0;
let answered = 0;
let failed = 0;
const t0 = performance.now();
const { promise: finished, resolve } = Promise.withResolvers<void>();

function fire(i: number, due: number) {
  fetch(url, { method: "POST", headers, body: bodies[i % bodies.length] }).then(
    async (r) => {
      await r.arrayBuffer();
      if (r.status !== 202) failed++;
    },
    () => void failed++,
  ).finally(() => {
    latencies[i] = performance.now() - due;
    if (++answered === total) resolve();
  });
}

// A 1 ms tick sends everything that has come due since the last one.
const timer = setInterval(() => {
  const due = Math.min(total, Math.floor((performance.now() - t0) * perMs));
  for (; sent < due; sent++) fire(sent, t0 + sent / perMs);
  if (sent === total) clearInterval(timer);
}, 1);
await finished;
const sorted = [...latencies].sort((a, b) => a - b);
const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100;
console.log(JSON.stringify({ requests: total, failed, achieved_per_s: Math.round(total / ((performance.now() - t0) / 1000)), p50_ms: at(0.5), p99_ms: at(0.99), max_ms: at(1) }));
