/** With a recording SDK: a batch's span links to its events' traces; a derived record's traceparent is a child span of its cause. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { derivedTraceparent, inLinkedSpan, parseTraceparent, rootTraceparent } from "./trace-context.ts";

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
});
afterAll(() => trace.disable()); // other test files in this process run without a recording SDK

const cause = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

test("a batch span links to the distinct traces of its records", async () => {
  exporter.reset();
  expect(await inLinkedSpan("fluxgate.store.write", [cause, other, cause, undefined], { "fluxgate.sink": "archive" }, async () => 42)).toBe(42);
  const [span] = exporter.getFinishedSpans();
  expect(span!.name).toBe("fluxgate.store.write");
  expect(span!.links.map((l) => l.context.traceId).sort()).toEqual([parseTraceparent(cause)!.traceId, parseTraceparent(other)!.traceId].sort());
});

test("a derived record's traceparent is a new span in its cause's trace", () => {
  exporter.reset();
  const derived = parseTraceparent(derivedTraceparent(cause, "fluxgate.processor.alert"))!;
  expect(derived.traceId).toBe(parseTraceparent(cause)!.traceId);
  expect(derived.spanId).not.toBe(parseTraceparent(cause)!.spanId);
  const [span] = exporter.getFinishedSpans();
  expect(span!.parentSpanContext?.spanId).toBe(parseTraceparent(cause)!.spanId);
});

test("a replay run is a trace of its own", () => {
  const a = parseTraceparent(rootTraceparent("fluxgate.replay"))!;
  const b = parseTraceparent(rootTraceparent("fluxgate.replay"))!;
  expect(a.traceId).not.toBe(b.traceId);
});
