/**
 * W3C trace context for the events of one submission (docs/design.md: it travels on Kafka in a
 * `traceparent` header). A valid incoming one is continued; otherwise a new trace starts here, so
 * every event on fg.events can be followed through the logs of the parts that read it.
 */
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

// One reused buffer filled by getRandomValues: node:crypto's randomBytes, twice per request, cost
// six times as much on the gateway's hot path.
const ids = Buffer.alloc(24);

export function traceContext(incoming: string | undefined): string {
  if (incoming && TRACEPARENT.test(incoming)) return incoming;
  crypto.getRandomValues(ids);
  return `00-${ids.toString("hex", 0, 16)}-${ids.toString("hex", 16, 24)}-01`;
}
