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
