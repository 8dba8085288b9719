/**
 * Watermarks. A partition's watermark is its highest event time minus the out-of-orderness bound:
 * every event older than that is taken to have arrived. The operator's watermark is the minimum
 * over partitions, except partitions idle for `idleTimeoutMs` of processing time (the injected
 * clock), which stop holding it back; when every partition is idle, none does, and the most
 * advanced one sets it. The operator keeps it monotonic.
 */

export interface PartitionProgress {
  /** Highest event time seen: event time, so part of the serialised state. */
  maxTs: number;
  /** Processing time of the last event: never serialised (see operator restore). */
  activeAt: number;
}

export function observe(partitions: Map<string, PartitionProgress>, partition: string, ts: number, now: number): void {
  const p = partitions.get(partition);
  if (p === undefined) partitions.set(partition, { maxTs: ts, activeAt: now });
  else {
    p.maxTs = Math.max(p.maxTs, ts);
    p.activeAt = now;
  }
}

/** The watermark the partitions allow now, or null before any event. */
export function combinedWatermark(
  partitions: ReadonlyMap<string, PartitionProgress>,
  outOfOrdernessMs: number,
  idleTimeoutMs: number,
  now: number,
): number | null {
  let active: number | null = null;
  let any: number | null = null;
  for (const p of partitions.values()) {
    any = any === null ? p.maxTs : Math.max(any, p.maxTs);
    if (now - p.activeAt < idleTimeoutMs) active = active === null ? p.maxTs : Math.min(active, p.maxTs);
  }
  const ts = active ?? any;
  return ts === null ? null : ts - outOfOrdernessMs;
}
