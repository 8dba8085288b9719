/**
 * Decides whether an alert goes out: an id already seen is a duplicate (replays, re-emitted
 * windows), and within a rule's throttle period only the first alert per dedup key passes.
 * The clock is injected: the processor passes event time (the alert's ts) so results replay
 * identically, tests pass whatever they like.
 *
 * The running throttle periods are state the processor checkpoints with the partition's (a
 * restart must not let an alert through a period that was running): a gate starts from the saved
 * periods and reports which ones started or ended since it last reported. Ids seen stay in memory:
 * a replayed alert keeps its id, and every sink dedups by id.
 */
import { Heap } from "mnemonist";

export type GateVerdict = "send" | "duplicate" | "throttled";

/** Throttle periods started (dedup key -> end, ms) and ended since the last report. */
export interface ThrottleChanges {
  started: Map<string, number>;
  ended: Set<string>;
}

export interface AlertGate {
  admit(alert: { id: string; dedup_key: string }, throttleMs: number, now?: number): GateVerdict;
  /** What changed in the throttle periods since the last call (or the gate's creation). */
  takeChanges(): ThrottleChanges;
}

export interface AlertGateOptions {
  clock?: () => number;
  /** Ids remembered for dedup; older ones are forgotten first (sinks still dedup by id). */
  maxRemembered?: number;
  /** Throttle periods saved earlier: dedup key -> end of the period. */
  throttles?: Iterable<readonly [string, number]>;
}

export function createAlertGate(options: AlertGateOptions = {}): AlertGate {
  const clock = options.clock ?? Date.now;
  const max = options.maxRemembered ?? 100_000;
  const seen = new Set<string>();
  /** dedup key -> end of its throttle period */
  const quietUntil = new Map<string, number>(options.throttles ?? []);
  // Ends in time order; a period renewed later leaves a stale entry, skipped when it comes up.
  const ends = Heap.from([...quietUntil].map(([key, until]) => ({ key, until })), (a, b) => a.until - b.until);
  let changes: ThrottleChanges = { started: new Map(), ended: new Set() };
  const remember = (id: string) => {
    seen.add(id);
    // Sets iterate in insertion order: the first is the oldest.
    if (seen.size > max) seen.delete(seen.values().next().value as string);
  };
  // Periods that ran out are dropped, so the saved state holds only the keys alerting recently.
  const endPeriods = (now: number) => {
    for (let top = ends.peek(); top !== undefined && top.until <= now; top = ends.peek()) {
      ends.pop();
      if (quietUntil.get(top.key) !== top.until) continue;
      quietUntil.delete(top.key);
      changes.started.delete(top.key);
      changes.ended.add(top.key);
    }
  };
  return {
    admit(alert, throttleMs, now = clock()) {
      if (seen.has(alert.id)) return "duplicate";
      remember(alert.id);
      endPeriods(now);
      const until = quietUntil.get(alert.dedup_key);
      if (throttleMs > 0 && until !== undefined && now < until) return "throttled";
      if (throttleMs > 0) {
        quietUntil.set(alert.dedup_key, now + throttleMs);
        ends.push({ key: alert.dedup_key, until: now + throttleMs });
        changes.ended.delete(alert.dedup_key);
        changes.started.set(alert.dedup_key, now + throttleMs);
      }
      return "send";
    },
    takeChanges() {
      const taken = changes;
      changes = { started: new Map(), ended: new Set() };
      return taken;
    },
  };
}
