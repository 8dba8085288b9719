import { expect, test } from "bun:test";
import { gatewayTargets, renderGatewayBench, type GatewayBench, type HttpRow } from "./gateway-report.ts";

const row = (server: HttpRow["server"], shape: HttpRow["shape"], events_per_s: number, cpu_us_per_event: number): HttpRow =>
  ({ server, shape, requests_per_s: events_per_s, events_per_s, cpu_pct: 50, cpu_us_per_event, p50_ms: 1, p99_ms: 5, failed: 0, load: [3, 2, 1] });

const bench: GatewayBench = {
  seconds: 10, warmup_s: 3, load_at_start: [3, 2, 1],
  http: [row("bare", "single", 50_000, 10), row("benthos", "single", 16_000, 55), row("gateway", "single", 20_000, 25), row("bare", "batch", 1e6, 0.5), row("benthos", "batch", 170_000, 9), row("gateway", "batch", 150_000, 6)],
  ws: { events_per_s: 100_000, cpu_us_per_event: 5, refused_frames: 0, producer_perf_per_s: 250_000, producer_perf_record_bytes: 140, load: [3, 2, 1] },
  latency: { rate: 10_000, runs: [{ pinned: false, requests: 1, failed: 0, achieved_per_s: 10_000, p50_ms: 1, p99_ms: 14, max_ms: 20, cpu_us_per_event: 30, load: [3, 2, 1] }, { pinned: true, requests: 1, failed: 0, achieved_per_s: 10_000, p50_ms: 1, p99_ms: 8, max_ms: 12, cpu_us_per_event: 30, load: [3, 2, 1] }] },
};

test("targets are judged from ratios of the same run", () => {
  const t = Object.fromEntries(gatewayTargets(bench).map((x) => [x.target, [x.figure, x.met]]));
  // 25 µs against the bare server's 10: 2.5×, exactly the bound.
  expect(t["single event: CPU µs/event ≤ 2.5× the bare server's"]).toEqual(["2.50×", true]);
  expect(t["100 per request: ≤ 8 CPU µs/event"]).toEqual(["6 µs", true]);
  expect(t["single event: ≥ 1.5× Benthos's events per CPU-second"]).toEqual(["2.20×", true]);
  expect(t["100 per request: ≥ 1× Benthos's events/s"]).toEqual(["0.88×", false]);
  expect(t["WebSocket, 100 per frame: ≥ 0.5× ProducerPerformance's events/s"]).toEqual(["0.40×", false]);
  // The pinned run decides, not the unpinned one beside it.
  expect(t["p99 ack at half the maximum rate, generator pinned: < 10 ms"]).toEqual(["8 ms", true]);
});

test("the section shows each server beside the bare server and Benthos, and the load average", () => {
  const md = renderGatewayBench(bench).join("\n");
  expect(md).toContain("| gateway | 20,000 | 50 | 25 | 2.50× | 2.20× | 1.25× |");
  expect(md).toContain("Load average at the start: 3.00 / 2.00 / 1.00.");
  expect(md).toContain("| 100 per request: ≥ 1× Benthos's events/s | 0.88× | **missed** |");
});
