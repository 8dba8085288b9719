/**
 * Stage 2's step, per batch of one fg.repartition partition: the merge takes the records (drops
 * re-publications, learns the sources' watermarks) and releases the events no source can still
 * precede; the engine, running the repartitioned rules, takes each at its carried watermark.
 */
import { partitionKey, type IncomingRecord, type OutgoingRecord, type TopicPartition } from "../../infra/bus/port.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { mergeDelta, type RecordDelta } from "../engine/index.ts";
import { decodeForwarded } from "../repartition/wire.ts";
import { decodeEvent } from "./events.ts";
import { processorMetrics as metrics } from "./metrics.ts";
import type { PartitionTask } from "./partition.ts";
import type { StepResult } from "./stage.ts";
import { createTraceMemory, type Causes, type TraceMemory } from "./causes.ts";

const traces = new WeakMap<PartitionTask, TraceMemory>();

export function repartitionStep(task: PartitionTask, records: readonly IncomingRecord[], tp: TopicPartition): StepResult {
  const merge = task.merge;
  if (merge === null) throw new Error(`internal: ${partitionKey(tp)} has no merge state`);
  const invalid: OutgoingRecord[] = [];
  let duplicates = 0;
  let memory = traces.get(task);
  if (!memory) traces.set(task, (memory = createTraceMemory(partitionKey(tp))));
  for (const record of records) {
    const decoded = checked(record);
    if (!decoded.ok) {
      invalid.push({ key: record.key ?? "", value: record.value, headers: { ...record.headers, "fg-error": decoded.error, "fg-source-offset": `${record.partition}:${record.offset}` } });
      continue;
    }
    if (merge.accept(decoded.record) === "duplicate") duplicates++;
    else if (decoded.record.kind === "event") memory.remember(decoded.record.source, decoded.record.offset, record.headers.traceparent);
  }
  const causes: Causes = new Map();
  const released = merge.release().map((f) => {
    const event = JSON.parse(f.event) as Envelope;
    const traceparent = memory.take(f.source, f.offset);
    if (traceparent) causes.set(event.event_id, { ts: event.ts, traceparent });
    return { event, ruleId: f.rule, watermark: f.watermark };
  });
  // Every event of an app still to come carries at least the merge's watermark for that app:
  // its windows and pattern timers up to it need not wait for one.
  const out = task.engine.processRouted(released, (app) => merge.watermark(app));
  const w = merge.watermark();

  const partition = partitionKey(tp);
  metrics.repartitionReleased.inc(released.length);
  metrics.repartitionDuplicates.inc(duplicates);
  metrics.repartitionBuffered.set({ partition }, merge.buffered());
  if (w !== null) metrics.repartitionWatermark.set({ partition }, w / 1000);
  return { out, invalid, forward: [], applied: 0, causes };
}

/** The partition's state changed since the last flush: the engine's records and the merge's. */
export function repartitionFlush(task: PartitionTask): RecordDelta {
  if (task.merge === null) throw new Error("internal: a fg.repartition partition has no merge state");
  return mergeDelta(task.engine.flush(), task.merge.flush());
}

/** Stage 1 forwards envelopes it decoded itself: anything else here is a bug, kept on the DLQ rather than in the state. */
function checked(record: IncomingRecord): ReturnType<typeof decodeForwarded> {
  const decoded = decodeForwarded(record);
  if (decoded.ok && decoded.record.kind === "event" && !decodeEvent(record).ok) return { ok: false, error: "forwarded record is not an envelope" };
  return decoded;
}
