/**
 * Payload schemas compiled once per type and version into plain predicates, for the gateway's
 * hot path: zod's parse of props was a third of an event's own CPU. A predicate only ever says
 * "valid for certain"; a false, or a schema with a construct the compiler does not know, leaves
 * the verdict (and the wording of every error) to the zod schema itself (schemas/events).
 */
import type { z } from "zod";
import { eventTypes } from "../../schemas/events/types.ts";

type Check = (v: unknown) => boolean;

interface Def {
  type: string;
  checks?: { _zod: { def: { check: string; [k: string]: unknown } } }[];
  shape?: Record<string, { _zod: { def: Def } }>;
  catchall?: { _zod: { def: Def } };
  innerType?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  entries?: Record<string, string | number>;
}

/** A check of a value's length or size, or undefined when it is of a kind not compiled. */
function bound(c: { check: string; [k: string]: unknown }, size: (v: never) => number): Check | undefined {
  if (c.check === "min_length") return (v) => size(v as never) >= (c.minimum as number);
  if (c.check === "max_length") return (v) => size(v as never) <= (c.maximum as number);
  return undefined;
}

function compileDef(def: Def): Check | undefined {
  const checks: Check[] = [];
  for (const { _zod } of def.checks ?? []) {
    const c = _zod.def;
    let check: Check | undefined;
    if (def.type === "string") {
      check = bound(c, (v: string) => v.length);
      if (!check && c.check === "string_format" && c.format === "regex") {
        const pattern = c.pattern as RegExp;
        check = (v) => ((pattern.lastIndex = 0), pattern.test(v as string));
      }
    } else if (def.type === "number") {
      const limit = c.value as number;
      if (c.check === "greater_than") check = c.inclusive ? (v) => (v as number) >= limit : (v) => (v as number) > limit;
      else if (c.check === "less_than") check = c.inclusive ? (v) => (v as number) <= limit : (v) => (v as number) < limit;
      else if (c.check === "number_format" && (c.format === "safeint" || c.format === "int")) check = (v) => Number.isSafeInteger(v);
    } else if (def.type === "array") check = bound(c, (v: unknown[]) => v.length);
    if (!check) return undefined;
    checks.push(check);
  }
  const all = (v: unknown) => {
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
  switch (def.type) {
    case "string":
      return (v) => typeof v === "string" && all(v);
    case "number":
      return (v) => typeof v === "number" && Number.isFinite(v) && all(v);
    case "boolean":
      return (v) => typeof v === "boolean";
    case "enum": {
      const values = new Set(Object.values(def.entries ?? {}));
      return (v) => values.has(v as string);
    }
    case "optional": {
      const inner = compileDef(def.innerType!._zod.def);
      return inner && ((v) => v === undefined || inner(v));
    }
    case "array": {
      const element = compileDef(def.element!._zod.def);
      return element && ((v) => Array.isArray(v) && all(v) && v.every(element));
    }
    case "object": {
      // Only loose objects (declared fields checked, the rest passes) and plain ones (the rest dropped).
      if (def.catchall && def.catchall._zod.def.type !== "unknown") return undefined;
      const fields: [string, Check][] = [];
      for (const [name, field] of Object.entries(def.shape ?? {})) {
        const check = compileDef(field._zod.def);
        if (!check) return undefined;
        fields.push([name, check]);
      }
      return (v) => {
        if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
        for (const [name, check] of fields) if (!check((v as Record<string, unknown>)[name])) return false;
        return true;
      };
    }
    default:
      return undefined;
  }
}

/** A zod schema as a predicate that is true only where the schema surely accepts; undefined when it cannot be compiled. */
export const compileSchema = (schema: z.ZodType): Check | undefined => compileDef((schema as unknown as { _zod: { def: Def } })._zod.def);

const compiled = new Map<string, (Check | undefined)[]>(Object.entries(eventTypes).map(([type, versions]) => [type, versions.map(compileSchema)]));

/** The version (newest first) whose compiled check surely accepts `props`; undefined leaves it to checkPayload. */
export function fastPayloadVersion(type: string, props: unknown): number | undefined {
  const versions = compiled.get(type);
  if (!versions) return undefined;
  for (let v = versions.length; v >= 1; v--) if (versions[v - 1]?.(props)) return v;
  return undefined;
}
