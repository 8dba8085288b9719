/**
 * The console's alert feed: the same live feed as /v1/alerts/stream (followAlerts of
 * gateway/ws/live-feed.ts: alerts whose rule lists the `live` sink), kept as the newest few
 * hundred in memory so a page that opens late still sees recent ones, and pushed to open pages.
 */
import type { Bus, Subscription } from "../infra/bus/port.ts";
import type { Logger } from "../infra/telemetry/logger.ts";
import type { Alert } from "../schemas/alert.ts";
import { followAlerts, type LiveFeedHub } from "../gateway/ws/index.ts";

export interface AlertBuffer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Newest first. */
  recent(): Alert[];
  get(id: string): Alert | undefined;
  onAlert(listener: (alert: Alert) => void): () => void;
}

export function createAlertBuffer(o: { bus: Bus; topic: string; logger: Logger; keep?: number }): AlertBuffer {
  const keep = o.keep ?? 500;
  const alerts: Alert[] = [];
  const listeners = new Set<(alert: Alert) => void>();
  let subscription: Subscription | undefined;
  // Every app's alerts come here; who may see which is decided per page (console/api.ts).
  const hub: LiveFeedHub = {
    publish(alert) {
      const at = alerts.findIndex((a) => a.id === alert.id);
      if (at >= 0) alerts.splice(at, 1); // a re-delivered alert (same deterministic id) moves up, once
      alerts.unshift(alert);
      if (alerts.length > keep) alerts.length = keep;
      for (const l of listeners) l(alert);
    },
    subscribe: () => () => {},
    subscribers: () => listeners.size,
  };
  return {
    async start() {
      subscription = await followAlerts({ bus: o.bus, topic: o.topic, hub, logger: o.logger });
    },
    stop: async () => subscription?.stop(),
    recent: () => alerts,
    get: (id) => alerts.find((a) => a.id === id),
    onAlert(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
