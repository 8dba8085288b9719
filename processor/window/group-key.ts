/**
 * Group keys: the JSON text of the group_by values in order (["US","ios"]). JSON keeps the key
 * unambiguous whatever the values contain, and lets a result name its group fields without
 * storing them separately. A missing field groups as null.
 */
import type { Envelope } from "../../schemas/envelope.ts";
import type { Json } from "../aggregate/types.ts";
import type { FieldReader } from "../../schemas/condition/field-path.ts";

export const groupKeyOf = (readers: readonly FieldReader[], e: Envelope): string => JSON.stringify(readers.map((read) => read(e) ?? null));

/** The group_by fields and their values, e.g. { "props.country": "US" }. */
export function groupValues(paths: readonly string[], key: string): Record<string, Json> {
  const values = JSON.parse(key) as Json[];
  const out: Record<string, Json> = {};
  for (let i = 0; i < paths.length; i++) out[paths[i] as string] = values[i] ?? null;
  return out;
}
