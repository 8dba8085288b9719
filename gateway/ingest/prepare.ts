/**
 * One submitted event -> the envelope published on fg.events, or the reasons it is refused. Pure:
 * every rejection names the field path and the rule broken, and nothing here throws on bad input.
 */
import { z } from "zod";
import { APP_ID, envelopeInputSchema, EVENT_TYPE, MAX_TS, uuidV7Time, type Envelope, type EnvelopeInput, type Source } from "../../schemas/envelope.ts";
import { checkPayload, knownTypes } from "../../schemas/events/index.ts";
import { fastPayloadVersion } from "./payload-check.ts";
import type { FieldError, Principal, RejectCode } from "./types.ts";

export const DEFAULT_MAX_FUTURE_SKEW_MS = 86_400_000;
export const DEFAULT_MAX_DEPTH = 32;

export interface PrepareSettings {
  maxEventBytes: number;
  unknownTypes: "reject" | "accept";
  /** How far ahead of receivedAt a ts may be (FG_GATEWAY_MAX_FUTURE_SKEW_MS; default a day). */
  maxFutureSkewMs?: number;
  /** Most levels props may nest, props being level 1 (FG_GATEWAY_MAX_DEPTH; default 32). */
  maxDepth?: number;
}

/** The settings from the parsed env, for every place that builds the pipeline. */
export const prepareSettings = (env: {
  FG_GATEWAY_MAX_EVENT_BYTES: number; FG_GATEWAY_UNKNOWN_TYPES: "reject" | "accept"; FG_GATEWAY_MAX_FUTURE_SKEW_MS: number; FG_GATEWAY_MAX_DEPTH: number;
}): PrepareSettings => ({
  maxEventBytes: env.FG_GATEWAY_MAX_EVENT_BYTES, unknownTypes: env.FG_GATEWAY_UNKNOWN_TYPES,
  maxFutureSkewMs: env.FG_GATEWAY_MAX_FUTURE_SKEW_MS, maxDepth: env.FG_GATEWAY_MAX_DEPTH,
});

/**
 * Props as data the rest of the pipeline can recurse into safely: at most `maxDepth` levels, and
 * no `__proto__` key (an object copy would drop it silently, so it is refused by name). A walk
 * with its own stack, not recursion, so the bound holds before anything recursive sees props.
 */
function propsProblems(props: unknown, maxDepth: number): FieldError[] {
  if (typeof props !== "object" || props === null) return [];
  const stack: { value: object; depth: number; path: string }[] = [{ value: props, depth: 1, path: "props" }];
  while (stack.length) {
    const { value, depth, path } = stack.pop()!;
    if (depth > maxDepth) return [{ path, message: `props nest deeper than ${maxDepth} levels (FG_GATEWAY_MAX_DEPTH)` }];
    for (const k of Object.keys(value)) {
      if (k === "__proto__") return [{ path: `${path}.__proto__`, message: "the key __proto__ is not allowed (objects copied downstream would lose it)" }];
      const v = (value as Record<string, unknown>)[k];
      if (typeof v === "object" && v !== null) stack.push({ value: v, depth: depth + 1, path: `${path}.${k}` });
    }
  }
  return [];
}

/** The event's time: its ts, else the time of a UUIDv7 event_id, else receivedAt; and the field it came from. */
function eventTime(ts: number | string | undefined, eventId: string | undefined, receivedAt: number): { ts: number; from: "ts" | "event_id" | null } {
  if (ts !== undefined) return { ts: typeof ts === "number" ? ts : Date.parse(ts), from: "ts" };
  const fromId = eventId === undefined ? undefined : uuidV7Time(eventId);
  return fromId === undefined ? { ts: receivedAt, from: null } : { ts: fromId, from: "event_id" };
}

export type Prepared =
  /**
   * `value`: the envelope's JSON, made once here; `bytes`, its UTF-8 length. The publisher writes
   * the text straight into its record batch: no Buffer per event in between.
   */
  | { ok: true; envelope: Envelope; value: string; bytes: number }
  | { ok: false; code: RejectCode; errors: FieldError[] };

const ENVELOPE_KEYS = new Set(["event_id", "app_id", "type", "ts", "key", "user_id", "session_id", "props"]);
const uuid = z.uuid();
const isId = (v: unknown) => v === undefined || (typeof v === "string" && v.length >= 1 && v.length <= 256);

