/**
 * The payload schema registry: what the gateway checks `props` against, what GET /v1/schemas
 * serves as JSON Schema, and the declared scalar fields a store may keep as typed columns.
 */
import { z } from "zod";
import { eventTypes, type EventType } from "./types.ts";

export { eventTypes, type EventType } from "./types.ts";

export interface PayloadIssue {
  path: string;
  message: string;
}

export type PayloadCheck = { ok: true; version: number } | { ok: false; version: number; issues: PayloadIssue[] } | { ok: false; unknownType: true };

export const knownTypes = Object.keys(eventTypes) as EventType[];
const isKnown = (type: string): type is EventType => Object.hasOwn(eventTypes, type);

export function latestVersion(type: string): number | undefined {
  return isKnown(type) ? eventTypes[type].length : undefined;
}

/** Newest version first: most clients send the newest shape, so most checks stop at one parse. */
export function checkPayload(type: string, props: unknown): PayloadCheck {
  if (!isKnown(type)) return { ok: false, unknownType: true };
  const versions = eventTypes[type];
  let newest: z.ZodError | undefined;
  for (let v = versions.length; v >= 1; v--) {
    const result = versions[v - 1]!.safeParse(props);
    if (result.success) return { ok: true, version: v };
    newest ??= result.error;
  }
  return { ok: false, version: versions.length, issues: newest!.issues.map((i) => ({ path: ["props", ...i.path].join("."), message: i.message })) };
}

/** The zod schema of one version of a type's payload; the newest by default. */
export function payloadSchema(type: string, version?: number): z.ZodObject | undefined {
  if (!isKnown(type)) return undefined;
  const versions = eventTypes[type];
  return versions[(version ?? versions.length) - 1];
}

/** JSON Schema (draft 2020-12) of one version of a type's payload; the newest by default. */
export function payloadJsonSchema(type: string, version?: number): Record<string, unknown> | undefined {
  const schema = payloadSchema(type, version);
  return schema && (z.toJSONSchema(schema) as Record<string, unknown>);
}

export type DeclaredType = "string" | "number" | "boolean";

export interface DeclaredField {
  /** Dotted path inside `props`; only top-level scalars are declared (arrays and objects stay in the raw JSON). */
  path: string;
  type: DeclaredType;
}

function scalarType(field: z.ZodType): DeclaredType | undefined {
  const json = z.toJSONSchema(field) as { type?: string };
  const type = json.type === "integer" ? "number" : json.type;
  return type === "string" || type === "number" || type === "boolean" ? type : undefined;
}

/** The scalar payload fields any version of `type` declares, with their type; undefined for an unknown type. */
export function declaredFieldsOf(type: string): DeclaredField[] | undefined {
  if (!isKnown(type)) return undefined;
  const fields = new Map<string, DeclaredType>();
  for (const schema of eventTypes[type]) {
    for (const [path, field] of Object.entries(schema.shape)) {
      const scalar = scalarType(field as z.ZodType);
      if (scalar) fields.set(path, scalar);
    }
  }
  return [...fields].map(([path, t]) => ({ path, type: t })).sort((a, b) => a.path.localeCompare(b.path));
}

/** Every type's declared fields, merged by name: the typed columns a store may keep beside the raw props. */
export function declaredFields(): { name: string; type: DeclaredType }[] {
  const fields = new Map<string, DeclaredType>();
  for (const type of knownTypes) for (const f of declaredFieldsOf(type)!) fields.set(f.path, f.type);
  return [...fields].map(([name, type]) => ({ name, type })).sort((a, b) => a.name.localeCompare(b.name));
}
