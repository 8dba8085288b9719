import { expect, test } from "bun:test";
import { k6Trouble, parseSummary } from "./k6.ts";
import { parseProducerPerf, writePayloadFile } from "./kafka-perf.ts";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const summary = {
  metrics: {
    http_reqs: { count: 60000, rate: 2999.6 },
    events_sent: { count: 6000000, rate: 299960.2 },
    http_req_duration: { avg: 3.1, min: 0.4, med: 2.5, "p(95)": 7.25, "p(99)": 12.333, max: 80 },
    checks: { passes: 59940, fails: 60 },
  },
};

test("k6 summary: rates, percentiles and the failed share", () => {
  expect(parseSummary(summary, { requests: "http_reqs", latency: "http_req_duration", events: "events_sent" })).toEqual({
    requests_per_s: 3000, events_per_s: 299960, p50_ms: 2.5, p95_ms: 7.25, p99_ms: 12.33, failed_ratio: 0,
  });
  expect(parseSummary(summary, { requests: "http_reqs", latency: "http_req_duration" }).events_per_s).toBe(3000);
});

test("k6 summary: a metric the script did not produce is an error naming it", () => {
  expect(() => parseSummary(summary, { requests: "ws_frames", latency: "http_req_duration" })).toThrow(/ws_frames/);
});

test("ProducerPerformance payloads: one seeded event JSON per line, the same file every time", () => {
  const dir = mkdtempSync(join(tmpdir(), "fg-bench-"));
  const size = writePayloadFile(join(dir, "a.jsonl"), 200);
  writePayloadFile(join(dir, "b.jsonl"), 200);
  const lines = readFileSync(join(dir, "a.jsonl"), "utf8").split("\n");
  expect(lines).toHaveLength(200);
  expect(JSON.parse(lines[0]!)).toMatchObject({ app_id: expect.any(String), type: expect.any(String) });
  expect(size).toBe(Math.round(lines.reduce((s, l) => s + l.length, 0) / 200));
  // The ts field is the generation time; everything else repeats.
  const noTs = (f: string) => readFileSync(join(dir, f), "utf8").replace(/"ts":\d+/g, "");
  expect(noTs("a.jsonl")).toBe(noTs("b.jsonl"));
});

test("ProducerPerformance: the closing line, not the progress lines", () => {
  const out = [
    "120000 records sent, 24000.0 records/sec (11.72 MB/sec), 900.1 ms avg latency, 1500.0 ms max latency.",
    "500000 records sent, 61050.061050 records/sec (29.81 MB/sec), 812.45 ms avg latency, 1630.00 ms max latency, 790 ms 50th, 1400 ms 95th, 1580 ms 99th, 1620 ms 99.9th.",
  ].join("\n");
  expect(parseProducerPerf(out)).toEqual({ records_per_s: 61050, mb_per_s: 29.81, avg_latency_ms: 812.45, p50_ms: 790, p95_ms: 1400, p99_ms: 1580 });
  expect(() => parseProducerPerf("Exception in thread main")).toThrow(/no summary line/);
});

test("k6 trouble: its first error line, else the checks that failed", () => {
  const stderr = 'time="x" level=warn msg="slow"\ntime="x" level=error msg="GoError: connection error: desc = \\"transport: dial tcp 127.0.0.1:18051: connect: connection refused\\"\\n\\tat default (file:///grpc-stream.js:45:17(10))\\n" executor=per-vu-iterations\n';
  expect(k6Trouble({ metrics: {} }, stderr)).toBe('k6: GoError: connection error: desc = "transport: dial tcp 127.0.0.1:18051: connect: connection refused"');
  const checks = { "no socket error": { name: "no socket error", passes: 0, fails: 50 }, "202": { name: "202", passes: 9, fails: 0 } };
  expect(k6Trouble({ metrics: {}, root_group: { checks } }, "")).toBe("k6: checks failed: no socket error");
  expect(k6Trouble({ metrics: {} }, "")).toBe("k6 reported no error");
});
