/**
 * Kafka's own producer benchmark (org.apache.kafka.tools.ProducerPerformance, from the jars the
 * local stack installs): the ceiling for the bus at the same record size as the gateway's events.
 */

import { writeFileSync } from "node:fs";
import { createEventSource } from "../k6/lib/events.js";

export interface ProducerPerfResult {
  records_per_s: number;
  mb_per_s: number;
  avg_latency_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

/** The tool's closing line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, a ms 50th, b ms 95th, c ms 99th, d ms 99.9th." */
export function parseProducerPerf(output: string): ProducerPerfResult {
  const line = output.trim().split("\n").findLast((l) => / records sent, .* 99\.9th/.test(l));
  if (!line) throw new Error(`no summary line in ProducerPerformance output:\n${output.slice(-500)}`);
  const num = (re: RegExp) => Number(re.exec(line)?.[1] ?? NaN);
  return {
    records_per_s: Math.round(num(/([\d.]+) records\/sec/)),
    mb_per_s: num(/\(([\d.]+) MB\/sec\)/),
    avg_latency_ms: num(/([\d.]+) ms avg latency/),
    p50_ms: num(/(\d+) ms 50th/),
    p95_ms: num(/(\d+) ms 95th/),
    p99_ms: num(/(\d+) ms 99th/),
  };
}

/**
 * Writes the seeded event mix the k6 scripts send, one JSON per line, for --payload-file: random
 * bytes would not compress like events do under the gateway's gzip. Returns the mean record size.
 */
export function writePayloadFile(file: string, count = 10_000): number {
  const next = createEventSource({ seed: 7, users: 10_000 });
  const lines = Array.from({ length: count }, () => JSON.stringify(next()));
  writeFileSync(file, lines.join("\n"));
  return Math.round(lines.reduce((s, l) => s + l.length, 0) / count);
}

export async function runProducerPerf(o: { topic: string; records: number; payloadFile: string; brokers: string; libs: string }): Promise<ProducerPerfResult> {
  // The gateway's producer settings, so the ratio compares like with like.
  const props = [`bootstrap.servers=${o.brokers}`, "acks=all", "enable.idempotence=true", "compression.type=zstd", "linger.ms=5", "batch.size=1048576"];
  const proc = Bun.spawn(
    ["java", "-Xmx512m", "-cp", `${o.libs}/*`, "org.apache.kafka.tools.ProducerPerformance",
      "--topic", o.topic, "--num-records", String(o.records), "--payload-file", o.payloadFile, "--throughput", "-1",
      "--producer-props", ...props],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`ProducerPerformance exited ${code}: ${err.slice(-500)}`);
  return parseProducerPerf(out);
}
