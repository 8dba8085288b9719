/**
 * One Prometheus registry per process, shared by every role, exposed by the gateway's /metrics
 * (and by FG_ADMIN_PORT in processes without a gateway, see infra/app/admin.ts). Metric names start with `fluxgate_`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "fluxgate_" });

export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
  return new Counter<L>({ name: `fluxgate_${name}`, help, labelNames, registers: [registry] });
}

/**
 * A counter for hot paths: an increment adds to a plain number kept per label values, and the
 * sums reach prom-client when the metric is read (scrapes and the console call get(), which runs
 * collect). prom-client hashes the label object on every inc (sorted names, joined values), about
 * a microsecond of a single event's CPU on the gateway (issue 15's profile).
 */
export function hotCounter<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  const pending = new Map<string, { labels: Record<L, string>; n: number }>();
  new Counter<L>({
    name: `fluxgate_${name}`, help, labelNames, registers: [registry],
    collect() {
      for (const p of pending.values()) if (p.n) (this.inc(p.labels, p.n), (p.n = 0));
    },
  });
  return {
    inc(labels: Record<L, string>, n = 1): void {
      let key = "";
      for (const l of labelNames) key += `${labels[l]}\u0000`;
      let p = pending.get(key);
      if (!p) pending.set(key, (p = { labels: { ...labels }, n: 0 }));
      p.n += n;
    },
  };
}

export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
  return new Gauge<L>({ name: `fluxgate_${name}`, help, labelNames, registers: [registry] });
}

/** Seconds, with buckets from 0.5 ms to 10 s: ack latency lives at the low end, sink writes higher. */
export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
  return new Histogram<L>({
    name: `fluxgate_${name}`, help, labelNames, registers: [registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
}
