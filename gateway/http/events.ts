/**
 * POST /v1/events (one event), /v1/events/batch (1..max, each accepted or rejected on its own)
 * and /v1/events/ndjson (a newline-delimited stream, handled in chunks as it arrives).
 * Bodies are read by these routes, never past FG_GATEWAY_MAX_REQUEST_BYTES, decoded as strict
 * UTF-8 and bounded in nesting before they are parsed (gateway/ingest/json.ts).
 */
import { Hono } from "hono";
import { ENVELOPE_LEVELS, parseJsonBytes, type JsonResult } from "../ingest/json.ts";
import type { EventResult, Ingest, Principal, SubmitOutcome } from "../ingest/types.ts";
import { apiKeyOf } from "../keys/api-key.ts";
import { errorResponse, keysUnavailable, mediaTypeOf, refusal, rejectStatus, unauthorized } from "./responses.ts";

export interface EventRoutesOptions {
  ingest: Ingest;
  maxRequestBytes: number;
  maxBatch: number;
  /** FG_GATEWAY_MAX_DEPTH: props levels; a body's own bound adds the envelope's levels. */
  maxDepth: number;
}

type Env = { Variables: { principal: Principal } };

const summary = (results: EventResult[], extra: Record<string, unknown> = {}) => {
  results.sort((a, b) => a.index - b.index); // NDJSON lines rejected as they arrive come in ahead of their chunk's
  const accepted = results.filter((r) => r.status === "accepted").length;
  return { accepted, rejected: results.length - accepted, results, ...extra };
};

/** A refused body: the status and code each JSON problem answers with. */
const jsonProblem = (r: Extract<JsonResult, { ok: false }>) =>
  errorResponse(400, r.problem, r.problem === "invalid_utf8" ? "the body is not valid UTF-8" : r.problem === "too_deep" ? "the body nests too deeply" : "the body is not JSON", { errors: r.errors });

/**
 * The body's bytes, read until the limit and no further: undefined once it would pass it. A body
 * with a Content-Length (checked against the limit by the guard) is exactly that long, so it is
 * read at once, natively; a chunked one is counted as it streams (twice the CPU per request).
 */
async function readBounded(req: Request, max: number): Promise<Uint8Array | undefined> {
  if (req.headers.has("content-length")) return new Uint8Array(await req.arrayBuffer());
  const body = req.body;
  if (!body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of body) {
    size += part.length;
    if (size > max) return undefined;
    parts.push(part);
  }
  return Buffer.concat(parts);
}

export interface EventHandlers {
  /** POST /v1/events: one event. */
  single(req: Request): Promise<Response>;
  /** POST /v1/events/batch: 1..maxBatch events, each accepted or rejected on its own. */
  batch(req: Request): Promise<Response>;
}

/**
 * The guard of every event route: authentication first, then the media type; a declared body
 * size over the limit is refused before it is read. The principal, or the response that refuses.
 */
async function guard(o: EventRoutesOptions, req: Request, mediaType: string, tooLarge: () => Response): Promise<Principal | Response> {
  const headers = req.headers;
  const auth = await o.ingest.authenticate(apiKeyOf(headers)).catch(() => null);
  if (!auth) return keysUnavailable();
  if (!auth.ok) return unauthorized(auth);
  if (mediaTypeOf(headers.get("content-type") ?? undefined) !== mediaType) {
    return errorResponse(415, "unsupported_media_type", `send Content-Type: ${mediaType} (UTF-8)`);
  }
  if (Number(headers.get("content-length") ?? 0) > o.maxRequestBytes) return tooLarge();
  return auth.principal;
}

/**
 * The two hot routes as plain handlers of a Request: the gateway serves them through Bun.serve's
 * own routes, ahead of Hono (whose routing, context and middleware chain cost more per request
 * than the rest of a single event's HTTP handling); eventRoutes() mounts the same handlers on Hono.
 */
export function createEventHandlers(o: EventRoutesOptions): EventHandlers {
  const maxBodyDepth = o.maxDepth + ENVELOPE_LEVELS;
  const tooLarge = () => errorResponse(413, "too_large", `the request body is over ${o.maxRequestBytes} bytes (FG_GATEWAY_MAX_REQUEST_BYTES)`);

  /** The body as JSON, or the response that says why not. */
  async function jsonBody(req: Request): Promise<{ body: unknown } | { error: Response }> {
    const bytes = await readBounded(req, o.maxRequestBytes);
    if (!bytes) return { error: tooLarge() };
    const parsed = parseJsonBytes(bytes, maxBodyDepth);
    return parsed.ok ? { body: parsed.value } : { error: jsonProblem(parsed) };
  }

  return {
    async single(req) {
      const principal = await guard(o, req, "application/json", tooLarge);
      if (principal instanceof Response) return principal;
      const parsed = await jsonBody(req);
      if ("error" in parsed) return parsed.error;
      const outcome = await o.ingest.submit(principal, [parsed.body], "http", req.headers.get("traceparent") ?? undefined);
      if (outcome.kind !== "done") return refusal(outcome);
      const [result] = outcome.results;
      if (result!.status === "accepted") return Response.json({ event_id: result!.event_id }, { status: 202 });
      return errorResponse(rejectStatus[result!.code], result!.code, "the event was not accepted", { errors: result!.errors });
    },
    async batch(req) {
      const principal = await guard(o, req, "application/json", tooLarge);
      if (principal instanceof Response) return principal;
      const parsed = await jsonBody(req);
      if ("error" in parsed) return parsed.error;
      const body = parsed.body as unknown;
      const events = Array.isArray(body) ? body : (body as { events?: unknown })?.events;
      if (!Array.isArray(events)) return errorResponse(400, "invalid", 'expected a JSON array of events, or {"events": [...]}');
      if (events.length === 0 || events.length > o.maxBatch) return errorResponse(400, "invalid", `a batch holds 1 to ${o.maxBatch} events; this one has ${events.length}`);
      const outcome = await o.ingest.submit(principal, events, "http", req.headers.get("traceparent") ?? undefined);
      if (outcome.kind !== "done") return refusal(outcome);
      const body202 = summary(outcome.results);
      return Response.json(body202, { status: body202.rejected === 0 ? 202 : 207 });
    },
  };
}

