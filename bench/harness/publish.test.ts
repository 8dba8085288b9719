import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publish, renderCharts } from "./publish.ts";
import type { RunResult } from "./report.ts";

const run: RunResult = {
  started_at: "2026-11-23T08:00:00Z", command: "bench/run", mode: "full", duration_s: 600,
  machine: { cpu: "Test CPU", cores: 2, memory_gib: 24, kernel: "Linux", bun: "1.4.5", versions: {} },
  scenarios: [],
  end_to_end: {
    accepted_events: 1000,
    accept_to_clickhouse_ms: { samples: 2, p50: 900, p95: 1200, max: 1200 },
    accept_to_alert_ms: { samples: 1, p50: 400, p95: 400, max: 400 },
    max_lag: { "benchx1-processor": 50, "benchx1-store-clickhouse": 300, "benchx1-store-archive": 10 },
    resources: { gateway: { cpu_avg_pct: 40, cpu_max_pct: 80, rss_max_mb: 140 } },
    tracers: { to_clickhouse: [{ t_s: 2.5, ms: 1200 }, { t_s: 0.5, ms: 900 }], to_alert: [{ t_s: 1, ms: 400 }] },
    series: [
      { t_s: 1, accepted_per_s: 500, clickhouse_rows_per_s: 0, lag: { "benchx1-processor": 50, "benchx1-store-clickhouse": 300 } },
      { t_s: 2, accepted_per_s: 500, clickhouse_rows_per_s: 700, lag: { "benchx1-processor": 0, "benchx1-store-clickhouse": 100, "benchx1-store-archive": 10 } },
    ],
  },
  kafka_clients: { records: 1000, size: 512, kafkajs: { produce_per_s: 100, consume_per_s: 300 }, platformatic: { produce_per_s: 250, consume_per_s: 280 } },
  not_run: [],
};

test("charts: throughput with the two laggiest groups, tracer latency in time order", () => {
  const { charts, files } = renderCharts(run);
  const throughput = files[charts.throughput!]!;
  expect(throughput.match(/<polyline/g)?.length).toBe(4);
  expect(throughput).toContain("lag store-clickhouse");
  expect(throughput).toContain("lag processor");
  expect(throughput).not.toContain("lag store-archive");
  const latency = files[charts.latency!]!;
  expect(latency).toContain("accept → row in ClickHouse");
  // 0.5 s before 2.5 s: a line drawn left to right.
  const first = /points="([\d.]+),/.exec(latency)![1]!;
  const xs = /points="([^"]+)"/.exec(latency)![1]!.split(" ").map((p) => Number(p.split(",")[0]));
  expect(Number(first)).toBe(xs[0]!);
  expect(xs[0]!).toBeLessThan(xs[1]!);
});

test("no end-to-end run, no charts", () => {
  expect(renderCharts({ ...run, end_to_end: undefined })).toEqual({ charts: {}, files: {} });
});

test("publish writes the markdown with its charts and the client recommendation", () => {
  const dir = mkdtempSync(join(tmpdir(), "fg-bench-docs-"));
  publish(run, dir);
  expect(readdirSync(dir).sort()).toEqual(["benchmarks-latency.svg", "benchmarks-throughput.svg", "benchmarks.md"]);
  const md = readFileSync(join(dir, "benchmarks.md"), "utf8");
  expect(md).toContain("![throughput and consumer lag over time](benchmarks-throughput.svg)");
  expect(md).toContain("![end-to-end latency over time](benchmarks-latency.svg)");
  expect(md).toContain("| accept → row in ClickHouse | 2 | 900 | 1,200 | 1,200 |");
  expect(md).toMatch(/Recommendation: @platformatic\/kafka/);
});
