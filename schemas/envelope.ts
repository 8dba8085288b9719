/**
 * The event envelope: the one shape every protocol, the Kafka topics and every sink share
 * (see docs/design.md). `EnvelopeInput` is what a client may send; `Envelope` is what the
 * gateway publishes after enrichment, so every field a consumer reads is always present.
 */
import { z } from "zod";

export const APP_ID = /^[a-z0-9_-]{1,64}$/;
export const EVENT_TYPE = /^[a-z][a-z0-9_.]{0,63}$/;

export const sources = ["http", "ws", "grpc"] as const;
export type Source = (typeof sources)[number];

const optionalId = z.string().min(1).max(256).optional();

/**
 * Event time is ms since 1970 within JavaScript's Date range (8.64e15 ms): every part downstream
 * turns `ts` into a Date (windows, partitions, file names), and one out of that range was acked
 * by the gateway, then dead-lettered. How far ahead of the gateway's clock it may be is the
 * gateway's setting (FG_GATEWAY_MAX_FUTURE_SKEW_MS).
 */
export const MAX_TS = 8.64e15;
const inRange = (t: number) => t >= 0 && t <= MAX_TS;
const tsRange = "must be from 1970-01-01 to JavaScript's largest Date (8.64e15 ms)";

/**
 * The time in a UUIDv7 (its first 48 bits, ms since 1970), or undefined for any other id. An
 * event with a UUIDv7 id and no `ts` takes its `ts` from the id, so a client's resend of it is the
 * same event, byte for byte, and lands in the same time partition of every store.
 */
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export function uuidV7Time(id: string): number | undefined {
  // The version digit first: most ids are not v7 or not given, and this is on every event's path.
  return id.charCodeAt(14) === 0x37 && UUID_V7.test(id) ? parseInt(id.slice(0, 8) + id.slice(9, 13), 16) : undefined;
}

export const envelopeInputSchema = z
  .object({
    event_id: z.uuid().optional().describe("Idempotency key; a client that retries sends the same id. UUIDv7 when the gateway assigns it."),
    app_id: z.string().regex(APP_ID, "must match [a-z0-9_-]{1,64}").describe("Tenant; must be the API key's app"),
    type: z.string().regex(EVENT_TYPE, "must match [a-z][a-z0-9_.]{0,63}").describe("Event type; picks the payload schema"),
    ts: z
      .union([z.number().int(), z.iso.datetime({ offset: true })])
      // `when`: only a ts of the right type has its range checked (one error per problem).
      .refine((t) => inRange(typeof t === "number" ? t : Date.parse(t)), { message: tsRange, when: (p) => p.issues.length === 0 })
      .optional()
      .describe("Event time: integer ms since epoch or an RFC 3339 string, from 1970 to at most FG_GATEWAY_MAX_FUTURE_SKEW_MS ahead; defaults to the time of a UUIDv7 event_id, else received_at"),
    key: optionalId.describe("Partition / correlation key; default user_id, else session_id, else event_id"),
    user_id: optionalId,
    session_id: optionalId,
    props: z.record(z.string(), z.unknown()).default({}).describe("Payload, checked by the schema of `type`"),
  })
  .strict();

export type EnvelopeInput = z.input<typeof envelopeInputSchema>;

/** The enriched envelope as published on fg.events. */
export const envelopeSchema = z
  .object({
    event_id: z.string().min(1),
    app_id: z.string().regex(APP_ID),
    type: z.string().regex(EVENT_TYPE),
    // min/max rather than a refine: the store validates with the JSON Schema of this (ajv).
    ts: z.number().int().min(0, tsRange).max(MAX_TS, tsRange),
    received_at: z.number().int().nonnegative(),
    key: z.string().min(1),
    user_id: z.string().optional(),
    session_id: z.string().optional(),
    props: z.record(z.string(), z.unknown()),
    source: z.enum(sources),
  })
  .strict();

export type Envelope = z.infer<typeof envelopeSchema>;

/** Kafka message key of an envelope on fg.events: events of one key stay in order on one partition. */
export const busKey = (e: Pick<Envelope, "app_id" | "key">): string => `${e.app_id}:${e.key}`;
