/**
 * docs/soak.md from every soak result on file (bench/results/soak-*.json): per run, the targets
 * and what was measured, the ledger, the alerts, the faults, and charts of RSS, throughput and
 * latency, files and lag over time (bench/harness/chart.ts, as SVG files beside the page).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lineChart, type Series } from "../harness/chart.ts";
import type { FaultRecord } from "./faults.ts";
import type { Sample } from "./sampler.ts";

export interface SoakResult {
  mode: "embedded" | "stack";
  private: boolean;
  minutes: number;
  rate: number;
  seed: number;
  run: string;
  started: string;
  commit: string;
  generated: number;
  acked: number;
  samples: Sample[];
  seen: Record<string, number>;
  ledger: { tier: string; acked: number; found: number; lost: number; duplicated: number; note?: string; lost_sample: string[] }[];
  files_per_partition_hour: { partitions: number; max: number; detail: Record<string, number> };
  alerts: { expected: number; delivered: number; missing: number; more_than_one_alert: number; redelivered: number; with_marker_trace: number };
  faults: (FaultRecord & {
    acked_during: number;
    lost: { tier: string; n: number }[];
    duplicated: { tier: string; n: number }[];
    clients_saw: Record<string, number>;
    recovered_after_s: number | null;
  })[];
}

/** RSS over the part of the run after warm-up (the last two thirds: 20 of 30 minutes): median and the largest deviation from it. */
export function rssFlatness(samples: Sample[], role: string, minutes: number): { median: number; deviation_pct: number; first: number; last: number } | undefined {
  const from = (minutes * 60) / 3;
  const xs = samples.filter((s) => s.t_s >= from && s.t_s <= minutes * 60 && s.roles[role]).map((s) => s.roles[role]!.rss_mb);
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const deviation = Math.max(...xs.map((x) => Math.abs(x - median))) / median;
  return { median, deviation_pct: Math.round(deviation * 1000) / 10, first: xs[0]!, last: xs.at(-1)! };
}

const chart = (title: string, yLabel: string, series: Series[]) => lineChart({ title, xLabel: "seconds", yLabel, series });

function section(r: SoakResult, name: string, docs: string): string {
  const roles = [...new Set(r.samples.flatMap((s) => Object.keys(s.roles)))];
  const charts: [string, string][] = [
    [`${name}-rss.svg`, chart(`RSS per role (${name})`, "MiB", roles.map((role) => ({ label: role, points: r.samples.filter((s) => s.roles[role]).map((s) => ({ x: s.t_s, y: s.roles[role]!.rss_mb })) })))],
    [`${name}-load.svg`, chart(`acknowledged events/s and p99 ack latency (${name})`, "events/s | ms", [
      { label: "acks/s", points: r.samples.map((s) => ({ x: s.t_s, y: s.acks_per_s })) },
      { label: "p99 ms", points: r.samples.map((s) => ({ x: s.t_s, y: s.p99_ms })) },
    ])],
    [`${name}-files.svg`, chart(`files per tier (${name})`, "files", Object.keys(r.samples.at(-1)?.files ?? {}).map((k) => ({ label: k, points: r.samples.map((s) => ({ x: s.t_s, y: Math.max(0, s.files[k] ?? 0) })) })))],
    [`${name}-lag.svg`, chart(`consumer lag (${name})`, "seconds | records", [...new Set(r.samples.flatMap((s) => Object.keys(s.lag)))].map((k) => ({ label: k, points: r.samples.map((s) => ({ x: s.t_s, y: s.lag[k] ?? 0 })) })))],
  ];
  for (const [file, svg] of charts) writeFileSync(join(docs, file), svg);
  const flat = roles.map((role) => [role, rssFlatness(r.samples, role, r.minutes)] as const);
  const cpu = roles.map((role) => {
    const xs = r.samples.filter((s) => s.roles[role]).map((s) => s.roles[role]!.cpu_pct);
    return `${role} ${xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0}%`;
  });
  const fds = roles.map((role) => `${role} ${Math.max(0, ...r.samples.filter((s) => s.roles[role]).map((s) => s.roles[role]!.open_files))}`);
  const lost = r.ledger.reduce((n, l) => n + l.lost, 0);
  const dup = r.ledger.reduce((n, l) => n + l.duplicated, 0);
  const lines = [
    `## ${r.mode === "embedded" ? "Embedded defaults" : r.private ? "Stack (private services, with faults)" : "Stack (shared services)"}, ${r.minutes} min at ${r.rate} events/s`,
    "",
    `Run ${r.run} at ${r.commit}, started ${r.started}: ${r.generated.toLocaleString("en")} events generated, ${r.acked.toLocaleString("en")} acknowledged.`,
    "",
    "| target | measured | met |",
    "|---|---|---|",
    ...flat.map(([role, f]) => `| RSS of \`${role}\` flat after warm-up (last ${Math.round((r.minutes * 2) / 3)} min within ±10%) | ${f ? `median ${f.median} MiB, largest deviation ${f.deviation_pct}% (${f.first} → ${f.last} MiB)` : "no samples"} | ${f && f.deviation_pct <= 10 ? "yes" : "no"} |`),
    `| files per archive partition-hour ≤ 10 | max ${r.files_per_partition_hour.max} over ${r.files_per_partition_hour.partitions} partitions | ${r.files_per_partition_hour.max <= 10 ? "yes" : "no"} |`,
    `| 0 lost | ${lost} | ${lost === 0 ? "yes" : "no"} |`,
    `| 0 duplicated | ${dup} | ${dup === 0 ? "yes" : "no"} |`,
    `| every expected alert once | ${r.alerts.delivered} of ${r.alerts.expected} delivered, ${r.alerts.more_than_one_alert} with more than one alert, ${r.alerts.redelivered} delivered more than once (webhooks are at least once), ${r.alerts.with_marker_trace} with the marker's trace id in \`traceparent\` | ${r.alerts.delivered === r.alerts.expected && r.alerts.more_than_one_alert === 0 ? "yes" : "no"} |`,
    "",
    `Average CPU per role: ${cpu.join(", ")}. Most open files: ${fds.join(", ")}.`,
    "",
    "| tier | acknowledged | found | lost | duplicated | note |",
    "|---|---|---|---|---|---|",
    ...r.ledger.map((l) => `| ${l.tier} | ${l.acked} | ${l.found} | ${l.lost} | ${l.duplicated} | ${l.note ?? ""} |`),
    "",
    `What clients saw besides acks: ${Object.entries(r.seen).map(([k, v]) => `${k} ×${v}`).join(", ") || "nothing"}.`,
    "",
    ...(r.faults.length ? [
      "| fault | at (s) | lasted (s) | acked during | lost | duplicated | recovered after (s) | clients saw |",
      "|---|---|---|---|---|---|---|---|",
      ...r.faults.map((f) => `| ${f.name}${f.note ? ` (${f.note})` : ""} | ${Math.round(f.start_ms / 1000)} | ${Math.round((f.end_ms - f.start_ms) / 1000)} | ${f.acked_during} | ${f.lost.map((x) => `${x.tier} ${x.n}`).join(", ")} | ${f.duplicated.map((x) => `${x.tier} ${x.n}`).join(", ")} | ${f.recovered_after_s ?? "not within the run"} | ${Object.entries(f.clients_saw).map(([k, v]) => `${k} ×${v}`).join(", ") || "—"} |`),
      "",
    ] : []),
    ...charts.map(([file]) => `![${file.replace(".svg", "")}](${file})`),
    "",
  ];
  void docs;
  return lines.join("\n");
}

