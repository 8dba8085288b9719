import { expect, test } from "bun:test";
import { percentiles, renderMarkdown, type RunResult } from "./report.ts";

const load = (events_per_s: number) => ({ requests_per_s: events_per_s, events_per_s, p50_ms: 1.5, p95_ms: 4, p99_ms: 9, failed_ratio: 0 });

const run: RunResult = {
  started_at: "2026-11-23T08:00:00Z", command: "bench/run --quick", mode: "quick", duration_s: 170,
  machine: { cpu: "Test CPU", cores: 2, memory_gib: 24, kernel: "Linux version 6.1", bun: "1.4.5", versions: { k6: "v1.8.1" } },
  scenarios: [
    { group: "HTTP, one event per request", name: "bare Bun.serve", load: load(20000) },
    { group: "HTTP, one event per request", name: "gateway on Kafka", baseline: "bare Bun.serve", load: load(5000), resources: { cpu_avg_pct: 90, cpu_max_pct: 120, rss_max_mb: 150 } },
  ],
  not_run: [{ name: "gRPC streaming", reason: "bench/k6/grpc-stream.js missing" }],
};

test("a scenario is shown as a ratio to the baseline of its group", () => {
  const md = renderMarkdown(run, undefined);
  expect(md).toContain("| gateway on Kafka | 5,000 | 0.25× of bare Bun.serve |");
  expect(md).toContain("| bare Bun.serve | 20,000 | baseline |");
  expect(md).toContain("`bench/run --quick`");
  expect(md).toContain("- gRPC streaming: bench/k6/grpc-stream.js missing");
});

test("percentiles by rank; none for no samples", () => {
  expect(percentiles([5, 1, 4, 2, 3])).toEqual({ samples: 5, p50: 3, p95: 5, max: 5 });
  expect(percentiles([]).samples).toBe(0);
});
