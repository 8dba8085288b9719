/**
 * Request decoding for fluxgate.v1.Ingest that never fails the call as INTERNAL. grpc-js answers
 * a message its deserializer throws on with INTERNAL, before any handler (or metric) sees it;
 * and protobufjs decodes invalid UTF-8 in a string field into U+FFFD, which would be stored.
 * So each method's deserializer is wrapped: a message that cannot be decoded, or that holds a
 * string field which is not valid UTF-8, becomes an `Undecodable` naming the problem (and the
 * field), which the handlers answer with INVALID_ARGUMENT and count like any other call.
 */
import { isUtf8 } from "node:buffer";
import type { ServiceDefinition } from "@grpc/grpc-js";
import type { FieldError } from "../ingest/types.ts";

/** What a handler receives in place of a request it cannot use. */
export class Undecodable {
  constructor(readonly error: FieldError, readonly seq?: number) {}
  get message(): string {
    return `${this.error.path}: ${this.error.message}`;
  }
}

type FieldKind = { name: string; kind: "string" } | { name: string; kind: "message"; type: string; repeated: boolean };
/** Per message type (full name), its string and message fields by number: all UTF-8 checking needs. */
export type WireSpec = Map<string, Map<number, FieldKind>>;

interface DescriptorField { name: string; number: number; type: string; typeName: string; label: string }
type PackageDefinition = Record<string, unknown>;

/** The spec from proto-loader's package definition (its DescriptorProto of every message). */
export function wireSpecOf(definition: PackageDefinition, pkg: string): WireSpec {
  const spec: WireSpec = new Map();
  for (const [name, entry] of Object.entries(definition)) {
    const fields = (entry as { type?: { field?: DescriptorField[] } }).type?.field;
    if (!fields) continue;
    const kinds = new Map<number, FieldKind>();
    for (const f of fields) {
      if (f.type === "TYPE_STRING") kinds.set(f.number, { name: f.name, kind: "string" });
      else if (f.type === "TYPE_MESSAGE") {
        const type = f.typeName.replace(/^\./, "");
        kinds.set(f.number, { name: f.name, kind: "message", type: type.includes(".") ? type : `${pkg}.${type}`, repeated: f.label === "LABEL_REPEATED" });
      }
    }
    spec.set(name, kinds);
  }
  return spec;
}

function varint(buf: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 1;
  let i = at;
  for (;;) {
    if (i >= buf.length) throw new Error("truncated varint");
    const b = buf[i++]!;
    value += (b & 0x7f) * shift;
    if (b < 0x80) return [value, i];
    shift *= 128;
    if (shift > 2 ** 63) throw new Error("varint too long");
  }
}

/**
 * The first string field (by path, e.g. `events.3.user_id`) whose bytes are not valid UTF-8, in a
 * message protobufjs has already decoded. Walks the wire format once; native isUtf8 per string.
 */
export function invalidUtf8Field(buf: Uint8Array, type: string, spec: WireSpec, prefix = ""): string | undefined {
  const fields = spec.get(type);
  const counts = new Map<number, number>();
  let i = 0;
  while (i < buf.length) {
    const [tag, afterTag] = varint(buf, i);
    const wire = tag % 8;
    const number = Math.floor(tag / 8);
    i = afterTag;
    if (wire === 0) i = varint(buf, i)[1];
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const [len, start] = varint(buf, i);
      const end = start + len;
      const f = fields?.get(number);
      const index = counts.get(number) ?? 0;
      counts.set(number, index + 1);
      if (f?.kind === "string" && !isUtf8(buf.subarray(start, end))) return `${prefix}${f.name}`;
      if (f?.kind === "message") {
        const inner = invalidUtf8Field(buf.subarray(start, end), f.type, spec, `${prefix}${f.name}.${f.repeated ? `${index}.` : ""}`);
        if (inner) return inner;
      }
      i = end;
    } else return undefined; // groups: not in this proto, and the decoder took the message
  }
  return undefined;
}

/** A copy of the service whose request deserializers answer an `Undecodable` instead of throwing. */
export function withSafeDecoding(service: ServiceDefinition, spec: WireSpec): ServiceDefinition {
  const safe: Record<string, ServiceDefinition[string]> = {};
  for (const [method, def] of Object.entries(service)) {
    const type = (def as unknown as { requestType?: { type?: { name?: string } } }).requestType?.type?.name;
    const fullType = [...spec.keys()].find((k) => k.endsWith(`.${type}`));
    const decode = def.requestDeserialize;
    safe[method] = {
      ...def,
      requestDeserialize: (buf: Buffer) => {
        let msg: unknown;
        try {
          msg = decode(buf);
        } catch (err) {
          return new Undecodable({ path: "(message)", message: `cannot be decoded as ${type ?? "the request"}: ${(err as Error).message}` });
        }
        let bad: string | undefined;
        try {
          bad = fullType ? invalidUtf8Field(buf, fullType, spec) : undefined;
        } catch (err) {
          return new Undecodable({ path: "(message)", message: `cannot be decoded: ${(err as Error).message}` });
        }
        return bad ? new Undecodable({ path: bad, message: "not valid UTF-8" }, (msg as { seq?: number }).seq) : msg;
      },
    };
  }
  return safe;
}
