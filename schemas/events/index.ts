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

/** JSON Schema (draft 2020-12) of one version of a type's payload; the newest by default. */
export function payloadJsonSchema(type: string, version?: number): Record<string, unknown> | undefined {
  if (!isKnown(type)) return undefined;
  const versions = eventTypes[type];
  const schema = versions[(version ?? versions.length) - 1];
  return schema ? (z.toJSONSchema(schema) as Record<string, unknown>) : undefined;
}

export type DeclaredType = "string" | "number" | "boolean";

/** Top-level scalar payload fields any version of any type declares, with their type. */
export function declaredFields(): { name: string; type: DeclaredType }[] {
  const fields = new Map<string, DeclaredType>();
  for (const versions of Object.values(eventTypes)) {
    for (const schema of versions) {
      for (const [name, field] of Object.entries(schema.shape)) {
        const json = z.toJSONSchema(field as z.ZodType) as { type?: string };
        const type = json.type === "integer" ? "number" : json.type;
        if (type === "string" || type === "number" || type === "boolean") fields.set(name, type);
      }
    }
  }
  return [...fields].map(([name, type]) => ({ name, type })).sort((a, b) => a.name.localeCompare(b.name));
}
