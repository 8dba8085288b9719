/**
 * GET /v1/alerts/stream?app=<app>: the live alert feed of gateway/ws/live-feed.ts behind an API
 * key. A key may follow only its own app, so `app` must name the key's app (403 otherwise); the
 * subscribe / unsubscribe messages of the feed are held to the same app.
 */
import type { Server } from "bun";
import { createLiveFeedSocket, type LiveFeedHub, type LiveFeedSocketData } from "./live-feed.ts";
import { apiKeyOf } from "../keys/api-key.ts";
import { errorResponse, keysUnavailable, unauthorized } from "../http/responses.ts";
import type { Ingest } from "../ingest/types.ts";

export type AlertFeedSocketData = LiveFeedSocketData & { route: "alerts" };

export interface AlertFeedSocket {
  upgrade(req: Request, server: Server<AlertFeedSocketData>): Promise<Response | undefined>;
  websocket: ReturnType<typeof createLiveFeedSocket>["websocket"];
}

export function createAlertFeedSocket(ingest: Ingest, hub: LiveFeedHub, opts: { maxBufferedBytes?: number } = {}): AlertFeedSocket {
  const feed = createLiveFeedSocket(hub, {
    maxBufferedBytes: opts.maxBufferedBytes,
    async authorize(req) {
      const url = new URL(req.url);
      if (!url.searchParams.get("app")) return errorResponse(400, "missing_app", "?app=<app> is required");
      const auth = await ingest.authenticate(apiKeyOf(req.headers, url)).catch(() => null);
      if (!auth) return keysUnavailable();
      if (!auth.ok) return unauthorized(auth);
      const other = url.searchParams.getAll("app").find((app) => app !== auth.principal.appId);
      if (other !== undefined) return errorResponse(403, "forbidden", `the API key belongs to app ${auth.principal.appId}; it may not follow app ${other}`);
      return [auth.principal.appId];
    },
  });
  return {
    // The feed upgrades with its own data; the route tag lets one Bun websocket handler serve both fronts.
    upgrade: (req, server) =>
      feed.upgrade(req, {
        upgrade: (r: Request, o: { data: LiveFeedSocketData }) => server.upgrade(r, { ...o, data: { ...o.data, route: "alerts" } }),
      } as unknown as Server<LiveFeedSocketData>),
    websocket: feed.websocket,
  };
}
