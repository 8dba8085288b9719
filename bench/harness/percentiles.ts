/** Percentiles of a sample, as the reports print them (nearest rank). */
export interface Percentiles {
  samples: number;
  p50: number;
  p95: number;
  max: number;
}

export function percentiles(values: number[]): Percentiles {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => (v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))]! : NaN);
  return { samples: v.length, p50: at(0.5), p95: at(0.95), max: v.length ? v[v.length - 1]! : NaN };
}
