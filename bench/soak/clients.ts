/**
 * The soak's three kinds of client, each an at-least-once sender: it keeps what it sent until
 * acknowledged, resends the same events (same ids) after a refusal (503 + Retry-After, a
 * WebSocket reject, a gRPC refusal) or a lost connection, and reports every acknowledged id to
 * the ledger with its latency. What the clients saw (statuses, close codes, errors) is counted.
 */
import * as grpc from "@grpc/grpc-js";
import { loadProtos, type AckMessage } from "../../gateway/grpc/proto.ts";
import type { SoakEvent } from "./events.ts";

export type Protocol = "http" | "ws" | "grpc";

export interface AckSink {
  acked(ids: string[], protocol: Protocol, latencyMs: number): void;
  /** Something a client saw that was not an ack: "http 503", "ws close 1012", "grpc refused UNAVAILABLE"... */
  saw(what: string): void;
}

export interface Client {
  readonly protocol: Protocol;
  send(events: SoakEvent[], traceparent?: string): void;
  /** Events sent and not yet acknowledged. */
  pending(): number;
  close(): Promise<void>;
}

/** Give up on an event after this long without an ack: the ledger then does not count it. */
const GIVE_UP_MS = 120_000;

export function httpClient(o: { url: string; apiKey: string; sink: AckSink; concurrency: number }): Client {
  interface Unit { events: SoakEvent[]; first: number; traceparent?: string }
  const queue: Unit[] = [];
  let inflight = 0;
  let closed = false;
  let pending = 0;

  async function attempt(unit: Unit): Promise<"done" | number> {
    const single = unit.events.length === 1;
    const headers: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${o.apiKey}` };
    if (unit.traceparent) headers.traceparent = unit.traceparent;
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(`${o.url}/v1/events${single ? "" : "/batch"}`, { method: "POST", headers, body: JSON.stringify(single ? unit.events[0] : unit.events) });
    } catch (err) {
      o.sink.saw(`http error ${(err as { code?: string }).code ?? "network"}`);
      return 500;
    }
    const body = await res.text();
    if (res.status === 202 || res.status === 207) {
      const ids = single ? [unit.events[0]!.event_id] : (JSON.parse(body) as { results: { status: string; event_id?: string }[] }).results.filter((r) => r.status === "accepted").map((r) => r.event_id!);
      if (res.status === 207) o.sink.saw("http 207");
      o.sink.acked(ids, "http", performance.now() - started);
      return "done";
    }
    o.sink.saw(`http ${res.status}${res.headers.get("retry-after") ? " with Retry-After" : ""}`);
    if (res.status === 503 || res.status === 429 || res.status >= 500) return Math.min(5_000, Number(res.headers.get("retry-after") ?? 1) * 1000);
    return "done"; // a 4xx is final: the event is not acknowledged and not counted
  }

  function pump() {
    while (!closed && inflight < o.concurrency && queue.length) {
      const unit = queue.shift()!;
      inflight++;
      void (async () => {
        for (;;) {
          const outcome = await attempt(unit);
          if (outcome === "done" || closed || Date.now() - unit.first > GIVE_UP_MS) break;
          await Bun.sleep(outcome);
        }
        inflight--;
        pending -= unit.events.length;
        pump();
      })();
    }
  }

  return {
    protocol: "http",
    send(events, traceparent) {
      pending += events.length;
      queue.push({ events, first: Date.now(), traceparent });
      pump();
    },
    pending: () => pending,
    async close() {
      closed = true;
    },
  };
}

interface Frame { seq: number; events: SoakEvent[]; first: number; sentAt: number; inFlight: boolean }

/** Frames by seq, resent on reconnect: shared by the WebSocket and gRPC stream clients. */
function frameBook(window: number) {
  const frames = new Map<number, Frame>();
  let seq = 0;
  return {
    frames,
    add(events: SoakEvent[]): Frame {
      const f = { seq: ++seq, events, first: Date.now(), sentAt: 0, inFlight: false };
      frames.set(f.seq, f);
      return f;
    },
    /** Frames to send now: not in flight, within the window, oldest first. */
    due(): Frame[] {
      const flying = [...frames.values()].filter((f) => f.inFlight).length;
      return [...frames.values()].filter((f) => !f.inFlight).slice(0, Math.max(0, window - flying));
    },
    pending: () => [...frames.values()].reduce((n, f) => n + f.events.length, 0),
    expire() {
      for (const [s, f] of frames) if (Date.now() - f.first > GIVE_UP_MS) frames.delete(s);
    },
  };
}

export function wsClient(o: { url: string; apiKey: string; sink: AckSink; window: number }): Client {
  const book = frameBook(o.window);
  let ws: WebSocket | undefined;
  let open = false;
  let closed = false;

  function flush() {
    if (!open || !ws) return;
    book.expire();
    for (const f of book.due()) {
      f.inFlight = true;
      f.sentAt = performance.now();
      ws.send(JSON.stringify({ seq: f.seq, events: f.events }));
    }
  }

  function connect() {
    if (closed) return;
    const socket = new WebSocket(`${o.url.replace(/^http/, "ws")}/v1/stream?api_key=${encodeURIComponent(o.apiKey)}`);
    ws = socket;
    socket.onopen = () => {
      open = true;
      flush();
    };
    socket.onmessage = (m) => {
      const reply = JSON.parse(String(m.data)) as { type: string; seq: number; event_ids?: (string | null)[]; code?: string; retry_after_ms?: number };
      const f = book.frames.get(reply.seq);
      if (!f) return;
      if (reply.type === "ack") {
        book.frames.delete(f.seq);
        o.sink.acked((reply.event_ids ?? []).filter((id): id is string => id !== null), "ws", performance.now() - f.sentAt);
      } else {
        o.sink.saw(`ws ${reply.type} ${reply.code ?? ""}`.trim());
        setTimeout(() => {
          f.inFlight = false;
          flush();
        }, Math.max(50, reply.retry_after_ms ?? 500));
      }
      flush();
    };
    socket.onclose = (e) => {
      open = false;
      for (const f of book.frames.values()) f.inFlight = false;
      if (closed) return;
      o.sink.saw(`ws close ${e.code}`);
      setTimeout(connect, 500);
    };
    socket.onerror = () => {};
  }
  connect();
  return {
    protocol: "ws",
    send(events) {
      book.add(events);
      flush();
    },
    pending: () => book.pending(),
    async close() {
      closed = true;
      ws?.close(1000);
    },
  };
}

export function grpcClient(o: { port: number; apiKey: string; sink: AckSink; window: number }): Client {
  const book = frameBook(o.window);
  const Ingest = loadProtos().ingest;
  const client = new Ingest(`127.0.0.1:${o.port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
  let call: grpc.ClientDuplexStream<unknown, AckMessage> | undefined;
  let closed = false;
  const wire = (e: SoakEvent) => ({ event_id: e.event_id, app_id: e.app_id, type: e.type, ts: e.ts, user_id: e.user_id, props_json: JSON.stringify(e.props) });

  function flush() {
    if (!call) return;
    book.expire();
    for (const f of book.due()) {
      f.inFlight = true;
      f.sentAt = performance.now();
      call.write({ seq: f.seq, events: f.events.map(wire) });
    }
  }

  function connect() {
    if (closed) return;
    const md = new grpc.Metadata();
    md.set("x-api-key", o.apiKey);
    const c: grpc.ClientDuplexStream<unknown, AckMessage> = client.Stream(md);
    call = c;
    let ended = false;
    const restart = (what: string) => {
      if (ended) return;
      ended = true;
      if (call === c) call = undefined;
      for (const f of book.frames.values()) f.inFlight = false;
      if (closed) return;
      o.sink.saw(what);
      setTimeout(connect, 500);
    };
    c.on("data", (ack: AckMessage) => {
      const f = book.frames.get(Number(ack.seq));
      if (!f) return;
      if (ack.refused && ack.refused !== "REFUSAL_NONE") {
        o.sink.saw(`grpc refused ${ack.refused}`);
        setTimeout(() => {
          f.inFlight = false;
          flush();
        }, Math.max(50, ack.retry_after_ms || 500));
        return;
      }
      book.frames.delete(f.seq);
      o.sink.acked(ack.event_ids.filter((id) => id !== ""), "grpc", performance.now() - f.sentAt);
      flush();
    });
    c.on("error", (err: grpc.ServiceError) => restart(`grpc error ${grpc.status[err.code] ?? err.code}`));
    c.on("end", () => restart("grpc stream ended"));
    flush();
  }
  connect();
  return {
    protocol: "grpc",
    send(events) {
      book.add(events);
      flush();
    },
    pending: () => book.pending(),
    async close() {
      closed = true;
      call?.end();
      client.close();
    },
  };
}
