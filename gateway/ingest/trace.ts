/**
 * W3C trace context for the events of one submission (docs/design.md: it travels on Kafka in a
 * `traceparent` header). A valid incoming one is continued; otherwise a new trace starts here, so
 * every event on fg.events can be followed through the logs of the parts that read it.
 */
import { randomBytes } from "node:crypto";

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export function traceContext(incoming: string | undefined): string {
  if (incoming && TRACEPARENT.test(incoming)) return incoming;
  return `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
}
