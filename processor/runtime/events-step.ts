/**
 * Stage 1's step, per batch of one fg.events partition: its engine runs the local rules, and the
 * forwarder turns what the repartitioned rules take into records for fg.repartition, each with
 * the partition's watermark at that event, then a marker of the batch's end watermark. Events
 * resent by clients (an event_id the partition saw within the dedup horizon) are dropped first,
 * so neither takes them (dedup/seen-ids.ts). A
 * partition with no batch for a while sends idle markers instead (`idle`, timed by stage.ts).
 */
import type { IncomingRecord, OutgoingRecord, TopicPartition } from "../../infra/bus/port.ts";
import type { RuleSet } from "../../rules/set/rule-set.ts";
import { mergeDelta, type RecordDelta } from "../engine/records.ts";
import { createForwarder, type Forwarder, type SourceEvent } from "../repartition/forward.ts";
import { repartitionedRules } from "../repartition/placement.ts";
import { decodeEvent } from "./events.ts";
import { processorMetrics as metrics } from "./metrics.ts";
import type { PartitionTask } from "./partition.ts";
import { causesOf } from "./causes.ts";
import type { StepResult } from "./stage.ts";

export interface EventsStepOptions {
  ruleSet: () => RuleSet;
  outOfOrdernessMs: number;
  /** One key per partition of fg.repartition (repartition/marker-keys.ts). */
  markerKeys: readonly string[];
  /** Processing time without an event of an app after which a partition declares it idle to stage 2. */
  idleMs?: number;
}

export interface EventsStep {
  step(task: PartitionTask, records: readonly IncomingRecord[], tp: TopicPartition): StepResult;
  /** The partition's state changed since the last flush: the engine's records and the event ids seen. */
  flush(task: PartitionTask): RecordDelta;
  /** The idle markers of a partition that has had no batch for a while. */
  idle(task: PartitionTask, tp: TopicPartition): OutgoingRecord[];
}

export function createEventsStep(options: EventsStepOptions): EventsStep {
  // Built once per rule set, shared by all partitions.
  let forwarder: { set: RuleSet; forwarder: Forwarder } | null = null;
  const forwarderFor = (set: RuleSet): Forwarder => {
    if (forwarder?.set !== set)
      forwarder = { set, forwarder: createForwarder(repartitionedRules(set), { outOfOrdernessMs: options.outOfOrdernessMs, markerKeys: options.markerKeys, idleMs: options.idleMs }) };
    return forwarder.forwarder;
  };

  const step = (task: PartitionTask, records: readonly IncomingRecord[], tp: TopicPartition): StepResult => {
    const events: SourceEvent[] = [];
    const invalid: OutgoingRecord[] = [];
    for (const record of records) {
      const decoded = decodeEvent(record);
      if (decoded.ok) events.push({ event: decoded.event, offset: record.offset, value: record.value, traceparent: record.headers.traceparent });
      else invalid.push({ key: record.key ?? "", value: record.value, headers: { ...record.headers, "fg-error": decoded.error, "fg-source-offset": `${record.partition}:${record.offset}` } });
    }
    // Each app's clock before the batch: dedup and forwarding move them per event as the engine does.
    const before = { watermark: task.engine.watermark(), apps: task.engine.appWatermarks() };
    const fresh = task.seen ? task.seen.filter(events, before.apps) : { fresh: events, duplicates: 0, evicted: 0 };
    metrics.duplicates.inc(fresh.duplicates);
    metrics.dedupEvicted.inc(fresh.evicted);
    const out = task.engine.process(fresh.fresh.map((e) => e.event));
    const forwarded = forwarderFor(options.ruleSet()).forward(tp.partition, fresh.fresh, before);
    for (const [rule, n] of forwarded.perRule) metrics.forwarded.inc({ rule }, n);
    return { out, invalid, forward: forwarded.records, applied: fresh.fresh.length, causes: causesOf(fresh.fresh) };
  };
  const flush = (task: PartitionTask): RecordDelta => (task.seen ? mergeDelta(task.engine.flush(), task.seen.flush()) : task.engine.flush());
  const idle = (task: PartitionTask, tp: TopicPartition): OutgoingRecord[] => forwarderFor(options.ruleSet()).idle(tp.partition, task.engine.watermark(), task.nextOffset);
  return { step, flush, idle };
}