export function writeSoakReport(results: string, docs: string): void {
  const runs = readdirSync(results).filter((f) => /^soak-.*\.json$/.test(f)).sort()
    .map((f) => [f.replace(/\.json$/, ""), JSON.parse(readFileSync(join(results, f), "utf8")) as SoakResult] as const);
  const page = [
    "# Soak",
    "",
    "`bun bench/soak/main.ts [--mode embedded|stack] [--quick | --minutes 30] [--rate N] [--private] [--port-base N]` runs the whole",
    "pipeline for a set time under a steady mixed load (HTTP single events and batches, WebSocket and",
    "gRPC streams, two apps, client-assigned UUIDv7 ids; about two marker events a second, each firing one",
    "alert delivered to a webhook the harness serves). Markers carry no ts, so their event time is their",
    "id's, the moment they were made, and they are an app of their own (`soak-markers`): event time is",
    "per app, so only markers move the markers' clock. Before, a marker overtaken on its partition by a",
    "newer event of its app (events wait in clients: batches, stream windows, a busy gateway) was late",
    "and fired nothing: 1,606 of 3,599 alerts with no out-of-orderness bound, 2,936 of 3,599 with 5 s at",
    "load ~20. The roles also run with `FG_PROCESSOR_OUT_OF_ORDERNESS_MS=5000`. Every 10 s it records RSS, CPU and open files",
    "per role, files per tier, consumer lag, ack rate and latency; at the end it lets the pipeline",
    "drain, stops the roles and checks the ledger: every acknowledged event in every tier exactly",
    "once, every marker's alert delivered once with the marker's trace. `--private` runs on services",
    "of its own (never the shared ones) and injects faults at seeded points (bench/soak/faults.ts).",
    "Written by bench/soak/report.ts from bench/results/soak-*.json; this machine has 2 cores shared",
    "with the services and other work, so figures vary from run to run. \"at <commit>\" is the code the",
    "roles ran, taken when the run started. Runs whose results are no longer on file are in this page's",
    "git history.",
    "",
    // What the runs found, written by hand beside the code (the figures below are generated).
    readFileSync(new URL("./findings.md", import.meta.url), "utf8").trim(),
    "",
    ...runs.map(([name, r]) => section(r, name, docs)),
  ];
  writeFileSync(join(docs, "soak.md"), page.join("\n"));
}
