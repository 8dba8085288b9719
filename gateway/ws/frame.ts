/**
 * What a client may send on /v1/stream, and the frames the server answers with. A client frame
 * is `{"seq": <int>, "events": [...]}` or `{"seq": <int>, "event": {...}}`; anything else is a
 * frame-level problem answered with an error frame, never a dropped connection.
 */
import { parseJsonBytes, parseJsonText } from "../ingest/json.ts";
import type { FieldError } from "../ingest/types.ts";
import type { AckSummary } from "./ack.ts";

export type FrameProblem = "bad_frame" | "too_large" | "invalid_utf8" | "too_deep";
export type ClientFrame =
  | { ok: true; seq: number; events: unknown[] }
  | { ok: false; seq: number | null; code: FrameProblem; message: string; errors?: FieldError[] };

export type ServerFrame =
  | ({ type: "ack"; seq: number } & AckSummary)
  | { type: "reject"; seq: number; code: "rate_limited" | "unavailable" | "slow_down" | "internal"; retry_after_ms: number; message?: string }
  | { type: "error"; seq: number | null; code: FrameProblem; message: string; errors?: FieldError[] };

const isSeq = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * `maxDepth`: nesting bound of the whole frame, checked before parsing. Text frames are UTF-8
 * already (Bun closes a connection sending invalid UTF-8 text with 1007); binary frames are
 * decoded strictly here.
 */
export function parseClientFrame(raw: string | Buffer, maxBatch: number, maxDepth: number): ClientFrame {
  const parsed = typeof raw === "string" ? parseJsonText(raw, maxDepth) : parseJsonBytes(raw, maxDepth);
  if (!parsed.ok) {
    if (parsed.problem === "invalid_json") return { ok: false, seq: null, code: "bad_frame", message: parsed.errors[0]!.message };
    const message = parsed.problem === "invalid_utf8" ? "the frame is not valid UTF-8" : "the frame nests too deeply";
    return { ok: false, seq: null, code: parsed.problem, message: `${message}: ${parsed.errors[0]!.path}`, errors: parsed.errors };
  }
  const msg = parsed.value;
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
