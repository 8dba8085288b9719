/**
 * Writes docs/benchmarks.md and its charts from one run's results, both at the end of `bench/run`
 * and from a saved results file:   bun bench/harness/publish.ts bench/results/<time>.json
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lineChart } from "./chart.ts";
import { renderMarkdown, shortGroupName, type Charts, type RunResult } from "./report.ts";

/** The charts of a run as SVG text by file name (none without an end-to-end run). */
export function renderCharts(run: RunResult): { charts: Charts; files: Record<string, string> } {
  const e = run.end_to_end;
  if (!e?.series.length) return { charts: {}, files: {} };
  const lagGroups = [...new Set(e.series.flatMap((p) => Object.keys(p.lag)))];
  const throughput = lineChart({
    title: "End to end: throughput and consumer lag", xLabel: "seconds", yLabel: "events/s · events behind",
    series: [
      { label: "accepted events/s", points: e.series.map((p) => ({ x: p.t_s, y: p.accepted_per_s })) },
      { label: "ClickHouse rows/s", points: e.series.map((p) => ({ x: p.t_s, y: p.clickhouse_rows_per_s })) },
      // The two groups that fell furthest behind: the others would only crowd the legend.
      ...lagGroups.sort((a, b) => (e.max_lag[b] ?? 0) - (e.max_lag[a] ?? 0)).slice(0, 2)
        .map((g) => ({ label: `lag ${shortGroupName(g, lagGroups)}`, points: e.series.map((p) => ({ x: p.t_s, y: p.lag[g] ?? 0 })) })),
    ],
  });
  const latency = lineChart({
    title: "End to end: latency of tracer events by the time they were accepted", xLabel: "seconds", yLabel: "ms",
    series: [
      { label: "accept → row in ClickHouse", points: e.tracers.to_clickhouse.map((a) => ({ x: a.t_s, y: a.ms })).sort((a, b) => a.x - b.x) },
      { label: "accept → alert on fg.alerts", points: e.tracers.to_alert.map((a) => ({ x: a.t_s, y: a.ms })).sort((a, b) => a.x - b.x) },
    ],
  });
  const charts = { throughput: "benchmarks-throughput.svg", latency: "benchmarks-latency.svg" };
  return { charts, files: { [charts.throughput]: throughput, [charts.latency]: latency } };
}

export function publish(run: RunResult, docsDir = "docs"): void {
  const { charts, files } = renderCharts(run);
  for (const [name, svg] of Object.entries(files)) writeFileSync(join(docsDir, name), svg);
  writeFileSync(join(docsDir, "benchmarks.md"), renderMarkdown(run, charts));
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: bun bench/harness/publish.ts bench/results/<time>.json");
  publish(JSON.parse(readFileSync(file, "utf8")) as RunResult);
}
