// WebSocket ingest on /v1/stream: each VU holds one connection for DURATION and keeps WINDOW
// frames of BATCH events in flight (closed loop), or paces frames to RATE events/s per VU (open
// loop: a frame due while the window is full is counted in frames_skipped, not queued).
// Env: BASE_URL (http or ws), API_KEY / APP_ID or API_KEYS / APP_IDS (comma lists, VU n uses
// entry n mod length), VUS, DURATION, BATCH, WINDOW, RATE, SEED, APPS, USERS, PAD_BYTES.
// Metrics for bench/harness: ws_frames_acked, ws_ack_latency (ms), events_sent (acknowledged).
import { WebSocket } from "k6/websockets";
import { check } from "k6";
import { Counter, Trend } from "k6/metrics";
import { createBodyPool, createEventSource } from "./lib/events.js";
import { paceStream, streamSettings } from "./lib/stream.js";

const settings = streamSettings(__ENV, __VU);
const { options: streamOptions, batch, key, appId } = settings;
export const options = streamOptions;

const framesAcked = new Counter("ws_frames_acked");
const eventsSent = new Counter("events_sent");
const rejected = new Counter("ws_frames_rejected");
const skipped = new Counter("frames_skipped");
const ackLatency = new Trend("ws_ack_latency", true);

const url = `${(__ENV.BASE_URL || "http://127.0.0.1:8080").replace(/^http/, "ws")}/v1/stream`;

const next = createEventSource({ seed: Number(__ENV.SEED || 42) + __VU, apps: Number(__ENV.APPS || 1), users: Number(__ENV.USERS || 10000), padBytes: Number(__ENV.PAD_BYTES || 0) });
const body = createBodyPool(next, { bodies: 16, perBody: batch, appId });

export default function () {
  const ws = new WebSocket(url, null, { headers: { "x-api-key": key } });
  const sentAt = new Map();
  let seq = 0;
  let pacer;
  const send = () => {
    sentAt.set(seq, Date.now());
    ws.send(`{"seq":${seq++},"events":${body()}}`);
  };
  ws.onopen = () => {
    pacer = paceStream(settings, { inFlight: () => sentAt.size, send, skipped, finish: () => ws.close() });
  };
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    const t = sentAt.get(m.seq);
    if (t === undefined) return;
    sentAt.delete(m.seq);
    const ok = m.type === "ack" && m.rejected.length === 0;
    check(m, { "frame acked in full": () => ok });
    if (m.type === "ack") {
      framesAcked.add(1);
      eventsSent.add(m.accepted);
      ackLatency.add(Date.now() - t);
    } else rejected.add(1, { code: m.code });
    pacer.answered();
  };
  ws.onerror = (e) => check(e, { "no socket error": () => false });
}
