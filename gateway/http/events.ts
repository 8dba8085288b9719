/**
 * POST /v1/events (one event), /v1/events/batch (1..max, each accepted or rejected on its own)
 * and /v1/events/ndjson (a newline-delimited stream, handled in chunks as it arrives).
 */
import { Hono, type Context } from "hono";
import type { EventResult, Ingest, Principal } from "../ingest/types.ts";
import { apiKeyOf } from "./api-key.ts";
import { errorResponse, refusal, rejectStatus } from "./responses.ts";

export interface EventRoutesOptions {
  ingest: Ingest;
  maxRequestBytes: number;
  maxBatch: number;
}

type Env = { Variables: { principal: Principal } };

const summary = (results: EventResult[], extra: Record<string, unknown> = {}) => {
  const accepted = results.filter((r) => r.status === "accepted").length;
  return { accepted, rejected: results.length - accepted, results, ...extra };
};

export function eventRoutes(o: EventRoutesOptions): Hono<Env> {
  const app = new Hono<Env>();

  // Authentication first, and a declared body size over the limit is refused before it is read.
  const guard = async (c: Context<Env>, next: () => Promise<void>) => {
    const auth = await o.ingest.authenticate(apiKeyOf(c.req.raw.headers));
    if (!auth.ok) return errorResponse(401, "unauthorized", auth.message, { reason: auth.reason });
    const length = Number(c.req.header("content-length") ?? 0);
    if (length > o.maxRequestBytes) return errorResponse(413, "too_large", `the request is ${length} bytes; the limit is ${o.maxRequestBytes}`);
    c.set("principal", auth.principal);
    await next();
  };
  app.use("/v1/events", guard);
  app.use("/v1/events/*", guard);

  /** The body as JSON, or the response that says why not. */
  async function jsonBody(c: Context<Env>): Promise<{ body: unknown } | { error: Response }> {
    if (!(c.req.header("content-type") ?? "").includes("json")) return { error: errorResponse(415, "unsupported_media_type", "send Content-Type: application/json") };
    const text = await c.req.text();
    if (Buffer.byteLength(text) > o.maxRequestBytes) return { error: errorResponse(413, "too_large", `the request body is over ${o.maxRequestBytes} bytes`) };
    try {
      return { body: JSON.parse(text) };
    } catch (err) {
      return { error: errorResponse(400, "invalid_json", (err as Error).message) };
    }
  }

  app.post("/v1/events", async (c) => {
    const parsed = await jsonBody(c);
    if ("error" in parsed) return parsed.error;
    const outcome = await o.ingest.submit(c.get("principal"), [parsed.body], "http", c.req.header("traceparent"));
    if (outcome.kind !== "done") return refusal(outcome);
    const [result] = outcome.results;
    if (result!.status === "accepted") return c.json({ event_id: result!.event_id }, 202);
    return errorResponse(rejectStatus[result!.code], result!.code, "the event was not accepted", { errors: result!.errors });
  });

  app.post("/v1/events/batch", async (c) => {
    const parsed = await jsonBody(c);
    if ("error" in parsed) return parsed.error;
    const body = parsed.body as unknown;
    const events = Array.isArray(body) ? body : (body as { events?: unknown })?.events;
    if (!Array.isArray(events)) return errorResponse(400, "invalid", 'expected a JSON array of events, or {"events": [...]}');
    if (events.length === 0 || events.length > o.maxBatch) return errorResponse(400, "invalid", `a batch holds 1 to ${o.maxBatch} events; this one has ${events.length}`);
    const outcome = await o.ingest.submit(c.get("principal"), events, "http", c.req.header("traceparent"));
    if (outcome.kind !== "done") return refusal(outcome);
    const body202 = summary(outcome.results);
    return c.json(body202, body202.rejected === 0 ? 202 : 207);
  });

  app.post("/v1/events/ndjson", async (c) => {
    const principal = c.get("principal");
    const results: EventResult[] = [];
    let line = 0;
    let chunk: { line: number; value: unknown }[] = [];
    let bytes = 0;

    // Submits the lines collected so far; a refusal ends the stream with what was done before it.
    const submit = async (): Promise<Response | undefined> => {
      const parsedLines = chunk;
      chunk = [];
      if (parsedLines.length === 0) return undefined;
      const outcome = await o.ingest.submit(principal, parsedLines.map((l) => l.value), "http", c.req.header("traceparent"));
      if (outcome.kind !== "done") return refusal(outcome, summary(results, { next_line: parsedLines[0]!.line }));
      for (const r of outcome.results) results.push({ ...r, index: parsedLines[r.index]!.line });
      return undefined;
    };
    const take = async (text: string): Promise<Response | undefined> => {
      const index = line++;
      if (text.trim() === "") return undefined;
      try {
        chunk.push({ line: index, value: JSON.parse(text) });
      } catch (err) {
        results.push({ index, status: "rejected", code: "invalid", errors: [{ path: "(line)", message: `not JSON: ${(err as Error).message}` }] });
      }
      return chunk.length >= o.maxBatch ? submit() : undefined;
    };

    const reader = c.req.raw.body?.pipeThrough(new TextDecoderStream()).getReader();
    let rest = "";
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      if (bytes > o.maxRequestBytes) {
        await reader.cancel();
        return errorResponse(413, "too_large", `the stream is over ${o.maxRequestBytes} bytes`, summary(results, { next_line: chunk[0]?.line ?? line }));
      }
      const lines = (rest + value).split("\n");
      rest = lines.pop()!;
      for (const l of lines) {
        const refused = await take(l);
        if (refused) return (await reader.cancel(), refused);
      }
    }
    const refused = (rest ? await take(rest) : undefined) ?? (await submit());
    if (refused) return refused;
    const body = summary(results);
    return c.json(body, body.rejected === 0 ? 202 : 207);
  });

  return app;
}
