import { expect, test } from "bun:test";
import { percentiles } from "./percentiles.ts";
import { kafkaClientAdvice, medianRates, renderMarkdown, shortGroupName, type RunResult } from "./report.ts";

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
  const md = renderMarkdown(run);
  expect(md).toContain("| gateway on Kafka | 5,000 | 0.25× of bare Bun.serve |");
  expect(md).toContain("| bare Bun.serve | 20,000 | baseline |");
  // 90% of a core over 5,000 events/s: 180 µs of CPU per event.
  expect(md).toMatch(/\| gateway on Kafka \|.*\| 90\/120 \| 180 \| 150 \|/);
  expect(md).toContain("`bench/run --quick`");
  expect(md).toContain("- gRPC streaming: bench/k6/grpc-stream.js missing");
});

test("percentiles by rank; none for no samples", () => {
  expect(percentiles([5, 1, 4, 2, 3])).toEqual({ samples: 5, p50: 3, p95: 5, max: 5 });
  expect(percentiles([]).samples).toBe(0);
});

test("Kafka client advice: producer and consumers judged apart, a switch only beyond the noise", () => {
  const k = (pp: number, pc: number) => ({ records: 1, size: 1, repeats: 3, kafkajs: { produce_per_s: 100, consume_per_s: 100 }, platformatic: { produce_per_s: pp, consume_per_s: pc } });
  expect(kafkaClientAdvice(k(333, 79))).toStartWith("@platformatic/kafka for the producer (gateway) (@platformatic/kafka at 3.33× kafkajs's produce rate, 0.79× its consume rate; median of 3)");
  expect(kafkaClientAdvice(k(100, 150))).toStartWith("@platformatic/kafka for consumers (processor, store)");
  expect(kafkaClientAdvice(k(130, 150))).toStartWith("@platformatic/kafka for the producer (gateway) and consumers");
  expect(kafkaClientAdvice(k(110, 105))).toStartWith("stay on kafkajs");
});

test("Kafka client runs: the median of each client's rates", () => {
  const run = (kp: number, kc: number, pp: number, pc: number) => ({ records: 10, size: 512, kafkajs: { produce_per_s: kp, consume_per_s: kc }, platformatic: { produce_per_s: pp, consume_per_s: pc } });
  expect(medianRates([run(30, 140, 90, 110), run(40, 60, 36, 50), run(13, 33, 25, 28)])).toEqual({
    records: 10, size: 512, repeats: 3, kafkajs: { produce_per_s: 30, consume_per_s: 60 }, platformatic: { produce_per_s: 36, consume_per_s: 50 },
  });
});

test("group names lose the run's shared prefix, cut at a dash", () => {
  const all = ["bench-2026-11-23T08-25-17-018Z-e2e-store-archive", "bench-2026-11-23T08-25-17-018Z-e2e-store-clickhouse", "bench-2026-11-23T08-25-17-018Z-e2e-processor"];
  expect(all.map((g) => shortGroupName(g, all))).toEqual(["store-archive", "store-clickhouse", "processor"]);
  expect(shortGroupName("run-processor", ["run-processor"])).toBe("processor");
});

test("the processor section shows each figure beside its target, and a workload stopped at its budget", () => {
  const workload = (name: string, sweep: "keys" | "hot keys", keys: number) => ({ name, sweep, keys, events: 1000, rules: sweep === "hot keys" ? ("patterns" as const) : ("all" as const), oneTypePerKey: sweep === "hot keys", budgetS: 20 });
  const figures = (w: ReturnType<typeof workload>, rate: number, processed = 1000) => ({
    workload: w, processed, complete: processed === w.events, events_per_s: rate, cpu_us_per_event: 5, rss_base_mb: 100, rss_max_mb: 150, state_keys: 10, state_bytes_per_key: 300,
  });
  const md = renderMarkdown({
    ...run,
    processor: {
      quick: true,
      engine: [figures(workload("1,000 keys", "keys", 1000), 300_000), figures(workload("100,000 keys", "keys", 100_000), 120_000, 400), figures(workload("10 per key", "hot keys", 100), 90_000)],
      role: { events: 1000, processed: 1000, events_per_s: 60_000, cpu_us_per_event: 15, rss_max_mb: 300, seconds: 1 },
      delay: { rate_per_s: 10_000, seconds: 10, sent: 100_000, detection_ms: { samples: 99, p50: 9, p95: 20, p99: 30, max: 31 }, cpu_us_per_event: 20, rss_max_mb: 200 },
      not_run: [],
    },
  });
  expect(md).toContain("## Processor");
  expect(md).toContain("| keys: 100,000 keys, 10 windows + 5 patterns | 400 of 1,000 (stopped at 20 s) | 120,000 | 1.00× |");
  expect(md).toContain("- issue-4 shape: 120,000 events/s on one core (target ≥ 100,000");
  expect(md).toContain("- keys sweep: events/s varies 2.50× (max over min; target < 2×)");
  expect(md).toContain("60,000 events/s (target ≥ 50,000)");
  expect(md).toContain("p99 30 ms (target < 50)");
});

