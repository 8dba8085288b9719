/**
 * The gateway's durable ack: events of concurrent submissions are grouped into one Kafka send
 * (group commit: while sends are in flight the next batch fills, so batches grow with load and
 * an idle gateway sends at once or after the linger), and each submission learns when Kafka has all of
 * its events. Up to five sends are in flight, a further one only when the events waiting fill it. It never makes a caller wait on a Kafka that does not answer: a send unanswered
 * for `stallMs` answers its callers "unavailable" (their events may still land; they were not
 * acknowledged, and a client retry with the same event_id is deduplicated downstream), and until
 * Kafka answers again new events are refused at once. In-flight bytes are bounded.
 */
import type { OutgoingRecord, Publisher } from "../../infra/bus/port.ts";
import { gauge } from "../../infra/telemetry/metrics.ts";

export type PublishOutcome = "acked" | "unavailable";

export interface AckingProducer {
  publish(records: OutgoingRecord[], bytes: number): Promise<PublishOutcome>;
  /** False while Kafka is not answering or the in-flight bound is reached. */
  ready(): boolean;
  /** Resolves when every accepted submission has its answer. */
  drain(): Promise<void>;
}

export interface AckingProducerOptions {
  publisher: Publisher;
  topic: string;
  /** 0: an idle producer sends at the end of the current event-loop turn (group commit needs no wait). */
  lingerMs: number;
  maxBatchBytes: number;
  maxInflightBytes: number;
  /** Sends in flight at once (default 5, the most an idempotent Kafka producer keeps in order). */
  maxInflightSends?: number;
  stallMs: number;
  now?: () => number;
}

interface Waiter {
  records: OutgoingRecord[];
  bytes: number;
  resolve: (o: PublishOutcome) => void;
}

interface Send {
  startedAt: number;
  waiters: Waiter[];
  bytes: number;
  stalled: boolean;
}

const inflightBytesGauge = gauge("gateway_inflight_bytes", "Bytes of events accepted but not yet acknowledged by Kafka");

/**
 * Bytes that make a send worth starting beside those in flight: a send costs ~70 µs of CPU
 * whatever it carries (bench/gateway.ts's profile) against ~3 µs per event, so a further one is
 * started only for this much (a few HTTP batches), never for a trickle of single events.
 */
const FILL_BYTES = 65_536;

export function createAckingProducer(o: AckingProducerOptions): AckingProducer {
  const now = o.now ?? Date.now;
  const maxSends = Math.max(1, Math.min(5, o.maxInflightSends ?? 5));
  const fillBytes = Math.min(FILL_BYTES, o.maxBatchBytes);
  let buffer: Waiter[] = [];
  let bufferBytes = 0;
  const inflight = new Set<Send>();
  let inflightBytes = 0;
  let cancelLinger: (() => void) | undefined;
  /** Moving average of how long a send takes (ms). */
  let rttMs = 0;
  const outstanding = new Set<Promise<PublishOutcome>>();

  const total = () => bufferBytes + inflightBytes;
  // Sets keep insertion order: the first send is the oldest.
  const oldest = (): Send | undefined => inflight.values().next().value;
  const stalled = () => {
    const first = oldest();
    return first !== undefined && (first.stalled || now() - first.startedAt > o.stallMs);
  };
  const settle = (waiters: Waiter[], outcome: PublishOutcome) => waiters.forEach((w) => w.resolve(outcome));

  function failBuffered() {
    settle(buffer, "unavailable");
    buffer = [];
    bufferBytes = 0;
  }

  function lingerThenFlush(): () => void {
    if (o.lingerMs === 0) {
      const t = setImmediate(flush);
      return () => clearImmediate(t);
    }
    const t = setTimeout(flush, o.lingerMs);
    return () => clearTimeout(t);
  }

  /**
   * The linger adapts to load by itself: idle, a send starts at once (or after lingerMs); while
   * sends are in flight, new events wait for the next one to end and then all go together (group
   * commit: the busier, the larger), unless they already fill a send of their own.
   */
  function pump() {
    while (buffer.length && inflight.size < maxSends && (inflight.size === 0 || bufferBytes >= fillBytes)) startSend();
  }

  function flush() {
    cancelLinger = undefined;
    pump();
  }

  function startSend() {
    // One send holds at most maxBatchBytes (Kafka refuses oversized requests); the rest goes next.
    let bytes = 0;
    let count = 0;
    while (count < buffer.length && (count === 0 || bytes + buffer[count]!.bytes <= o.maxBatchBytes)) bytes += buffer[count++]!.bytes;
    const waiters = buffer.slice(0, count);
    buffer = buffer.slice(count);
    bufferBytes -= bytes;
    const current: Send = { startedAt: now(), waiters, bytes, stalled: false };
    inflight.add(current);
    inflightBytes += bytes;
    const stallTimer = setTimeout(() => {
      current.stalled = true;
      settle(current.waiters, "unavailable");
      failBuffered();
    }, o.stallMs);
    o.publisher.send(o.topic, waiters.flatMap((w) => w.records)).then(
      () => settle(current.waiters, "acked"),
      () => settle(current.waiters, "unavailable"),
    ).finally(() => {
      clearTimeout(stallTimer);
      inflight.delete(current);
      inflightBytes -= current.bytes;
      inflightBytesGauge.set(total());
      rttMs = rttMs === 0 ? now() - current.startedAt : rttMs * 0.8 + (now() - current.startedAt) * 0.2;
      // Busy: the acks just given make their clients send again within a moment. A short wait
      // (a quarter of the usual round trip, 0.5 to 2 ms) lets those events share the next send
      // instead of following in one of their own; an idle producer never waits.
      if (buffer.length && inflight.size === 0 && bufferBytes < fillBytes && !cancelLinger) {
        const t = setTimeout(flush, Math.min(2, Math.max(0.5, rttMs / 4)));
        cancelLinger = () => clearTimeout(t);
      } else pump();
    });
  }

  return {
    publish(records, bytes) {
      if (stalled() || !o.publisher.isReady() || total() + bytes > o.maxInflightBytes) return Promise.resolve("unavailable");
      const { promise, resolve } = Promise.withResolvers<PublishOutcome>();
      // A settled promise ignores later settles: the stall and the send's end may both answer.
      buffer.push({ records, bytes, resolve });
      bufferBytes += bytes;
      inflightBytesGauge.set(total());
      outstanding.add(promise);
      void promise.finally(() => outstanding.delete(promise));
      if (inflight.size > 0) pump();
      else if (bufferBytes >= fillBytes) {
        cancelLinger?.();
        flush();
      } else if (!cancelLinger) {
        cancelLinger = lingerThenFlush();
      }
      return promise;
    },
    ready: () => !stalled() && o.publisher.isReady() && total() < o.maxInflightBytes,
    async drain() {
      while (outstanding.size) await Promise.allSettled([...outstanding]);
    },
  };
}