/**
 * The envelope schema's verdict on the common shape, without zod: its parse was the largest
 * share of an event's own CPU (about 3 µs of ~4). Only what it can judge for certain is accepted
 * here (an integer ts in range, every field of the right type and form, no unknown key); anything
 * else, valid or not, goes to envelopeInputSchema, which also words every rejection. Its output is
 * what the schema's would be (prepare.test.ts checks both on the same inputs).
 */
export function acceptEnvelope(raw: object): EnvelopeInput | undefined {
  for (const k in raw) if (!ENVELOPE_KEYS.has(k)) return undefined;
  const e = raw as Record<string, unknown>;
  const { app_id, type, ts, props, event_id } = e;
  if (typeof app_id !== "string" || !APP_ID.test(app_id) || typeof type !== "string" || !EVENT_TYPE.test(type)) return undefined;
  if (ts !== undefined && !(typeof ts === "number" && Number.isInteger(ts) && ts >= 0 && ts <= MAX_TS)) return undefined;
  if (!isId(e.key) || !isId(e.user_id) || !isId(e.session_id)) return undefined;
  if (props !== undefined && (typeof props !== "object" || props === null || Array.isArray(props))) return undefined;
  if (event_id !== undefined && !(typeof event_id === "string" && uuid.safeParse(event_id).success)) return undefined;
  // The schema's output: the same fields, props defaulting to {} (a copy of props, as its record is).
  return { ...(e as EnvelopeInput), props: props === undefined ? {} : { ...(props as Record<string, unknown>) } };
}

const pathOf = (path: readonly PropertyKey[]) => path.map(String).join(".") || "(event)";

export function prepareEvent(raw: unknown, principal: Principal, source: Source, receivedAt: number, s: PrepareSettings): Prepared {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, code: "invalid", errors: [{ path: "(event)", message: "expected an event object" }] };
  }
  const shape = propsProblems((raw as { props?: unknown }).props, s.maxDepth ?? DEFAULT_MAX_DEPTH);
  if (shape.length) return { ok: false, code: "invalid", errors: shape };
  let input = acceptEnvelope(raw) as z.output<typeof envelopeInputSchema> | undefined;
  if (!input) {
    const parsed = envelopeInputSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, code: "invalid", errors: parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })) };
    input = parsed.data;
  }
  if (input.app_id !== principal.appId) {
    return { ok: false, code: "app_mismatch", errors: [{ path: "app_id", message: `the API key belongs to app ${principal.appId}, not ${input.app_id}` }] };
  }
  const payload = fastPayloadVersion(input.type, input.props) !== undefined ? ({ ok: true } as const) : checkPayload(input.type, input.props);
  if (!payload.ok) {
    if ("unknownType" in payload) {
      if (s.unknownTypes === "reject") {
        return { ok: false, code: "unknown_type", errors: [{ path: "type", message: `no schema for type ${input.type}; known types: ${knownTypes.join(", ")}` }] };
      }
    } else {
      return { ok: false, code: "invalid", errors: payload.issues };
    }
  }
  const time = eventTime(input.ts, input.event_id, receivedAt);
  const skew = s.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  if (time.from && time.ts > receivedAt + skew) {
    const what = time.from === "ts" ? "ts" : "the time in this UUIDv7 event_id (there is no ts)";
    return { ok: false, code: "invalid", errors: [{ path: time.from, message: `${what} is ${time.ts - receivedAt} ms ahead of the gateway's clock; at most ${skew} ms (FG_GATEWAY_MAX_FUTURE_SKEW_MS) is allowed` }] };
  }
  const eventId = input.event_id ?? Bun.randomUUIDv7();
  const envelope: Envelope = {
    event_id: eventId,
    app_id: input.app_id,
    type: input.type,
    ts: time.ts,
    received_at: receivedAt,
    key: input.key ?? input.user_id ?? input.session_id ?? eventId,
    ...(input.user_id !== undefined && { user_id: input.user_id }),
    ...(input.session_id !== undefined && { session_id: input.session_id }),
    props: input.props,
    source,
  };
  const value = JSON.stringify(envelope);
  const bytes = Buffer.byteLength(value);
  if (bytes > s.maxEventBytes) {
    return { ok: false, code: "too_large", errors: [{ path: "(event)", message: `the event is ${bytes} bytes as published; the limit is ${s.maxEventBytes}` }] };
  }
  return { ok: true, envelope, value, bytes };
}
