/**
 * Decoders for the records the store consumes: bytes to a value the sink writes, or the reason it cannot be.
 * The zod schema stays the one definition of a shape; records are checked against it compiled to
 * JSON Schema by ajv, which validates in place instead of building a copy: 0.4 µs per envelope
 * against zod's 3.4 µs, the largest share of the store's consume path (docs/benchmarks.md).
 */
import { Ajv } from "ajv";
import { z } from "zod";
import type { IncomingRecord } from "../../infra/bus/port.ts";
import { envelopeSchema, type Envelope } from "../../schemas/envelope.ts";
import type { Decoded } from "./runtime.ts";

const ajv = new Ajv({ allErrors: false });
/** Bytes to text as Buffer.toString does (invalid UTF-8 becomes U+FFFD), in about half its time on Bun. */
const utf8 = new TextDecoder();

/** For schemas without transforms or defaults: a valid record is the value, as parsed. */
export function jsonDecoder<S extends z.ZodType>(schema: S): (record: IncomingRecord) => Decoded<z.output<S>> {
  const validate = ajv.compile(z.toJSONSchema(schema, { target: "draft-7", io: "input" }));
  return (record) => {
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(record.value));
    } catch (err) {
      return { ok: false, error: `not JSON: ${(err as Error).message}` };
    }
    if (validate(json)) return { ok: true, value: json as z.output<S> };
    const issue = validate.errors?.[0];
    const path = issue?.instancePath.slice(1).replaceAll("/", ".") || "(root)";
    const extra = issue?.params.additionalProperty ? ` (${issue.params.additionalProperty})` : "";
    return { ok: false, error: `invalid: ${path}: ${issue?.message}${extra}` };
  };
}

export const decodeEnvelope: (record: IncomingRecord) => Decoded<Envelope> = jsonDecoder(envelopeSchema);