test("the SQL section puts chdb beside DuckDB, per query, with the target and a warning when the answers differ", () => {
  const figures = (warm: number) => ({ warm_ms: warm, warm_cpu_ms: warm * 1.5, cold_ms: warm + 500, cold_cpu_ms: warm + 300 });
  const md = renderMarkdown({
    ...run,
    sql: {
      events: 1_000_000, files: 160, mb: 51.1, runs: 5, duckdb_version: "2.0.0", copy_fill: { ms: 2_400, cpu_ms: 1_800 },
      queries: [
        { name: "count by type", clickhouse: "SELECT 1", duckdb: "SELECT 1 FROM FILES", chdb: figures(50), duckdb_figures: figures(60), same_answer: true },
        { name: "p95", clickhouse: "SELECT 2", duckdb: "SELECT 2 FROM FILES", chdb: figures(300), duckdb_figures: figures(250), same_answer: false },
      ],
    },
  });
  expect(md).toContain("## SQL (`fluxgate sql`)");
  expect(md).toContain("| count by type | chdb | 50 | 0.07 | 550 | 350 | 0.83×, 0.98× | ≤ DuckDB and < 1 s warm: met |");
  expect(md).toContain("| p95 (answers differ!) | chdb | 300 | 0.45 | 800 | 600 | 1.20×, 1.07× | ≤ DuckDB and < 1 s warm: missed |");
  expect(md).toContain("DuckDB: `SELECT 2 FROM read_parquet(…)`");
  expect(md).toContain("chdb's events copy, filled once from the 160 files: 2,400 ms, 1,800 ms of CPU (1.8 µs/event).");
});

test("the bus adapter's bare consume rate is a median too, and a row of the client table", () => {
  const r = (kc: number, bc: number) => ({ records: 10, size: 312, compression: "zstd", kafkajs: { produce_per_s: 1, consume_per_s: kc }, platformatic: { produce_per_s: 1, consume_per_s: 1 }, bus: { consume_per_s: bc } });
  const k = medianRates([r(100, 90), r(200, 150), r(50, 40)]);
  expect(k.bus).toEqual({ consume_per_s: 90 });
  const md = renderMarkdown({ ...run, kafka_clients: k });
  expect(md).toContain("10 records of 312 B (event JSON, zstd)");
  expect(md).toContain("| the bus's consumer adapter (kafkajs, infra/bus/kafka.ts), bare handler | – | 90 (0.90×) |");
});

test("store sinks: each path beside write() and its target; the together run's lag per group", () => {
  const path = (rows_per_s: number) => ({ rows_per_s, seconds: 1, cpu_us_per_row: 4 });
  const md = renderMarkdown({
    ...run,
    store_sinks: {
      rows: 200_000, batch: 50_000,
      sinks: [
        { sink: "clickhouse", direct: path(200_000), kafka: { ...path(160_000), join_s: 0.4 } },
        { sink: "postgres", direct: path(80_000), kafka: { ...path(55_000), join_s: 0.3 } },
      ],
      together: {
        rate_target: 50_000, produced_per_s: 49_000, seconds: 20, max_lag: { clickhouse: 60_000, postgres: 120_000 }, lag_at_end: { clickhouse: 10_000, postgres: 90_000 },
        drain_s: 3.5, store: { cpu_avg_pct: 120, cpu_max_pct: 160, rss_max_mb: 400 }, cpu_us_per_event: 24,
      },
    },
  });
  // 160K is above 150K and 0.80x of write(); Postgres' 55K is above 50K but 0.69x of its write().
  expect(md).toContain("| clickhouse | 200,000 | 4 | 160,000 | 0.80× | 4 | 0.4 | ≥ 150,000 and ≥ 0.75× write(): met |");
  expect(md).toContain("| postgres | 80,000 | 4 | 55,000 | 0.69× | 4 | 0.3 | ≥ 50,000 and ≥ 0.75× write(): missed |");
  expect(md).toContain("| postgres | 120,000 | 90,000 |");
  expect(md).toContain("Caught up 3.5 s after producing stopped");
});
