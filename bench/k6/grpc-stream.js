// gRPC ingest over fluxgate.v1.Ingest/Stream (schemas/fluxgate.proto): each VU holds one
// bidirectional stream for DURATION and keeps WINDOW batches of BATCH events in flight (closed
// loop), or paces batches to RATE events/s per VU (open loop; a batch due while the window is
// full is counted in batches_skipped). Env: GRPC_ADDR (host:port), API_KEY / APP_ID or API_KEYS /
// APP_IDS (comma lists, VU n uses entry n mod length), VUS, DURATION, BATCH, WINDOW, RATE, SEED,
// APPS, USERS, PAD_BYTES. Metrics for bench/harness: grpc_batches_acked, grpc_ack_latency (ms),
// events_sent (acknowledged).
import grpc from "k6/net/grpc";
import { check } from "k6";
import { Counter, Trend } from "k6/metrics";
import { createEventSource } from "./lib/events.js";
import { paceStream, streamSettings } from "./lib/stream.js";

const settings = streamSettings(__ENV, __VU);
const { options: streamOptions, batch, key, appId } = settings;
export const options = streamOptions;

const batchesAcked = new Counter("grpc_batches_acked");
const eventsSent = new Counter("events_sent");
const refused = new Counter("grpc_batches_refused");
const skipped = new Counter("batches_skipped");
const ackLatency = new Trend("grpc_ack_latency", true);

const client = new grpc.Client();
client.load(["../../schemas"], "fluxgate.proto");


// Events are built once per VU (k6's JavaScript costs as much CPU as the server); ts is left to
// the gateway (received_at), so reused batches need no rewriting.
const next = createEventSource({ seed: Number(__ENV.SEED || 42) + __VU, apps: Number(__ENV.APPS || 1), users: Number(__ENV.USERS || 10000), padBytes: Number(__ENV.PAD_BYTES || 0) });
const toProto = ({ ts: _ts, props, ...e }) => ({ ...e, ...(appId && { app_id: appId }), props_json: JSON.stringify(props) });
const pool = Array.from({ length: 8 }, () => Array.from({ length: batch }, () => toProto(next())));

export default function () {
  client.connect(__ENV.GRPC_ADDR || "127.0.0.1:50051", { plaintext: true });
  const stream = new grpc.Stream(client, "fluxgate.v1.Ingest/Stream", { metadata: { "x-api-key": key } });
  const sentAt = new Map();
  let seq = 1;
  let ended = false;
  const send = () => {
    sentAt.set(seq, Date.now());
    stream.write({ seq, events: pool[seq % pool.length] });
    seq++;
  };
  const finish = () => {
    if (ended) return;
    ended = true;
    stream.end();
  };

  stream.on("data", (ack) => {
    const s = Number(ack.seq);
    const t = sentAt.get(s);
    if (t === undefined) return;
    sentAt.delete(s);
    const ok = (ack.refused || "REFUSAL_NONE") === "REFUSAL_NONE";
    check(ack, { "batch acked in full": () => ok && (ack.rejected || []).length === 0 });
    if (ok) {
      batchesAcked.add(1);
      eventsSent.add(Number(ack.accepted || 0));
      ackLatency.add(Date.now() - t);
    } else refused.add(1, { refused: ack.refused });
    pacer.answered();
  });
  stream.on("error", (e) => check(e, { "no stream error": () => false }));
  stream.on("end", () => client.close());

  const pacer = paceStream(settings, { inFlight: () => sentAt.size, send, skipped, finish });
}
