/**
 * The one ingest pipeline behind every protocol: auth -> limits -> schema check -> enrich ->
 * produce -> ack. A submission's events are checked one by one (each accepted or rejected on its
 * own); the accepted ones are acknowledged only after Kafka has them all.
 */
import type { OutgoingRecord } from "../../infra/bus/port.ts";
import { histogram, hotCounter } from "../../infra/telemetry/metrics.ts";
import { rejectSamples } from "../../infra/telemetry/samples.ts";
import { busKey } from "../../schemas/envelope.ts";
import type { Authenticator } from "../keys/index.ts";
import type { BucketSpec, RateLimiter } from "../limits/index.ts";
import { prepareEvent, type PrepareSettings } from "./prepare.ts";
import { traceContext } from "./trace.ts";
import type { AckingProducer } from "./producer.ts";
import type { EventResult, Ingest, Principal } from "./types.ts";

// Per app too, so operators see who sends and who is refused; apps are the key store's, a bounded set.
const events = hotCounter("gateway_events_total", "Events submitted, by protocol, app and outcome", ["source", "app", "outcome"]);
const ackSeconds = histogram("gateway_ack_seconds", "From a submission's arrival to Kafka's ack of all its events", ["source"]);

export interface IngestOptions extends PrepareSettings {
  authenticator: Authenticator;
  limiter: RateLimiter;
  buckets: (p: Principal) => BucketSpec[];
  producer: AckingProducer;
  /** How soon a client may retry after a 503: Kafka is usually back within this. */
  unavailableRetryMs?: number;
  now?: () => number;
}

export function createIngest(o: IngestOptions): Ingest {
  const now = o.now ?? Date.now;
  const retryMs = o.unavailableRetryMs ?? 1_000;
  return {
    authenticate: (apiKey, opts) => o.authenticator.authenticate(apiKey, opts),
    isReady: () => o.producer.ready(),
    async submit(principal, submitted, source, traceparent) {
      const started = performance.now();
      if (!o.producer.ready()) return { kind: "unavailable", retryAfterMs: retryMs, message: "Kafka is not acknowledging events; retry later" };
      const app = principal.appId;
      const buckets = o.buckets(principal);
      // A submission larger than a bucket's burst would wait forever: say so instead of "retry".
      const burst = Math.min(...buckets.map((b) => b.burst));
      if (submitted.length > burst) {
        events.inc({ source, app, outcome: "over_burst" }, submitted.length);
        rejectSamples.record("over_burst", { at: Date.now(), app, source, reason: "over_burst", message: `${submitted.length} events can never fit the rate limit's burst of ${burst}` });
        return { kind: "over_burst", burst, message: `${submitted.length} events can never fit the rate limit's burst of ${burst}; send at most ${burst} at once` };
      }
      const limit = await o.limiter.take(buckets, submitted.length);
      if (!limit.allowed) {
        events.inc({ source, app, outcome: "rate_limited" }, submitted.length);
        rejectSamples.record("rate_limited", { at: Date.now(), app, source, reason: "rate_limited", message: `${submitted.length} event(s) over the limit of ${limit.limit}; retry in ${limit.retryAfterMs} ms` });
        return { kind: "rate_limited", retryAfterMs: limit.retryAfterMs, limit: limit.limit, remaining: 0, resetMs: limit.resetMs };
      }
      const receivedAt = now();
      const results: EventResult[] = [];
      const records: OutgoingRecord[] = [];
      let bytes = 0;
      const headers = { traceparent: traceContext(traceparent) };
      submitted.forEach((raw, index) => {
        const p = prepareEvent(raw, principal, source, receivedAt, o);
        if (!p.ok) {
          events.inc({ source, app, outcome: p.code });
          rejectSamples.record(p.code, { at: receivedAt, app, source, reason: p.code, message: p.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; "), event: raw });
          results.push({ index, status: "rejected", code: p.code, errors: p.errors });
          return;
        }
        records.push({ key: busKey(p.envelope), value: p.value, headers });
        bytes += p.bytes;
        results.push({ index, status: "accepted", event_id: p.envelope.event_id });
      });
      if (records.length && (await o.producer.publish(records, bytes)) === "unavailable") {
        events.inc({ source, app, outcome: "unavailable" }, records.length);
        return { kind: "unavailable", retryAfterMs: retryMs, message: "Kafka did not acknowledge in time; none of these events is acknowledged" };
      }
      events.inc({ source, app, outcome: "accepted" }, records.length);
      ackSeconds.observe({ source }, (performance.now() - started) / 1000);
      return { kind: "done", results };
    },
  };
}