export function eventRoutes(o: EventRoutesOptions, handlers: EventHandlers = createEventHandlers(o)): Hono<Env> {
  const app = new Hono<Env>();
  const maxBodyDepth = o.maxDepth + ENVELOPE_LEVELS;
  const tooLarge = (extra: Record<string, unknown> = {}) => errorResponse(413, "too_large", `the request body is over ${o.maxRequestBytes} bytes (FG_GATEWAY_MAX_REQUEST_BYTES)`, extra);

  app.post("/v1/events", (c) => handlers.single(c.req.raw));
  app.post("/v1/events/batch", (c) => handlers.batch(c.req.raw));
  // A refused NDJSON stream still answers in the NDJSON summary's shape.
  app.use("/v1/events/ndjson", async (c, next) => {
    const principal = await guard(o, c.req.raw, "application/x-ndjson", () => tooLarge(summary([], { next_line: 0 })));
    if (principal instanceof Response) return principal;
    c.set("principal", principal);
    await next();
  });

  /**
   * Lines are handled in chunks of up to maxBatch as they arrive. Whatever ends the stream early
   * (the size limit, a 429 or 503) answers with the results of the lines handled so far and
   * `next_line`, the first line not handled: resend from there and nothing is lost or doubled.
   */
  app.post("/v1/events/ndjson", async (c) => {
    const principal = c.get("principal");
    const traceparent = c.req.header("traceparent");
    const results: EventResult[] = [];
    let chunk: { line: number; value: unknown }[] = [];
    let line = 0;

    type Refusal = Exclude<SubmitOutcome, { kind: "done" }>;
    // The results of the first lines, and the refusal that stopped the rest (if any).
    const submitLines = async (lines: { line: number; value: unknown }[]): Promise<{ results: EventResult[]; refused?: Refusal }> => {
      const outcome = await o.ingest.submit(principal, lines.map((l) => l.value), "http", traceparent);
      if (outcome.kind === "done") return { results: outcome.results };
      // A chunk over the burst is the route's own doing (a client cannot size NDJSON chunks): split it.
      if (outcome.kind !== "over_burst" || lines.length <= 1) return { results: [], refused: outcome };
      const merged: EventResult[] = [];
      for (let i = 0; i < lines.length; i += outcome.burst) {
        const part = await submitLines(lines.slice(i, i + outcome.burst));
        for (const r of part.results) merged.push({ ...r, index: i + r.index });
        if (part.refused) return { results: merged, refused: part.refused };
      }
      return { results: merged };
    };
    // Submits the lines collected so far; a refusal ends the stream with what was done before it.
    const submit = async (): Promise<Response | undefined> => {
      const lines = chunk;
      chunk = [];
      if (lines.length === 0) return undefined;
      const { results: done, refused } = await submitLines(lines);
      for (const r of done) results.push({ ...r, index: lines[r.index]!.line });
      if (!refused) return undefined;
      const next = lines[done.length]!.line;
      return refusal(refused, summary(results.filter((r) => r.index < next), { next_line: next }));
    };
    const take = async (bytes: Uint8Array): Promise<Response | undefined> => {
      const index = line++;
      if (bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0d)) return undefined;
      const parsed = parseJsonBytes(bytes, maxBodyDepth);
      if (parsed.ok) chunk.push({ line: index, value: parsed.value });
      else results.push({ index, status: "rejected", code: "invalid", errors: parsed.errors });
      return chunk.length >= o.maxBatch ? submit() : undefined;
    };

    const reader = c.req.raw.body?.getReader();
    let rest: Uint8Array = new Uint8Array(0);
    let bytes = 0;
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      // Only the bytes up to the limit are looked at; the line they cut is not handled.
      const room = o.maxRequestBytes - bytes;
      const over = value.length > room;
      const data = over ? value.subarray(0, room) : value;
      bytes += data.length;
      let buf = rest.length ? Buffer.concat([rest, data]) : data;
      for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
        const refused = await take(buf.subarray(0, nl));
        if (refused) return (await reader.cancel(), refused);
        buf = buf.subarray(nl + 1);
      }
      rest = buf;
      if (over) {
        await reader.cancel();
        const refused = await submit();
        if (refused) return refused;
        return tooLarge(summary(results, { next_line: line }));
      }
    }
    const refused = (rest.length ? await take(rest) : undefined) ?? (await submit());
    if (refused) return refused;
    const body = summary(results);
    return c.json(body, body.rejected === 0 ? 202 : 207);
  });

  return app;
}
