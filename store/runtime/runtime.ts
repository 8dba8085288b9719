/**
 * Runs one sink as a Kafka consumer group of its own: decodes records, batches them by size or
 * time, whichever first (batcher.ts), writes each batch with retries (retry.ts), and lets the bus commit offsets
 * only after the write resolved or the batch was dead-lettered. A record that does not decode
 * goes to the DLQ at once and never blocks its partition. Each sink has its own group, consumers
 * and batcher, so a slow or broken sink only makes its own group fall behind.
 */
import type { Bus, IncomingBatch, IncomingRecord, Publisher, Subscription } from "../../infra/bus/port.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import { inLinkedSpan } from "../../infra/telemetry/trace-context.ts";
import { backoffDelay } from "./backoff.ts";
import { createBatcher } from "./batcher.ts";
import { deadLetter, type DlqReason } from "./dlq.ts";
import { storeMetrics as m } from "./metrics.ts";
import { writeWithRetry, type RetryPolicy } from "./retry.ts";

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export interface SinkRuntimeOptions<T> {
  /** Metric label, and the group's suffix: <groupPrefix>-<name>. */
  name: string;
  bus: Bus;
  topic: string;
  dlqTopic: string;
  groupPrefix: string;
  decode(record: IncomingRecord): Decoded<T>;
  /** Durable when it resolves; idempotent, since a batch may come again after a crash. */
  write(items: T[]): Promise<void>;
  batch: { maxRows: number; maxWaitMs: number };
  retry: RetryPolicy;
  /** Members of the group this process runs: partitions are fetched in parallel and batched together. */
  consumers: number;
  logger: Logger;
  random?: () => number;
}

export interface SinkRuntime {
  readonly groupId: string;
  /** Resolves once every consumer has joined the group. */
  start(): Promise<void>;
  /** Stops fetching, writes (or dead-letters) the batch in hand, commits, leaves the group. */
  stop(): Promise<void>;
}

interface Entry<T> {
  record: IncomingRecord;
  value: T;
}

/**
 * Batches of a partition in hand at once: the next one is fetched and decoded while the batcher
 * writes the one before, so the consume path and the sink's write overlap (docs/benchmarks.md).
 */
const IN_FLIGHT_BATCHES = 2;

export function groupIdOf(prefix: string, sink: string): string {
  return `${prefix}-${sink}`;
}

