/**
 * Decides whether an alert goes out: an id already seen is a duplicate (replays, re-emitted
 * windows), and within a rule's throttle period only the first alert per dedup key passes.
 * The clock is injected: the processor passes event time (the alert's ts) so results replay
 * identically, tests pass whatever they like.
 */
export type GateVerdict = "send" | "duplicate" | "throttled";

export interface AlertGate {
  admit(alert: { id: string; dedup_key: string }, throttleMs: number, now?: number): GateVerdict;
}

export interface AlertGateOptions {
  clock?: () => number;
  /** Ids remembered for dedup; older ones are forgotten first (sinks still dedup by id). */
  maxRemembered?: number;
}

export function createAlertGate(options: AlertGateOptions = {}): AlertGate {
  const clock = options.clock ?? Date.now;
  const max = options.maxRemembered ?? 100_000;
  const seen = new Set<string>();
  /** dedup key -> end of its throttle period */
  const quietUntil = new Map<string, number>();
  const remember = (id: string) => {
    seen.add(id);
    // Sets iterate in insertion order: the first is the oldest.
    if (seen.size > max) seen.delete(seen.values().next().value as string);
  };
  return {
    admit(alert, throttleMs, now = clock()) {
      if (seen.has(alert.id)) return "duplicate";
      remember(alert.id);
      const until = quietUntil.get(alert.dedup_key);
      if (throttleMs > 0 && until !== undefined && now < until) return "throttled";
      if (throttleMs > 0) quietUntil.set(alert.dedup_key, now + throttleMs);
      // Keys whose period ran out can go; keeps the map bounded by the keys alerting recently.
      if (quietUntil.size > max) for (const [k, t] of quietUntil) if (t <= now) quietUntil.delete(k);
      return "send";
    },
  };
}
