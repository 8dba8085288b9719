/**
 * Stage 1 of a repartitioned rule, on the fg.events partition that read the event: the rule's
 * filter and group key, and the event's app's watermark on the partition once it has read the
 * event (the app's highest event time minus the out-of-orderness bound, exactly as the
 * partition's engine computes it: event time is per app, issue 19 #7). Each event a repartitioned
 * rule takes becomes one record for fg.repartition; every batch ends with a marker to every
 * partition of fg.repartition: the partition's watermark over all apps, each app's of the batch,
 * and the apps it has had no event of for `idleMs` of processing time (declared once per quiet
 * spell), so that stage 2 stops waiting for an app the partition no longer gets (merge.ts). Lateness is not
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
   * they concern, then a marker per repartition partition. `clocks` are the partition's
   * watermarks before the batch: over all apps, and per app it has seen.
   */
  forward(source: number, events: readonly SourceEvent[], clocks: SourceClocks): Forwarding;
  /**
   * An idle marker per repartition partition, for a source that has had no batch for a while:
   * its watermark (if any) and the offset up to which it has processed. None without rules.
   */
  idle(source: number, watermark: number | null, nextOffset: bigint | null): OutgoingRecord[];
}

export interface SourceClocks {
  watermark: number | null;
  /** Every app the partition has seen, with its watermark there. */
  apps: ReadonlyMap<string, number | null>;
}

export interface ForwarderOptions {
  outOfOrdernessMs: number;
  markerKeys: readonly string[];
  /** Processing time without an event of an app after which a partition declares the app idle. Default 2000. */
  idleMs?: number;
  /** Processing time; default Date.now. */
  now?: () => number;
}

/** `rules` are the repartitioned ones only (placement.ts). */
export function createForwarder(rules: RuleSet, options: ForwarderOptions): Forwarder {
  const selectors = rules.rules.filter((r) => r.enabled).map((r) => ({ id: r.id, select: ruleSelector(r) }));
  const ooo = options.outOfOrdernessMs;
  const idleMs = options.idleMs ?? 2_000;
  const now = options.now ?? Date.now;
  /**
   * Per source partition, when each app last had an event (processing time; apps the partition
   * knew before this forwarder count from its first batch), and the apps declared idle since.
   * In memory only: after a restart, a quiet app is declared again, which changes nothing.
   */
  const seen = new Map<number, { at: Map<string, number>; declared: Set<string> }>();
  return {
    forward(source, events, clocks) {
      const records: OutgoingRecord[] = [];
      const perRule = new Map<string, number>();
      if (selectors.length === 0) return { records, perRule };
      const t = now();
      let quiet = seen.get(source);
      if (!quiet) seen.set(source, (quiet = { at: new Map([...clocks.apps.keys()].map((app) => [app, t])), declared: new Set() }));
      let w = clocks.watermark;
      const apps = new Map<string, number>();
      for (const { event, offset, value, traceparent } of events) {
        if (w === null || event.ts - ooo > w) w = event.ts - ooo;
        const app = event.app_id;
        const before = apps.get(app) ?? clocks.apps.get(app) ?? null;
        const aw = before === null || event.ts - ooo > before ? event.ts - ooo : before;
        apps.set(app, aw);
        quiet.at.set(app, t);
        quiet.declared.delete(app);
        for (const { id, select } of selectors) {
          const groupKey = select(event);
          if (groupKey === null) continue;
          records.push(eventRecord({ rule: id, groupKey, source, offset, app, watermark: aw, event: value, traceparent }));
          perRule.set(id, (perRule.get(id) ?? 0) + 1);
        }
      }
      const idleApps: string[] = [];
      for (const [app, at] of quiet.at) {
        if (t - at < idleMs || quiet.declared.has(app)) continue;
        idleApps.push(app);
        quiet.declared.add(app);
      }
      if (w !== null) for (const key of options.markerKeys) records.push(markerRecord(key, source, w, Object.fromEntries(apps), idleApps));
      return { records, perRule };
    },
    idle(source, watermark, nextOffset) {
      if (selectors.length === 0) return [];
      return options.markerKeys.map((key) => idleRecord(key, source, watermark, nextOffset));
    },
  };
}
