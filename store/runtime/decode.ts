/** Decoders for the records the store consumes: bytes to a value the sink writes, or the reason it cannot be. */
import type { z } from "zod";
import type { IncomingRecord } from "../../infra/bus/port.ts";
import { envelopeSchema, type Envelope } from "../../schemas/envelope.ts";
import type { Decoded } from "./runtime.ts";

export function jsonDecoder<S extends z.ZodType>(schema: S): (record: IncomingRecord) => Decoded<z.output<S>> {
  return (record) => {
    let json: unknown;
    try {
      json = JSON.parse(record.value.toString("utf8"));
    } catch (err) {
      return { ok: false, error: `not JSON: ${(err as Error).message}` };
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return { ok: true, value: parsed.data };
    const issue = parsed.error.issues[0];
    return { ok: false, error: `invalid: ${issue?.path.join(".") || "(root)"}: ${issue?.message}` };
  };
}

export const decodeEnvelope: (record: IncomingRecord) => Decoded<Envelope> = jsonDecoder(envelopeSchema);
