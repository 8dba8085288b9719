/** The WebSocket front's settings (FG_WS_*), merged into the one schema in infra/config. Frame and batch sizes share FG_GATEWAY_MAX_REQUEST_BYTES / FG_GATEWAY_MAX_BATCH. */
import { z } from "zod";
import { positiveInt } from "../../infra/config/types.ts";

export const wsEnv = {
  FG_WS_MAX_INFLIGHT_FRAMES: positiveInt.default(64)
    .describe("Frames one WebSocket connection may have unacknowledged; a frame over this gets a slow_down reject instead of being processed"),
  FG_WS_MAX_INFLIGHT_BYTES: positiveInt.default(32 * 1_048_576)
    .describe("Bytes of frames one WebSocket connection may have unacknowledged; a frame over this gets slow_down (a lone frame is always taken)"),
  FG_WS_FLOOD_STRIKES: positiveInt.default(32)
    .describe("slow_down rejects a connection may collect in a row before it is closed with code 4008"),
  FG_WS_IDLE_TIMEOUT_S: positiveInt.max(960).default(120)
    .describe("Seconds without any frame (pings included) before a WebSocket is closed; the server pings idle clients"),
  FG_WS_MAX_BUFFERED_BYTES: positiveInt.default(16 * 1_048_576)
    .describe("Unsent reply bytes a WebSocket may pile up (a client that does not read its acks) before it is closed"),
};

export const wsConfigSchema = z.object(wsEnv);
export type WsConfig = z.infer<typeof wsConfigSchema>;
