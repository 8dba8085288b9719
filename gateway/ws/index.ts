/**
 * The gateway's WebSocket routes on one Bun server: /v1/stream (ingest) and /v1/alerts/stream
 * (live alerts). Bun takes a single websocket handler per server, so each socket carries a route
 * tag and this module dispatches on it; frame size, idle timeout and pings are the stream's.
 */
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import type { AlertFeedSocket, AlertFeedSocketData } from "./alert-feed.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { WsConfig } from "./config.ts";
import type { StreamSocket, StreamSocketData, StreamSocketOptions } from "./stream.ts";

export { createAlertFeedSocket, type AlertFeedSocket } from "./alert-feed.ts";
export { CLOSE_FLOOD, CLOSE_UNAUTHORIZED, createStreamSocket, type StreamSocket, type StreamSocketOptions } from "./stream.ts";
export { wsEnv, type WsConfig } from "./config.ts";
export { followAlerts, type LiveFeedHub } from "./live-feed.ts";

/** The stream's limits from the parsed env: frames share the HTTP request and batch limits. */
export function streamSocketOptions(
  env: WsConfig & { FG_GATEWAY_MAX_REQUEST_BYTES: number; FG_GATEWAY_MAX_BATCH: number; FG_GATEWAY_MAX_DEPTH: number; FG_GATEWAY_KEY_CACHE_TTL_MS: number },
  logger?: Logger,
): StreamSocketOptions {
  return {
    maxDepth: env.FG_GATEWAY_MAX_DEPTH, keyRecheckMs: env.FG_GATEWAY_KEY_CACHE_TTL_MS,
    maxFrameBytes: env.FG_GATEWAY_MAX_REQUEST_BYTES, maxBatch: env.FG_GATEWAY_MAX_BATCH, maxInflightFrames: env.FG_WS_MAX_INFLIGHT_FRAMES, maxInflightBytes: env.FG_WS_MAX_INFLIGHT_BYTES,
    floodStrikes: env.FG_WS_FLOOD_STRIKES, idleTimeoutSec: env.FG_WS_IDLE_TIMEOUT_S, maxBufferedBytes: env.FG_WS_MAX_BUFFERED_BYTES, logger,
  };
}

export type GatewaySocketData = StreamSocketData | AlertFeedSocketData;

export interface GatewaySockets {
  /** null when the request is not for a WebSocket route (let the HTTP app answer it). */
  route(req: Request, server: Server<GatewaySocketData>): Promise<Response | undefined> | null;
  websocket: WebSocketHandler<GatewaySocketData>;
  /** Drains and closes the stream sockets, then closes the alert feeds, all with 1001. */
  close(): Promise<void>;
}

export function createGatewaySockets(stream: StreamSocket, alerts?: AlertFeedSocket): GatewaySockets {
  const pick = (ws: ServerWebSocket<GatewaySocketData>) => (ws.data.route === "stream" ? stream.websocket : alerts!.websocket) as WebSocketHandler<GatewaySocketData>;
  const { message: _m, open: _o, close: _c, drain: _d, ...settings } = stream.websocket;
  const feeds = new Set<ServerWebSocket<GatewaySocketData>>();
  return {
    route(req, server) {
      const path = new URL(req.url).pathname;
      if (path === "/v1/stream") return stream.upgrade(req, server as Server<StreamSocketData>);
      if (path === "/v1/alerts/stream" && alerts) return alerts.upgrade(req, server as Server<AlertFeedSocketData>);
      return null;
    },
    websocket: {
      ...(settings as Omit<WebSocketHandler<GatewaySocketData>, "message">),
      open(ws) {
        if (ws.data.route === "alerts") feeds.add(ws);
        return pick(ws).open?.(ws);
      },
      message: (ws, msg) => pick(ws).message?.(ws, msg),
      drain: (ws) => pick(ws).drain?.(ws),
      close(ws, code, reason) {
        feeds.delete(ws);
        return pick(ws).close?.(ws, code, reason);
      },
    },
    async close() {
      await stream.close();
      for (const ws of feeds) ws.close(1001, "server shutting down");
    },
  };
}
