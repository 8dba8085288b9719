/**
 * What a client may send on /v1/stream, and the frames the server answers with. A client frame
 * is `{"seq": <int>, "events": [...]}` or `{"seq": <int>, "event": {...}}`; anything else is a
 * frame-level problem answered with an error frame, never a dropped connection.
 */
import type { AckSummary } from "./ack.ts";

export type ClientFrame =
  | { ok: true; seq: number; events: unknown[] }
  | { ok: false; seq: number | null; code: "bad_frame" | "too_large"; message: string };

export type ServerFrame =
  | ({ type: "ack"; seq: number } & AckSummary)
  | { type: "reject"; seq: number; code: "rate_limited" | "unavailable" | "slow_down" | "internal"; retry_after_ms: number; message?: string }
  | { type: "error"; seq: number | null; code: "bad_frame" | "too_large"; message: string };

const isSeq = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

export function parseClientFrame(raw: string | Buffer, maxBatch: number): ClientFrame {
  let msg: unknown;
  try {
    msg = JSON.parse(typeof raw === "string" ? raw : raw.toString("utf8"));
  } catch (err) {
    return { ok: false, seq: null, code: "bad_frame", message: `not JSON: ${(err as Error).message}` };
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg))
    return { ok: false, seq: null, code: "bad_frame", message: 'expected an object: {"seq": <int>, "events": [...]} or {"seq": <int>, "event": {...}}' };
  const { seq, events, event } = msg as { seq?: unknown; events?: unknown; event?: unknown };
  if (!isSeq(seq)) return { ok: false, seq: null, code: "bad_frame", message: "seq: expected a non-negative integer" };
  if (events !== undefined && event !== undefined) return { ok: false, seq, code: "bad_frame", message: "send either events or event, not both" };
  if (event !== undefined) return { ok: true, seq, events: [event] };
  if (!Array.isArray(events)) return { ok: false, seq, code: "bad_frame", message: "events: expected an array (or event: an object)" };
  if (events.length === 0) return { ok: false, seq, code: "bad_frame", message: "events: expected at least one event" };
  if (events.length > maxBatch) return { ok: false, seq, code: "too_large", message: `events: at most ${maxBatch} per frame, got ${events.length}` };
  return { ok: true, seq, events };
}
