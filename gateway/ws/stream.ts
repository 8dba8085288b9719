/**
 * GET /v1/stream: event ingest over Bun's native WebSocket server. The API key is checked on
 * upgrade (401 before any socket exists). Every client frame gets exactly one reply; the acks and
 * rejects of processed frames go out in the order the frames came, however the pipeline
 * interleaves them. Bun gives no inbound backpressure, so a
 * connection's unacknowledged frames are counted: a frame over the bound is answered `slow_down`
 * unprocessed, and a client that keeps sending regardless is closed with 4008.
 */
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { counter, gauge } from "../../infra/telemetry/metrics.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import { apiKeyOf } from "../keys/api-key.ts";
import { errorResponse, keysUnavailable, unauthorized } from "../http/responses.ts";
import { ENVELOPE_LEVELS } from "../ingest/json.ts";
import { DEFAULT_MAX_DEPTH } from "../ingest/prepare.ts";
import type { Ingest, Principal } from "../ingest/types.ts";
import { createKeyWatch } from "../keys/watch.ts";
import { summarizeResults } from "./ack.ts";
import { parseClientFrame, type ServerFrame } from "./frame.ts";

/** Close codes this front uses besides the standard ones (1001 going away, 1007 invalid UTF-8 text, 1009 frame too large). */
export const CLOSE_FLOOD = 4008;
/** The connection's API key was revoked (or stopped authenticating) while it was open. */
export const CLOSE_UNAUTHORIZED = 4001;

const connections = gauge("gateway_ws_connections", "Open WebSocket connections, by route", ["route"]);
const frames = counter("gateway_ws_frames_total", "WebSocket frames received on /v1/stream, by reply", ["reply"]);

export interface StreamSocketOptions {
  /** Largest frame; Bun closes a connection sending a larger one with 1009. */
  maxFrameBytes: number;
  maxBatch: number;
  maxInflightFrames: number;
  /** Bytes of unacknowledged frames per connection; a frame that would pass it waits (slow_down) unless nothing is in flight. */
  maxInflightBytes: number;
  floodStrikes: number;
  /** FG_GATEWAY_MAX_DEPTH: props levels; a frame may nest this plus the envelope's levels. */
  maxDepth?: number;
  /** How often open connections' keys are checked again (the key cache's refresh, FG_GATEWAY_KEY_CACHE_TTL_MS). */
  keyRecheckMs?: number;
  idleTimeoutSec: number;
  maxBufferedBytes: number;
  /** Retry hint sent with "unavailable" rejects while the server shuts down. */
  shutdownRetryMs?: number;
  logger?: Logger;
}

export interface StreamSocketData {
  route: "stream";
  principal: Principal;
  /** The key it authenticated with, checked again every keyRecheckMs. */
  apiKey: string;
  /**
   * Set once the server decided to close (flood, revoked key): no frame is taken any more, and
   * the close follows as soon as the frames already taken have their acks sent.
   */
  closing?: { code: number; reason: string };
  unwatch?: () => void;
  /** Replies not yet sent, oldest first; a null text is a frame still in the pipeline. */
  replies: { text: string | null }[];
  inflight: number;
  inflightBytes: number;
  strikes: number;
}

export interface StreamSocket {
  /** Authenticates and upgrades; a Response when refused, undefined once upgraded. */
  upgrade(req: Request, server: Server<StreamSocketData>): Promise<Response | undefined>;
  websocket: WebSocketHandler<StreamSocketData>;
  /** Stops taking frames, waits for every pending ack to be sent, closes the sockets with 1001. */
  close(): Promise<void>;
}

