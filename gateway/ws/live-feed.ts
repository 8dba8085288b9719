/**
 * The live alert feed: a publish/subscribe hub per app, and a Bun WebSocket handler that clients
 * use to follow the alerts of the apps they may see. Clients connect with `?app=<id>` (repeatable)
 * and may send {"subscribe": "<app>"} / {"unsubscribe": "<app>"}; each alert arrives as one JSON
 * message. The gateway wires the route (and decides, through `authorize`, which apps a request may
 * follow); `followAlerts` feeds the hub from fg.alerts in a consumer group of each instance's own.
 */
import { randomUUID } from "node:crypto";
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import type { Bus, Subscription } from "../../infra/bus/port.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { Alert } from "../../schemas/alert.ts";

export type AlertListener = (alert: Alert) => void;

export interface LiveFeedHub {
  subscribe(appId: string, listener: AlertListener): () => void;
  publish(alert: Alert): void;
  subscribers(appId: string): number;
}

export function createLiveFeedHub(): LiveFeedHub {
  const byApp = new Map<string, Set<AlertListener>>();
  return {
    subscribe(appId, listener) {
      const set = byApp.get(appId) ?? new Set();
      set.add(listener);
      byApp.set(appId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) byApp.delete(appId);
      };
    },
    publish(alert) {
      for (const listener of byApp.get(alert.app_id) ?? []) listener(alert);
    },
    subscribers: (appId) => byApp.get(appId)?.size ?? 0,
  };
}

export interface LiveFeedSocketData {
  /** Apps this connection may follow, decided at upgrade; null = any. */
  allowed: string[] | null;
  subscriptions: Map<string, () => void>;
}

export interface LiveFeedOptions {
  /** Which apps a request may follow (null = any), or a Response to refuse the upgrade. */
  authorize?: (req: Request) => string[] | null | Response | Promise<string[] | null | Response>;
  /** A client that stops reading is dropped once this much is buffered, instead of growing memory. */
  maxBufferedBytes?: number;
}

export interface LiveFeedSocket {
  /** Call from the route's fetch handler; returns a Response when the upgrade is refused. */
  upgrade(req: Request, server: Server<LiveFeedSocketData>): Promise<Response | undefined>;
  websocket: WebSocketHandler<LiveFeedSocketData>;
}

export function createLiveFeedSocket(hub: LiveFeedHub, options: LiveFeedOptions = {}): LiveFeedSocket {
  const maxBuffered = options.maxBufferedBytes ?? 1 << 20;
  const follow = (ws: ServerWebSocket<LiveFeedSocketData>, app: string): string | null => {
    if (ws.data.allowed && !ws.data.allowed.includes(app)) return `not allowed to follow app ${app}`;
    if (!ws.data.subscriptions.has(app))
      ws.data.subscriptions.set(app, hub.subscribe(app, (alert) => {
        if (ws.getBufferedAmount() > maxBuffered) ws.close(1013, "too slow: alert feed dropped");
        else ws.send(JSON.stringify({ type: "alert", alert }));
      }));
    return null;
  };
  return {
    async upgrade(req, server) {
      const allowed = options.authorize ? await options.authorize(req) : null;
      if (allowed instanceof Response) return allowed;
      const apps = new URL(req.url).searchParams.getAll("app");
      const denied = allowed ? apps.find((a) => !allowed.includes(a)) : undefined;
      if (denied) return new Response(`not allowed to follow app ${denied}`, { status: 403 });
      const ok = server.upgrade(req, { data: { allowed, subscriptions: new Map(apps.map((a) => [a, () => {}])) } });
      return ok ? undefined : new Response("expected a WebSocket upgrade", { status: 426 });
    },
    websocket: {
      open(ws) {
        // Apps from the URL were placeholders until the socket existed.
        const apps = [...ws.data.subscriptions.keys()];
        ws.data.subscriptions.clear();
        for (const app of apps) follow(ws, app);
        ws.send(JSON.stringify({ type: "subscribed", apps }));
      },
      message(ws, raw) {
        let msg: { subscribe?: unknown; unsubscribe?: unknown };
        try {
          msg = JSON.parse(String(raw));
        } catch {
          ws.send(JSON.stringify({ type: "error", error: 'expected JSON: {"subscribe": "<app>"} or {"unsubscribe": "<app>"}' }));
          return;
        }
        if (typeof msg.subscribe === "string") {
          const error = follow(ws, msg.subscribe);
          ws.send(JSON.stringify(error ? { type: "error", error } : { type: "subscribed", apps: [msg.subscribe] }));
        } else if (typeof msg.unsubscribe === "string") {
          ws.data.subscriptions.get(msg.unsubscribe)?.();
          ws.data.subscriptions.delete(msg.unsubscribe);
          ws.send(JSON.stringify({ type: "unsubscribed", apps: [msg.unsubscribe] }));
        } else {
          ws.send(JSON.stringify({ type: "error", error: 'expected {"subscribe": "<app>"} or {"unsubscribe": "<app>"}' }));
        }
      },
      close(ws) {
        for (const off of ws.data.subscriptions.values()) off();
        ws.data.subscriptions.clear();
      },
    },
  };
}

/** Feeds the hub from fg.alerts: only alerts whose rule lists the `live` sink, only new ones. */
export async function followAlerts(options: { bus: Bus; topic: string; hub: LiveFeedHub; logger?: Logger }): Promise<Subscription> {
  return options.bus.subscribe(
    { groupId: `fluxgate-live-feed-${randomUUID()}`, topics: [options.topic], fromBeginning: false },
    async ({ records }) => {
      for (const r of records) {
        try {
          const alert = JSON.parse(r.value.toString()) as Alert;
          if (alert.sinks?.includes("live")) options.hub.publish(alert);
        } catch (err) {
          options.logger?.warn("unreadable alert record skipped by the live feed", { offset: r.offset, err });
        }
      }
    },
  );
}
