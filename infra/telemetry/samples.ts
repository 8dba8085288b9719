/**
 * Recent samples beside the metrics: the newest few items per key (e.g. rejected events per
 * reason, with their error text), process-wide like the Prometheus registry, so that a role
 * records them without knowing who reads them. Bounded per key; recording is an array write, and
 * the gateway records only on its reject paths, never for an accepted event.
 */
import type { RejectSample } from "../../schemas/status.ts";

export interface SampleRing<T> {
  record(key: string, sample: T): void;
  /** Newest first, per key. */
  latest(): Record<string, T[]>;
}

export function createSampleRing<T>(perKey: number, maxKeys = 64): SampleRing<T> {
  const rings = new Map<string, { items: T[]; next: number }>();
  return {
    record(key, sample) {
      let ring = rings.get(key);
      if (!ring) {
        if (rings.size >= maxKeys) return; // keys come from a closed set (reasons); this only guards a mistake
        rings.set(key, (ring = { items: [], next: 0 }));
      }
      ring.items[ring.next] = sample;
      ring.next = (ring.next + 1) % perKey;
    },
    latest() {
      const out: Record<string, T[]> = {};
      for (const [key, { items, next }] of rings) out[key] = [...items.slice(0, next).reverse(), ...items.slice(next).reverse()];
      return out;
    },
  };
}

/** Events the gateway refused, by reason (invalid, unknown_type, too_large, app_mismatch, rate_limited). */
export const rejectSamples = createSampleRing<RejectSample>(10);
