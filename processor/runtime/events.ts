/**
 * Records of fg.events -> envelopes. The gateway validated them already, so this is a cheap shape
 * check, not a schema parse: a record that fails it is a data problem for the DLQ, never a crash.
 */
import type { IncomingRecord } from "../../infra/bus/port.ts";
import type { Envelope } from "../../schemas/envelope.ts";

export type Decoded = { ok: true; event: Envelope } | { ok: false; error: string };

export function decodeEvent(record: IncomingRecord): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(record.value.toString());
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  const e = value as Partial<Envelope> | null;
  if (typeof e !== "object" || e === null) return { ok: false, error: "not an object" };
  if (typeof e.event_id !== "string" || typeof e.app_id !== "string" || typeof e.type !== "string")
    return { ok: false, error: "event_id, app_id and type must be strings" };
  if (typeof e.ts !== "number" || !Number.isSafeInteger(e.ts)) return { ok: false, error: "ts must be an integer (ms since epoch)" };
  if (typeof e.props !== "object" || e.props === null) return { ok: false, error: "props must be an object" };
  return { ok: true, event: e as Envelope };
}
