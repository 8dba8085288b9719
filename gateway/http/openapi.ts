/**
 * GET /openapi.json: the OpenAPI 3.1 document of the gateway's HTTP API. The shapes come from
 * the same zod schemas the routes validate and answer with; this file only says which route
 * takes and returns which.
 */
import { z } from "zod";
import { envelopeInputSchema } from "../../schemas/envelope.ts";
import { acceptedSchema, batchSchema, errorSchema } from "./responses.ts";
import { schemaListSchema } from "./schemas.ts";

type Shape = z.ZodType | "text";
interface Route {
  method: "get" | "post";
  path: string;
  summary: string;
  body?: { type: string; schema: Shape };
  responses: Record<number, [string, Shape?]>;
  auth?: boolean;
}

const refusals: Record<number, [string, Shape]> = {
  401: ["Missing, invalid or revoked API key", errorSchema],
  413: ["Request or event too large", errorSchema],
  415: ["Not JSON", errorSchema],
  429: ["Over the app's or key's rate: see Retry-After and RateLimit-* headers", errorSchema],
  503: ["Kafka is not acknowledging: nothing was acknowledged; retry after Retry-After", errorSchema],
};

export function openApiDocument(o: { maxBatch: number }): Record<string, unknown> {
  const routes: Route[] = [
    {
      method: "post", path: "/v1/events", summary: "Send one event; 202 once Kafka has it (acks=all)", auth: true,
      body: { type: "application/json", schema: envelopeInputSchema },
      responses: { 202: ["Accepted and durable", acceptedSchema], 400: ["Invalid event: each problem with its field path", errorSchema], 403: ["app_id is not the API key's app", errorSchema], ...refusals },
    },
    {
      method: "post", path: "/v1/events/batch", summary: `Send 1 to ${o.maxBatch} events; each is accepted or rejected on its own`, auth: true,
      body: { type: "application/json", schema: z.union([z.array(envelopeInputSchema).min(1).max(o.maxBatch), z.object({ events: z.array(envelopeInputSchema).min(1).max(o.maxBatch) })]) },
      responses: { 202: ["All accepted and durable", batchSchema], 207: ["Some rejected: see results", batchSchema], 400: ["Not a batch", errorSchema], ...refusals },
    },
    {
      method: "post", path: "/v1/events/ndjson", summary: "Stream newline-delimited events; handled in chunks as they arrive", auth: true,
      body: { type: "application/x-ndjson", schema: "text" },
      responses: { 202: ["All accepted and durable", batchSchema], 207: ["Some lines rejected: see results", batchSchema], ...refusals },
    },
    { method: "get", path: "/v1/schemas", summary: "The envelope and every event type with its versions", responses: { 200: ["Schemas", schemaListSchema] } },
    {
      method: "get", path: "/v1/schemas/{type}", summary: "JSON Schema of an event type's payload (newest version unless ?version=n)",
      responses: { 200: ["JSON Schema", z.record(z.string(), z.unknown())], 404: ["Unknown type or version", errorSchema] },
    },
    { method: "get", path: "/healthz", summary: "Alive", responses: { 200: ["Serving"] } },
    { method: "get", path: "/readyz", summary: "Ready to acknowledge events (Kafka connected)", responses: { 200: ["Ready"], 503: ["Not ready"] } },
    { method: "get", path: "/metrics", summary: "Prometheus metrics", responses: { 200: ["Metrics, text format", "text"] } },
  ];
  const content = (type: string, shape: Shape) => ({ [type]: { schema: shape === "text" ? { type: "string" } : z.toJSONSchema(shape, { io: "input" }) } });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    paths[r.path] ??= {};
    paths[r.path]![r.method] = {
      summary: r.summary,
      ...(r.path.includes("{type}") && { parameters: [{ name: "type", in: "path", required: true, schema: { type: "string" } }, { name: "version", in: "query", schema: { type: "integer" } }] }),
      ...(r.auth && { security: [{ apiKey: [] }, { bearer: [] }] }),
      ...(r.body && { requestBody: { required: true, content: content(r.body.type, r.body.schema) } }),
      responses: Object.fromEntries(Object.entries(r.responses).map(([status, [description, shape]]) => [
        status, { description, ...(shape && { content: content(shape === "text" ? "text/plain" : "application/json", shape) }) },
      ])),
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Fluxgate gateway", version: "1" },
    components: { securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-Key" }, bearer: { type: "http", scheme: "bearer" } } },
    paths,
  };
}
