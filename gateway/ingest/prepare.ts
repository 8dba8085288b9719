/**
 * One submitted event -> the envelope published on fg.events, or the reasons it is refused. Pure:
 * every rejection names the field path and the rule broken, and nothing here throws on bad input.
 */
import { envelopeInputSchema, type Envelope, type Source } from "../../schemas/envelope.ts";
import { checkPayload, knownTypes } from "../../schemas/events/index.ts";
import type { FieldError, Principal, RejectCode } from "./types.ts";

export interface PrepareSettings {
  maxEventBytes: number;
  unknownTypes: "reject" | "accept";
}

export type Prepared =
  /** `value`: the envelope's JSON, encoded once here; the publisher sends these bytes as they are. */
  | { ok: true; envelope: Envelope; value: Buffer }
  | { ok: false; code: RejectCode; errors: FieldError[] };

const pathOf = (path: readonly PropertyKey[]) => path.map(String).join(".") || "(event)";

export function prepareEvent(raw: unknown, principal: Principal, source: Source, receivedAt: number, s: PrepareSettings): Prepared {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, code: "invalid", errors: [{ path: "(event)", message: "expected an event object" }] };
  }
  const parsed = envelopeInputSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, code: "invalid", errors: parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })) };
  const input = parsed.data;
  if (input.app_id !== principal.appId) {
    return { ok: false, code: "app_mismatch", errors: [{ path: "app_id", message: `the API key belongs to app ${principal.appId}, not ${input.app_id}` }] };
  }
  const payload = checkPayload(input.type, input.props);
  if (!payload.ok) {
    if ("unknownType" in payload) {
      if (s.unknownTypes === "reject") {
        return { ok: false, code: "unknown_type", errors: [{ path: "type", message: `no schema for type ${input.type}; known types: ${knownTypes.join(", ")}` }] };
      }
    } else {
      return { ok: false, code: "invalid", errors: payload.issues };
    }
  }
  const eventId = input.event_id ?? Bun.randomUUIDv7();
  const envelope: Envelope = {
    event_id: eventId,
    app_id: input.app_id,
    type: input.type,
    ts: input.ts === undefined ? receivedAt : typeof input.ts === "number" ? input.ts : Date.parse(input.ts),
    received_at: receivedAt,
    key: input.key ?? input.user_id ?? input.session_id ?? eventId,
    ...(input.user_id !== undefined && { user_id: input.user_id }),
    ...(input.session_id !== undefined && { session_id: input.session_id }),
    props: input.props,
    source,
  };
  const value = Buffer.from(JSON.stringify(envelope));
  if (value.length > s.maxEventBytes) {
    return { ok: false, code: "too_large", errors: [{ path: "(event)", message: `the event is ${value.length} bytes as published; the limit is ${s.maxEventBytes}` }] };
  }
  return { ok: true, envelope, value };
}
