import { afterAll, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Alert } from "../../schemas/alert.ts";
import { createLiveFeedHub, createLiveFeedSocket, type LiveFeedSocketData } from "./live-feed.ts";

const hub = createLiveFeedHub();
const feed = createLiveFeedSocket(hub, {
  authorize: (req) => (req.headers.get("x-key") === "shop-key" ? ["shop"] : new Response("no", { status: 401 })),
});
const server = Bun.serve<LiveFeedSocketData>({
  port: 0,
  fetch: (req, srv) => feed.upgrade(req, srv),
  websocket: feed.websocket,
});
afterAll(() => server.stop(true));

const alert = (app: string, id: string) => ({ id, app_id: app, rule_id: "r", sinks: ["live"] }) as unknown as Alert;

function connect(query: string, headers: Record<string, string> = { "x-key": "shop-key" }) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/alerts/live${query}`, { headers } as never);
  const messages: { type: string; alert?: Alert; apps?: string[]; error?: string }[] = [];
  ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
  return { ws, messages };
}

test("clients get the alerts of the apps they follow, per app, and can unsubscribe", async () => {
  const c = connect("?app=shop");
  await waitFor(() => c.messages.length, (n) => n === 1, { what: "subscribed" });
  expect(c.messages[0]).toEqual({ type: "subscribed", apps: ["shop"] });
  expect(hub.subscribers("shop")).toBe(1);
  hub.publish(alert("other", "x"));
  hub.publish(alert("shop", "a1"));
  await waitFor(() => c.messages.length, (n) => n === 2, { what: "the shop alert" });
  expect(c.messages[1]?.alert?.id).toBe("a1");

  c.ws.send(JSON.stringify({ subscribe: "other" }));
  await waitFor(() => c.messages.length, (n) => n === 3, { what: "refusal" });
  expect(c.messages[2]).toEqual({ type: "error", error: "not allowed to follow app other" });

  c.ws.send(JSON.stringify({ unsubscribe: "shop" }));
  await waitFor(() => hub.subscribers("shop"), (n) => n === 0, { what: "unsubscribed" });
  c.ws.close();
});

test("upgrades are refused when authorize refuses, or for apps not allowed", async () => {
  const denied = await fetch(`http://127.0.0.1:${server.port}/alerts/live?app=shop`, { headers: { upgrade: "websocket" } });
  expect(denied.status).toBe(401);
  const forbidden = await fetch(`http://127.0.0.1:${server.port}/alerts/live?app=other`, { headers: { "x-key": "shop-key" } });
  expect(forbidden.status).toBe(403);
});

test("closing a connection drops its subscriptions", async () => {
  const c = connect("?app=shop");
  await waitFor(() => hub.subscribers("shop"), (n) => n === 1, { what: "subscribed" });
  c.ws.close();
  await waitFor(() => hub.subscribers("shop"), (n) => n === 0, { what: "cleanup on close" });
});