export function createSinkRuntime<T>(options: SinkRuntimeOptions<T>): SinkRuntime {
  const { name, bus, logger } = options;
  const labels = { sink: name };
  const groupId = groupIdOf(options.groupPrefix, name);
  let publisher: Publisher | undefined;
  let stopping = false;
  let abort!: () => void;
  const aborted = new Promise<void>((resolve) => (abort = resolve));
  const subscriptions = new Set<Subscription>();
  const supervisors: Promise<void>[] = [];

  async function sendToDlq(records: IncomingRecord[], reason: DlqReason, error: string) {
    if (records.length === 0) return;
    await publisher!.send(options.dlqTopic, records.map((r) => deadLetter(r, name, reason, error)));
    m.dlq.inc({ sink: name, reason }, records.length);
    logger.warn("records sent to the DLQ", { count: records.length, reason, error });
  }

  async function writeChunk(chunk: Entry<T>[]) {
    const started = performance.now();
    const outcome = await writeWithRetry(() => options.write(chunk.map((e) => e.value)), options.retry, {
      aborted,
      isAborted: () => stopping,
      random: options.random,
      onRetry: (kind, err, delayMs) => {
        m.retries.inc({ sink: name, kind });
        logger.warn("sink write failed; retrying", { kind, delayMs, err });
      },
    });
    if (!outcome.ok && outcome.permanent && chunk.length > 1) {
      // One bad row must not cost its whole batch: halve until the rows that fail are alone.
      const half = Math.ceil(chunk.length / 2);
      await writeChunk(chunk.slice(0, half));
      await writeChunk(chunk.slice(half));
      return;
    }
    if (!outcome.ok) {
      await sendToDlq(chunk.map((e) => e.record), outcome.permanent ? "permanent" : "retries_exhausted", outcome.error);
      return;
    }
    m.writeSeconds.observe(labels, (performance.now() - started) / 1_000);
    m.rowsWritten.inc(labels, chunk.length);
    m.batchRows.observe(labels, chunk.length);
    const newest = chunk.reduce((t, e) => Math.max(t, e.record.timestamp), 0);
    m.lagSeconds.set(labels, Math.max(0, (Date.now() - newest) / 1_000));
  }

  const batcher = createBatcher<Entry<T>>({
    maxItems: options.batch.maxRows,
    maxWaitMs: options.batch.maxWaitMs,
    // Kafka keeps fetching while a batch gathers (IN_FLIGHT_BATCHES a partition), and rows a stalled
    // fetch leaves in the broker come with the next one; the in-process bus hands each member one
    // delivery at a time, so there a batch goes once every member waits on it.
    sources: bus.kind === "memory" ? options.consumers : undefined,
    async flush(entries) {
      // One span per flush, linked to the traces of the events it writes.
      await inLinkedSpan("fluxgate.store.write", entries.map((e) => e.record.headers.traceparent), { "fluxgate.sink": name, "messaging.batch.message_count": entries.length }, async () => {
        for (let i = 0; i < entries.length; i += options.batch.maxRows) await writeChunk(entries.slice(i, i + options.batch.maxRows));
      });
    },
  });

  async function handle(batch: IncomingBatch) {
    const valid: Entry<T>[] = [];
    const invalid: IncomingRecord[] = [];
    const errors: string[] = [];
    let since = Infinity;
    for (const record of batch.records) {
      const decoded = options.decode(record);
      if (decoded.ok) {
        valid.push({ record, value: decoded.value });
        if (record.timestamp < since) since = record.timestamp;
      } else {
        invalid.push(record);
        errors.push(decoded.error);
      }
    }
    // One send per reason keeps the DLQ cheap; each record's own error is in the log line.
    if (invalid.length) await sendToDlq(invalid, "invalid", errors.length === 1 ? errors[0]! : `${errors[0]} (and ${errors.length - 1} more)`);
    // The max wait counts from when Kafka took a record: time it spent there while this member's
    // fetch was held up (its batches in hand, waiting for this flush) is not waited again here.
    await batcher.add(valid, since);
  }

  /** Keeps one group member running: a failed handler (e.g. the DLQ unreachable) ends a subscription, so rejoin after a pause. */
  async function supervise(member: number, first: Subscription) {
    let subscription: Subscription | undefined = first;
    for (let attempt = 1; !stopping; ) {
      try {
        subscription ??= await bus.subscribe({ groupId, topics: [options.topic], fromBeginning: true, inFlightBatches: IN_FLIGHT_BATCHES }, handle);
        subscriptions.add(subscription);
        await subscription.done;
        attempt = 1;
      } catch (err) {
        await subscription?.stop().catch(() => {}); // a failed member still holds its connections
        if (stopping) break;
        const delayMs = backoffDelay(attempt++, options.retry, options.random);
        logger.error("sink consumer failed; rejoining", { member, delayMs, err });
        await Promise.race([Bun.sleep(delayMs), aborted]);
      } finally {
        if (subscription) subscriptions.delete(subscription);
        subscription = undefined;
      }
    }
  }

  return {
    groupId,
    async start() {
      publisher = await bus.publisher();
      for (let member = 0; member < options.consumers; member++) {
        const first = await bus.subscribe({ groupId, topics: [options.topic], fromBeginning: true, inFlightBatches: IN_FLIGHT_BATCHES }, handle);
        supervisors.push(supervise(member, first));
      }
      logger.info("sink consuming", { groupId, topic: options.topic, consumers: options.consumers });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      abort(); // a healthy write finishes; a failing one stops retrying and is left for redelivery
      await Promise.all([...subscriptions].map((s) => s.stop()));
      await Promise.all(supervisors);
      await publisher?.close();
    },
  };
}