export function createStreamSocket(ingest: Ingest, opts: StreamSocketOptions): StreamSocket {
  const sockets = new Set<ServerWebSocket<StreamSocketData>>();
  const pending = new Set<Promise<void>>();
  let closing = false;
  const shutdownRetryMs = opts.shutdownRetryMs ?? 1_000;
  const maxFrameDepth = (opts.maxDepth ?? DEFAULT_MAX_DEPTH) + ENVELOPE_LEVELS;
  const keys = createKeyWatch({ authenticate: (k, o) => ingest.authenticate(k, o), intervalMs: Math.max(1_000, opts.keyRecheckMs ?? 30_000), logger: opts.logger });

  const flush = (ws: ServerWebSocket<StreamSocketData>) => {
    const q = ws.data.replies;
    while (q.length && q[0]!.text !== null) ws.send(q.shift()!.text!);
    if (ws.data.closing && ws.data.inflight === 0) ws.close(ws.data.closing.code, ws.data.closing.reason);
  };
  /** Stops taking frames and closes once every frame taken has its ack sent: nothing stored goes unacknowledged. */
  const closeAfterAcks = (ws: ServerWebSocket<StreamSocketData>, code: number, reason: string) => {
    ws.data.closing ??= { code, reason };
    flush(ws);
  };
  // Replies to frames that never reach the pipeline (errors, slow_down, shutdown) go out at once,
  // ahead of pending acks: they carry the seq, and a flooding client must hear slow_down now.
  const replyNow = (ws: ServerWebSocket<StreamSocketData>, frame: ServerFrame) => {
    frames.inc({ reply: frame.type === "ack" ? "ack" : frame.code });
    ws.send(JSON.stringify(frame));
  };

  const submitFrame = async (ws: ServerWebSocket<StreamSocketData>, seq: number, events: unknown[], bytes: number, slot: { text: string | null }) => {
    let frame: ServerFrame;
    try {
      const outcome = await ingest.submit(ws.data.principal, events, "ws");
      frame =
        outcome.kind === "done" ? { type: "ack", seq, ...summarizeResults(outcome.results) }
        : outcome.kind === "rate_limited" ? { type: "reject", seq, code: "rate_limited", retry_after_ms: outcome.retryAfterMs }
        : outcome.kind === "over_burst" ? { type: "error", seq, code: "too_large", message: outcome.message }
        : { type: "reject", seq, code: "unavailable", retry_after_ms: outcome.retryAfterMs, message: outcome.message };
    } catch (err) {
      opts.logger?.error("WebSocket frame failed in the pipeline", { err, seq });
      frame = { type: "reject", seq, code: "internal", retry_after_ms: shutdownRetryMs, message: "internal error; nothing of this frame is acknowledged" };
    }
    frames.inc({ reply: frame.type === "ack" ? "ack" : frame.code });
    slot.text = JSON.stringify(frame);
    ws.data.inflight--;
    ws.data.inflightBytes -= bytes;
    flush(ws);
  };

  return {
    async upgrade(req, server) {
      if (closing) return errorResponse(503, "unavailable", "server shutting down", {}, { "retry-after": String(Math.ceil(shutdownRetryMs / 1000)) });
      const auth = await ingest.authenticate(apiKeyOf(req.headers, new URL(req.url))).catch((err: unknown) => {
        opts.logger?.error("API key check failed", { err });
        return null;
      });
      if (!auth) return keysUnavailable();
      if (!auth.ok) return unauthorized(auth);
      const data: StreamSocketData = {
        route: "stream", principal: auth.principal, apiKey: apiKeyOf(req.headers, new URL(req.url))!, replies: [], inflight: 0, inflightBytes: 0, strikes: 0,
      };
      return server.upgrade(req, { data }) ? undefined : errorResponse(426, "upgrade_required", "expected a WebSocket upgrade");
    },
    websocket: {
      maxPayloadLength: opts.maxFrameBytes,
      idleTimeout: opts.idleTimeoutSec,
      sendPings: true,
      backpressureLimit: opts.maxBufferedBytes,
      closeOnBackpressureLimit: true,
      perMessageDeflate: false,
      open(ws) {
        sockets.add(ws);
        connections.inc({ route: "stream" });
        ws.data.unwatch = keys.watch(ws.data.apiKey, (refused) => {
          frames.inc({ reply: "unauthorized_close" });
          closeAfterAcks(ws, CLOSE_UNAUTHORIZED, `unauthorized: ${refused.reason} API key`);
        });
      },
      message(ws, raw) {
        // Closing: frames are no longer taken (nor answered); the close code says why.
        if (ws.data.closing) return;
        const frame = parseClientFrame(raw, opts.maxBatch, maxFrameDepth);
        if (!frame.ok) return replyNow(ws, { type: "error", seq: frame.seq, code: frame.code, message: frame.message, ...(frame.errors && { errors: frame.errors }) });
        if (closing) return replyNow(ws, { type: "reject", seq: frame.seq, code: "unavailable", retry_after_ms: shutdownRetryMs, message: "server shutting down; reconnect" });
        const bytes = raw.length;
        const full = ws.data.inflight >= opts.maxInflightFrames || (ws.data.inflight > 0 && ws.data.inflightBytes + bytes > opts.maxInflightBytes);
        if (full) {
          if (++ws.data.strikes > opts.floodStrikes) {
            frames.inc({ reply: "flood_close" });
            return closeAfterAcks(ws, CLOSE_FLOOD, "flood: kept sending past the in-flight limit");
          }
          return replyNow(ws, {
            type: "reject", seq: frame.seq, code: "slow_down", retry_after_ms: 0,
            message: `over ${opts.maxInflightFrames} frames or ${opts.maxInflightBytes} bytes unacknowledged; wait for acks, then resend this frame`,
          });
        }
        ws.data.strikes = 0;
        ws.data.inflight++;
        ws.data.inflightBytes += bytes;
        const slot = { text: null as string | null };
        ws.data.replies.push(slot);
        const done = submitFrame(ws, frame.seq, frame.events, bytes, slot);
        pending.add(done);
        void done.finally(() => pending.delete(done));
      },
      close(ws) {
        ws.data.unwatch?.();
        sockets.delete(ws);
        connections.dec({ route: "stream" });
      },
    },
    async close() {
      closing = true;
      keys.stop();
      while (pending.size) await Promise.allSettled([...pending]);
      for (const ws of sockets) ws.close(1001, "server shutting down");
    },
  };
}
