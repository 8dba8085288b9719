/**
 * Stage 1 of a repartitioned rule, on the fg.events partition that read the event: the rule's
 * filter and group key, and the partition's watermark once it has read the event (its highest
 * event time minus the out-of-orderness bound, exactly as the partition's engine computes it).
 * Each event a repartitioned rule takes becomes one record for fg.repartition; every batch ends
 * with a marker of the partition's watermark to every partition of fg.repartition. Lateness is not
 * decided here: stage 2 moves event time to the carried watermark before the event, so an event
 * is late there exactly when it would have been on its own partition (and session merges, which
 * need the group's state, are judged where that state is).
 */
import type { OutgoingRecord } from "../../infra/bus/port.ts";
import type { RuleSet } from "../../rules/set/rule-set.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import { ruleSelector } from "../engine/group.ts";
import { eventRecord, idleRecord, markerRecord } from "./wire.ts";

export interface SourceEvent {
  event: Envelope;
  offset: string;
  /** The record's value as read, forwarded as is. */
  value: Uint8Array;
  /** The event's trace, carried on to fg.repartition. */
  traceparent?: string;
}

export interface Forwarding {
  records: OutgoingRecord[];
  /** Events forwarded, per rule. */
  perRule: Map<string, number>;
}

export interface Forwarder {
  /**
   * The records for a batch of one source partition: its events (in offset order) for the rules
   * they concern, then a marker per repartition partition. `watermark` is the partition's before
   * the batch.
   */
  forward(source: number, events: readonly SourceEvent[], watermark: number | null): Forwarding;
  /**
   * An idle marker per repartition partition, for a source that has had no batch for a while:
   * its watermark (if any) and the offset up to which it has processed. None without rules.
   */
  idle(source: number, watermark: number | null, nextOffset: bigint | null): OutgoingRecord[];
}

/** `rules` are the repartitioned ones only (placement.ts). */
export function createForwarder(rules: RuleSet, options: { outOfOrdernessMs: number; markerKeys: readonly string[] }): Forwarder {
  const selectors = rules.rules.filter((r) => r.enabled).map((r) => ({ id: r.id, select: ruleSelector(r) }));
  const ooo = options.outOfOrdernessMs;
  return {
    forward(source, events, watermark) {
      const records: OutgoingRecord[] = [];
      const perRule = new Map<string, number>();
      if (selectors.length === 0) return { records, perRule };
      let w = watermark;
      for (const { event, offset, value, traceparent } of events) {
        if (w === null || event.ts - ooo > w) w = event.ts - ooo;
        for (const { id, select } of selectors) {
          const groupKey = select(event);
          if (groupKey === null) continue;
          records.push(eventRecord({ rule: id, groupKey, source, offset, watermark: w, event: value, traceparent }));
          perRule.set(id, (perRule.get(id) ?? 0) + 1);
        }
      }
      if (w !== null) for (const key of options.markerKeys) records.push(markerRecord(key, source, w));
      return { records, perRule };
    },
    idle(source, watermark, nextOffset) {
      if (selectors.length === 0) return [];
      return options.markerKeys.map((key) => idleRecord(key, source, watermark, nextOffset));
    },
  };
}
