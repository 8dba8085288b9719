/** GET /v1/schemas (the envelope and every event type with its versions) and GET /v1/schemas/:type[?version=n]. */
import { Hono } from "hono";
import { z } from "zod";
import { envelopeInputSchema } from "../../schemas/envelope.ts";
import { eventTypes, knownTypes, payloadJsonSchema } from "../../schemas/events/index.ts";
import { errorResponse } from "./responses.ts";

export const schemaListSchema = z.object({
  envelope: z.record(z.string(), z.unknown()).describe("JSON Schema of an event as clients send it"),
  types: z.array(z.object({ type: z.string(), versions: z.array(z.number().int()), latest: z.number().int() })),
});

export function schemaRoutes(): Hono {
  const envelope = z.toJSONSchema(envelopeInputSchema, { io: "input" });
  const types = knownTypes.map((type) => {
    const versions = eventTypes[type].map((_, i) => i + 1);
    return { type, versions, latest: versions.length };
  });
  return new Hono()
    .get("/v1/schemas", (c) => c.json({ envelope, types }))
    .get("/v1/schemas/:type", (c) => {
      const version = c.req.query("version");
      const schema = payloadJsonSchema(c.req.param("type"), version === undefined ? undefined : Number(version));
      if (!schema) return errorResponse(404, "not_found", `no schema for type ${c.req.param("type")}${version ? ` version ${version}` : ""}`);
      return c.json(schema);
    });
}
