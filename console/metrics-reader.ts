/**
 * Reads the process' Prometheus registry (infra/telemetry/metrics.ts), the narrow interface every
 * role already reports through, into plain rows: the console never touches a role's internals.
 */
import { registry } from "../infra/telemetry/metrics.ts";

export type Labels = Record<string, string>;
export interface Row { labels: Labels; value: number }

/** The samples of one counter or gauge (empty when no role of this process registers it). */
export async function readMetric(name: string): Promise<Row[]> {
  const metric = registry.getSingleMetric(`fluxgate_${name}`);
  if (!metric) return [];
  const { values } = await metric.get();
  return values.map((v) => ({ labels: v.labels as Labels, value: v.value }));
}

export interface HistogramRows {
  /** Cumulative bucket counts per label set (without `le`), upper bounds ascending. */
  buckets: Map<string, { labels: Labels; le: number[]; counts: number[] }>;
  count: Map<string, number>;
  sum: Map<string, number>;
}

const keyOf = (labels: Labels): string => JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le").sort());

export async function readHistogram(name: string): Promise<HistogramRows> {
  const out: HistogramRows = { buckets: new Map(), count: new Map(), sum: new Map() };
  const metric = registry.getSingleMetric(`fluxgate_${name}`);
  if (!metric) return out;
  const { values } = await metric.get();
  for (const v of values as { labels: Labels; value: number; metricName?: string }[]) {
    const key = keyOf(v.labels);
    if (v.metricName?.endsWith("_bucket")) {
      const b = out.buckets.get(key) ?? { labels: Object.fromEntries(Object.entries(v.labels).filter(([k]) => k !== "le")), le: [], counts: [] };
      b.le.push(v.labels.le === "+Inf" ? Infinity : Number(v.labels.le));
      b.counts.push(v.value);
      out.buckets.set(key, b);
    } else if (v.metricName?.endsWith("_count")) out.count.set(key, v.value);
    else if (v.metricName?.endsWith("_sum")) out.sum.set(key, v.value);
  }
  return out;
}

/**
 * The q-quantile of the observations between two readings of cumulative buckets (summed over
 * every label set), interpolated linearly inside its bucket as Prometheus' histogram_quantile
 * does; null when nothing was observed in between.
 */
export function quantileBetween(before: HistogramRows | undefined, after: HistogramRows, q: number): number | null {
  let le: number[] = [];
  let delta: number[] = [];
  for (const [key, b] of after.buckets) {
    const prev = before?.buckets.get(key);
    if (le.length === 0) {
      le = b.le;
      delta = b.le.map(() => 0);
    }
    b.counts.forEach((c, i) => (delta[i]! += c - (prev?.counts[i] ?? 0)));
  }
  const total = delta.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < le.length; i++) {
    if (delta[i]! >= rank) {
      const lower = i === 0 ? 0 : le[i - 1]!;
      const upper = Number.isFinite(le[i]!) ? le[i]! : lower;
      const below = i === 0 ? 0 : delta[i - 1]!;
      const inBucket = delta[i]! - below;
      return inBucket > 0 ? lower + (upper - lower) * ((rank - below) / inBucket) : upper;
    }
  }
  return le.at(-2) ?? null;
}
