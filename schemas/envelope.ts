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

export const envelopeInputSchema = z
  .object({
    event_id: z.uuid().optional().describe("Idempotency key; a client that retries sends the same id. UUIDv7 when the gateway assigns it."),
    app_id: z.string().regex(APP_ID, "must match [a-z0-9_-]{1,64}").describe("Tenant; must be the API key's app"),
    type: z.string().regex(EVENT_TYPE, "must match [a-z][a-z0-9_.]{0,63}").describe("Event type; picks the payload schema"),
    ts: z
      .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
      .optional()
      .describe("Event time: integer ms since epoch or an RFC 3339 string; defaults to received_at"),
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
    ts: z.number().int().nonnegative(),
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
