import { expect, test } from "bun:test";
import { parseSummary } from "./k6.ts";
import { parseProducerPerf } from "./kafka-perf.ts";

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

test("ProducerPerformance: the closing line, not the progress lines", () => {
  const out = [
    "120000 records sent, 24000.0 records/sec (11.72 MB/sec), 900.1 ms avg latency, 1500.0 ms max latency.",
    "500000 records sent, 61050.061050 records/sec (29.81 MB/sec), 812.45 ms avg latency, 1630.00 ms max latency, 790 ms 50th, 1400 ms 95th, 1580 ms 99th, 1620 ms 99.9th.",
  ].join("\n");
  expect(parseProducerPerf(out)).toEqual({ records_per_s: 61050, mb_per_s: 29.81, avg_latency_ms: 812.45, p50_ms: 790, p95_ms: 1400, p99_ms: 1580 });
  expect(() => parseProducerPerf("Exception in thread main")).toThrow(/no summary line/);
});
