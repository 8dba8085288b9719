/**
 * The HTTP shapes of the pipeline's outcomes, as zod schemas (the OpenAPI document is generated
 * from them) and as the responses the routes send.
 */
import type { Hono } from "hono";
import { z } from "zod";
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { RejectCode, SubmitOutcome } from "../ingest/types.ts";

const fieldError = z.object({ path: z.string(), message: z.string() });
const rejectCode = z.enum(["invalid", "unknown_type", "too_large", "app_mismatch", "rate_limited"]);

export const acceptedSchema = z.object({ event_id: z.string().describe("The event's id (the client's, or a UUIDv7 the gateway assigned)") });
export const resultSchema = z.union([
  z.object({ index: z.number().int(), status: z.literal("accepted"), event_id: z.string() }),
  z.object({ index: z.number().int(), status: z.literal("rejected"), code: rejectCode, errors: z.array(fieldError) }),
]);
export const batchSchema = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  results: z.array(resultSchema).describe("One per submitted event (NDJSON: per non-empty line, index = line number from 0)"),
  next_line: z.number().int().optional().describe("NDJSON cut short by a 429 or 503: lines before this one were handled; resend from here"),
});
export const errorSchema = z.object({
  error: z.string().describe(
    "What went wrong, as a code: unauthorized, invalid, invalid_json, invalid_utf8, too_deep, unknown_type, too_large, app_mismatch, unsupported_media_type, rate_limited, unavailable, not_found, forbidden, internal",
  ),
  message: z.string().optional(),
  errors: z.array(fieldError).optional().describe("Each problem with the field path and the rule broken"),
});

/** A single event's rejection: the status says which kind. */
export const rejectStatus: Record<RejectCode, 400 | 403 | 413 | 429> = { invalid: 400, unknown_type: 400, too_large: 413, app_mismatch: 403, rate_limited: 429 };

export function errorResponse(status: number, error: string, message?: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return Response.json({ error, ...(message && { message }), ...extra }, { status, headers });
}

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/** 429 and 503 carry when to retry; 429 also the limit (IETF RateLimit header fields); a submission over the burst is 413 (no retry helps). */
export function refusal(outcome: Exclude<SubmitOutcome, { kind: "done" }>, extra: Record<string, unknown> = {}): Response {
  if (outcome.kind === "over_burst") return errorResponse(413, "too_large", outcome.message, { ...extra, max_events: outcome.burst });
  if (outcome.kind === "unavailable") return errorResponse(503, "unavailable", outcome.message, extra, { "retry-after": seconds(outcome.retryAfterMs) });
  return errorResponse(429, "rate_limited", `over the rate limit of ${outcome.limit} events/s`, extra, {
    "retry-after": seconds(outcome.retryAfterMs),
    "ratelimit-limit": String(outcome.limit),
    "ratelimit-remaining": String(outcome.remaining),
    "ratelimit-reset": seconds(outcome.resetMs),
  });
}

/** The one 401 body of every route (HTTP and the WebSocket upgrades): `reason` is missing, invalid or revoked. */
export const unauthorized = (auth: { reason: string; message: string }) => errorResponse(401, "unauthorized", auth.message, { reason: auth.reason });

/** When the key store cannot be asked: nothing is known about the key, so retry. */
export const keysUnavailable = () => errorResponse(503, "unavailable", "cannot check API keys right now", {}, { "retry-after": "1" });

/** An unexpected error: logged as one JSON line (stack included), answered in the error shape. */
export function internalError(err: unknown, logger?: Logger): Response {
  logger?.error("request failed", { err });
  return errorResponse(500, "internal", "internal error; nothing of this request is acknowledged");
}

/** Unknown routes and unexpected errors answer in the error shape too, not Hono's plain text. */
export function withJsonErrors<A extends Hono<any>>(app: A, logger?: Logger): A {
  app.notFound((c) => errorResponse(404, "not_found", `no route ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err) => internalError(err, logger));
  return app;
}

/**
 * The media type of a Content-Type header, exactly: `type/subtype` lowercased, parameters off; a
 * charset parameter must say UTF-8 (the only encoding the gateway decodes). undefined otherwise.
 */
export function mediaTypeOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [essence, ...params] = header.split(";");
  for (const p of params) {
    const [name, value] = p.split("=").map((x) => x.trim().toLowerCase());
    if (name === "charset" && value?.replace(/^"|"$/g, "") !== "utf-8") return undefined;
  }
  return essence!.trim().toLowerCase();
}
