/**
 * W3C trace context across the topics: the gateway starts (or continues) a trace per submission
 * and puts its `traceparent` on fg.events; every record Fluxgate derives from an event (a window
 * result, an alert, a late or dead letter, a webhook delivery) carries the traceparent of the
 * event that caused it, and the work on a batch runs in a span linked to its events' traces.
 *
 * Spans go through the OpenTelemetry API: with FG_OTEL_ENABLED the SDK records and exports them
 * and a derived record carries its own span as parent; without it the API is a no-op and a
 * derived record carries its cause's traceparent unchanged, so the trace id still follows it.
 */
import { context, isSpanContextValid, SpanKind, trace, type Attributes, type Link, type SpanContext } from "@opentelemetry/api";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** Spans link at most this many events (a batch holds up to thousands). */
export const MAX_LINKS = 128;

/** Looked up per use: a tracer resolved once would keep the provider of that moment (tests swap it). */
const tracer = () => trace.getTracer("fluxgate");

export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  const m = value === undefined ? null : TRACEPARENT.exec(value);
  if (!m) return undefined;
  const sc: SpanContext = { traceId: m[1]!, spanId: m[2]!, traceFlags: Number.parseInt(m[3]!, 16), isRemote: true };
  return isSpanContextValid(sc) ? sc : undefined;
}

export const formatTraceparent = (sc: SpanContext): string => `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, "0")}`;

/** Links to the distinct traces among `traceparents`, at most MAX_LINKS. */
export function linksTo(traceparents: Iterable<string | undefined>): Link[] {
  const links = new Map<string, Link>();
  for (const tp of traceparents) {
    if (links.size >= MAX_LINKS) break;
    const sc = parseTraceparent(tp);
    if (sc && !links.has(sc.traceId)) links.set(sc.traceId, { context: sc });
  }
  return [...links.values()];
}

/** Runs `work` in a span linked to the given traces (a consumer's batch). */
export async function inLinkedSpan<T>(name: string, traceparents: Iterable<string | undefined>, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.CONSUMER, links: linksTo(traceparents), attributes }, async (span) => {
    try {
      return await work();
    } catch (err) {
      span.recordException(err as Error);
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * The traceparent a record derived from `cause` carries: that of a span `name`, child of the
 * cause, when tracing records spans; else the cause's own. Undefined without a valid cause.
 */
export function derivedTraceparent(cause: string | undefined, name: string, attributes?: Attributes): string | undefined {
  const parent = parseTraceparent(cause);
  if (!parent) return undefined;
  const span = tracer().startSpan(name, { kind: SpanKind.PRODUCER, attributes }, trace.setSpanContext(context.active(), parent));
  const sc = span.spanContext();
  span.end();
  return isSpanContextValid(sc) ? formatTraceparent(sc) : cause;
}

const randomHex = (bytes: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

/**
 * A new trace for work no event caused (a replay run): a span `name` when tracing records spans,
 * else fresh random ids, so the records it makes can still be followed as one trace.
 */
export function rootTraceparent(name: string, attributes?: Attributes): string {
  const span = tracer().startSpan(name, { kind: SpanKind.PRODUCER, attributes, root: true });
  const sc = span.spanContext();
  span.end();
  return isSpanContextValid(sc) ? formatTraceparent(sc) : `00-${randomHex(16)}-${randomHex(8)}-01`;
}
