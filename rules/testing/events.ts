/**
 * Reads recorded events (ndjson, one envelope per line) for `rules test`. Lines may be what a
 * client sends (RFC 3339 ts, no received_at); they are completed as the gateway would, so rules
 * see the envelope they see in production. A bad line is reported with its line number.
 */
import { z } from "zod";
import { envelopeInputSchema, sources, type Envelope } from "../../schemas/envelope.ts";

/** Recorded events may carry readable ids (fixtures) and what the gateway added (received_at, source). */
const recordedSchema = envelopeInputSchema.extend({
  event_id: z.string().min(1).optional(),
  received_at: envelopeInputSchema.shape.ts,
  source: z.enum(sources).optional(),
});

export type EventsResult = { ok: true; events: Envelope[] } | { ok: false; problems: string[] };

export function parseEvents(text: string, file: string): EventsResult {
  const events: Envelope[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const at = `${file}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      problems.push(`${at}: not JSON: ${(e as Error).message}`);
      return;
    }
    const parsed = recordedSchema.safeParse(json);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((iss) => `${at}: ${iss.path.join(".") || "event"}: ${iss.message}`));
      return;
    }
    const e = parsed.data;
    const toMs = (t: number | string | undefined) => (typeof t === "string" ? Date.parse(t) : t);
    if (e.ts === undefined) {
      problems.push(`${at}: ts: required in recorded events (rules run in event time)`);
      return;
    }
    const ts = toMs(e.ts) as number;
    const eventId = e.event_id ?? `line-${i + 1}`;
    events.push({
      event_id: eventId,
      app_id: e.app_id,
      type: e.type,
      ts,
      received_at: toMs(e.received_at) ?? ts,
      key: e.key ?? e.user_id ?? e.session_id ?? eventId,
      ...(e.user_id !== undefined && { user_id: e.user_id }),
      ...(e.session_id !== undefined && { session_id: e.session_id }),
      props: e.props,
      source: e.source ?? "http",
    });
  });
  return problems.length ? { ok: false, problems } : { ok: true, events };
}
